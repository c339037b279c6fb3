"""The best chunk continued by the chunk that follows it in its document.

A chunk ends where the embedder's window ends, not where a passage does: a list whose first
item closes a chunk ("... categorized into various types. Equi-Level Structure.") or an answer
that follows its lead-in ("Then, for future work, ...") lands in the next chunk, which shares
few words with the question and is rarely retrieved. On the labelled set the chunk after the
best hit holds the evidence for 3 questions the top 5 miss, and the chunk before it for none
(docs/EVALUATION.md). The next chunk is appended to the best one as one source (its overlap
with the best chunk removed, pages merged), so citations keep one number per passage.

Own module: Haystack's ``SentenceWindowRetriever`` returns neighbours as separate text keyed
by ``split_id``/``source_id`` meta, which tunedd's chunks (``document_id``/``chunk_index``)
do not carry, and it fetches both sides.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable

from haystack import Document

from tunedd_api.turns import RetrievedChunk

#: Characters of the next chunk's opening looked for in the best chunk to find the overlap.
_PROBE = 60


def next_chunk_filter(document: Document) -> dict[str, Any] | None:
    """Haystack filters for the chunk after ``document`` (``None`` for a document's last)."""
    meta = document.meta
    index, count = meta.get("chunk_index"), meta.get("chunk_count")
    if index is None or meta.get("document_id") is None or (count and index + 1 >= count):
        return None
    return {
        "operator": "AND",
        "conditions": [
            {"field": "meta.document_id", "operator": "==", "value": meta["document_id"]},
            {"field": "meta.chunk_index", "operator": "==", "value": index + 1},
        ],
    }


def joined(first: str, second: str) -> str:
    """``first`` followed by ``second`` without the sentences they share (chunks overlap)."""
    start = first.find(second[:_PROBE]) if len(second) >= _PROBE else -1
    if start >= 0 and second.startswith(first[start:]):
        return first + second[len(first) - start :]
    return f"{first} {second}"


def continued(
    chunk: RetrievedChunk, fetch: Callable[[dict[str, Any]], list[Document]]
) -> RetrievedChunk:
    """``chunk`` with the text and pages of the chunk after it (unchanged when there is none).

    :param chunk: The best retrieved chunk.
    :param fetch: Returns the documents matching Haystack filters (the store's
        ``filter_documents``).
    """
    filters = next_chunk_filter(chunk.document)
    found = fetch(filters) if filters else []
    if not found:
        return chunk
    following = found[0]
    meta = dict(chunk.document.meta)
    pages = sorted(set(meta.get("pages", [])) | set(following.meta.get("pages", [])))
    if pages:
        meta.update(pages=pages, page_start=pages[0], page_end=pages[-1])
    meta["continued_by"] = following.id
    content = joined(chunk.document.content or "", following.content or "")
    return replace(chunk, document=replace(chunk.document, content=content, meta=meta))
