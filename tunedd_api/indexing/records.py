"""How indexed documents look in the store: chunk ids, chunk meta, and per-document records.

Every chunk carries its document's identity and page numbers. The first chunk (index 0) is
written last and doubles as the document's commit marker: a document is indexed exactly when
its chunk 0 is in the store, so an interrupted write is detected and cleaned up on restart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from haystack import Document

from tunedd_api.indexing.chunker import Chunk
from tunedd_api.indexing.pdf_reader import ParsedPdf

#: Meta fields every chunk carries; the Weaviate collection declares each of them.
CHUNK_META_FIELDS: dict[str, str] = {
    "document_id": "text",
    "file_name": "text",
    "title": "text",
    "pages": "int[]",
    "page_start": "int",
    "page_end": "int",
    "chunk_index": "int",
    "chunk_count": "int",
    "page_count": "int",
    "token_count": "int",
    "indexed_at": "text",
}
MARKER_FILTER = {"field": "meta.chunk_index", "operator": "==", "value": 0}


def chunk_id(document_id: str, index: int) -> str:
    """Deterministic chunk id, so re-writing a document overwrites instead of duplicating."""
    return f"{document_id}-{index:05d}"


def document_filter(document_ids: list[str]) -> dict:
    """A store filter selecting the chunks of the given documents."""
    return {"field": "meta.document_id", "operator": "in", "value": list(document_ids)}


def chunks_to_documents(parsed: ParsedPdf, chunks: list[Chunk]) -> list[Document]:
    """Haystack documents for the chunks of one parsed PDF, in chunk order."""
    indexed_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    return [
        Document(
            id=chunk_id(parsed.document_id, chunk.index),
            content=chunk.text,
            meta={
                "document_id": parsed.document_id,
                "file_name": parsed.file_name,
                "title": parsed.title,
                "pages": chunk.pages,
                "page_start": chunk.pages[0],
                "page_end": chunk.pages[-1],
                "chunk_index": chunk.index,
                "chunk_count": len(chunks),
                "page_count": parsed.page_count,
                "token_count": chunk.token_count,
                "indexed_at": indexed_at,
            },
        )
        for chunk in chunks
    ]


@dataclass(frozen=True)
class DocumentRecord:
    """What the API shows about one document of the collection."""

    document_id: str
    file_name: str
    title: str
    page_count: int
    chunk_count: int
    status: str  # "indexed" or "failed"
    error: str | None = None

    @classmethod
    def from_marker(cls, marker: Document) -> "DocumentRecord":
        """The record of an indexed document, read from its chunk 0."""
        meta = marker.meta
        return cls(
            document_id=meta["document_id"],
            file_name=meta["file_name"],
            title=meta["title"],
            page_count=int(meta["page_count"]),
            chunk_count=int(meta["chunk_count"]),
            status="indexed",
        )
