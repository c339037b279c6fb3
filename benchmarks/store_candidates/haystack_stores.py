"""What the two Haystack document-store candidates (``inmemory``, ``tunedd``) share.

Both are driven through their Haystack retrievers with the scope as the project's own document
filter, so the only differences measured are the stores'. Imported only by those two
candidates (it imports Haystack, which the other candidates' processes should not load).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from haystack import Document
from haystack.document_stores.types import DuplicatePolicy

from benchmarks.store_candidates import StoreAdapter
from benchmarks.synthetic_corpus import Chunks
from tunedd_api.documents import document_filter


def scope_filter(doc_ids: list[str] | None) -> dict | None:
    """The Haystack filter for a document scope (``None``: everything)."""
    return None if doc_ids is None else document_filter(doc_ids)


def to_documents(chunks: Chunks, start: int = 0, stop: int | None = None) -> list[Document]:
    """Chunks ``start:stop`` as Haystack documents with their vectors."""
    stop = len(chunks) if stop is None else min(stop, len(chunks))
    return [
        Document(
            id=chunks.ids[i],
            content=chunks.texts[i],
            meta=dict(chunks.metas[i]),
            embedding=chunks.vectors[i].tolist(),
        )
        for i in range(start, stop)
    ]


class HaystackCandidate(StoreAdapter):
    """A Haystack store and its two retrievers; ``open`` sets ``store`` and the retrievers,
    ``saved`` runs after every change (for stores that persist by saving)."""

    store: Any = None
    dense_retriever: Any = None
    bm25_retriever: Any = None

    def saved(self) -> None:
        """Make the last change durable (nothing to do for a store that writes through)."""

    def dense(self, vector: np.ndarray, k: int, doc_ids: list[str] | None) -> list[str]:
        result = self.dense_retriever.run(
            query_embedding=vector.tolist(), filters=scope_filter(doc_ids), top_k=k
        )
        return [document.id for document in result["documents"]]

    def bm25(self, text: str, k: int, doc_ids: list[str] | None) -> list[str]:
        result = self.bm25_retriever.run(query=text, filters=scope_filter(doc_ids), top_k=k)
        return [document.id for document in result["documents"]]

    def add_document(self, chunks: Chunks) -> None:
        self.store.write_documents(to_documents(chunks), policy=DuplicatePolicy.OVERWRITE)
        self.saved()

    def delete_document(self, doc_id: str) -> None:
        self.store.delete_by_filter(scope_filter([doc_id]))
        self.saved()

    def count(self, doc_id: str | None = None) -> int:
        if doc_id is None:
            return self.store.count_documents()
        return len(self.store.filter_documents(filters=scope_filter([doc_id])))
