"""How indexed documents look in the store: chunk ids, chunk meta, and per-document records.

Every chunk carries its document's identity and page numbers (files without pages count as one
page and carry their sections and line range instead). The first chunk (index 0) is
written last and doubles as the document's commit marker: a document is indexed exactly when
its chunk 0 is in the store, so an interrupted write is detected and cleaned up on restart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from haystack import Document

#: Version of the text tunedd extracts from files. Bump it when extraction changes what a
#: chunk says (as footnote placement and hyphen mending did in version 2): documents indexed
#: with another version are converted and embedded again by the next indexing run.
TEXT_VERSION = 2

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
    "text_version": "int",
    # Where a chunk of a file without pages sits (Markdown, text, HTML, Word): heading paths,
    # and for Markdown and text the 1-based line range; PDF chunks have none of them.
    "format": "text",
    "sections": "text[]",
    "line_start": "int",
    "line_end": "int",
}
MARKER_FILTER = {"field": "meta.chunk_index", "operator": "==", "value": 0}


def chunk_id(document_id: str, index: int) -> str:
    """Deterministic chunk id, so re-writing a document overwrites instead of duplicating."""
    return f"{document_id}-{index:05d}"


def document_filter(document_ids: list[str]) -> dict:
    """A store filter selecting the chunks of the given documents."""
    return {"field": "meta.document_id", "operator": "in", "value": list(document_ids)}


def chunk_document(
    source_meta: dict,
    *,
    index: int,
    count: int,
    text: str,
    pages: list[int],
    tokens: int,
    location: dict | None = None,
) -> Document:
    """The Haystack document of chunk ``index`` (of ``count``) of a converted file.

    ``location`` (``sections``, ``line_start``, ``line_end``) locates a chunk of a file
    without pages; its ``pages`` are then ``[1]``.
    """
    meta = {"format": source_meta.get("format", "pdf"), **(location or {})}
    return Document(
        id=chunk_id(source_meta["document_id"], index),
        content=text,
        meta={
            "document_id": source_meta["document_id"],
            "file_name": source_meta["file_name"],
            "title": source_meta["title"],
            "pages": pages,
            "page_start": pages[0],
            "page_end": pages[-1],
            "chunk_index": index,
            "chunk_count": count,
            "page_count": source_meta["page_count"],
            "token_count": tokens,
            "indexed_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "text_version": TEXT_VERSION,
            **meta,
        },
    )


def is_current(marker: Document) -> bool:
    """Whether a document's marker chunk was written with today's text extraction."""
    return marker.meta.get("text_version") == TEXT_VERSION


@dataclass(frozen=True)
class DocumentRecord:
    """What the API shows about one document of the collection."""

    document_id: str
    file_name: str
    title: str
    page_count: int
    chunk_count: int
    status: str  # "indexed" or "failed"; uploads are "queued" or "indexing" before
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

    @classmethod
    def failed(cls, document_id: str, file_name: str, reason: str) -> "DocumentRecord":
        """The record of a file that could not be indexed, with the reason."""
        title = file_name.rsplit(".", 1)[0]
        return cls(document_id, file_name, title, 0, 0, status="failed", error=reason)
