"""Parse-and-chunk work for one file, runnable in a worker process (light imports only)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tunedd_api.indexing.chunker import Chunk, PageAwareChunker
from tunedd_api.indexing.pdf_reader import ParsedPdf, UnreadableDocumentError, read_pdf


@dataclass(frozen=True)
class ParseResult:
    """A parsed and chunked file, or the reason it could not be read."""

    path: Path
    document_id: str
    parsed: ParsedPdf | None = None
    chunks: list[Chunk] | None = None
    error: str | None = None


def parse_and_chunk(
    path: Path, document_id: str, chunk_size: int, chunk_overlap: int
) -> ParseResult:
    """Read ``path`` and split it into chunks; unreadable files come back with ``error`` set."""
    try:
        parsed = read_pdf(path, document_id=document_id)
    except UnreadableDocumentError as error:
        return ParseResult(path=path, document_id=document_id, error=error.reason)
    chunker = PageAwareChunker(chunk_size=chunk_size, chunk_overlap=chunk_overlap)
    chunks = chunker.split(parsed.pages)
    return ParseResult(path=path, document_id=document_id, parsed=parsed, chunks=chunks)
