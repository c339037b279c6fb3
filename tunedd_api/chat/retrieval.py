"""Semantic retrieval (query embedder → store retriever), scoped by a store filter.

The document scope is a metadata filter evaluated inside the store (a Weaviate `where` filter in
production), never a post-filter, so a scoped conversation gets its full top_k from its documents.
The two Haystack components are called one after the other, each through its own guard, so
a failing embedder and a failing store retry, trip breakers and report separately.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


import numpy as np
from haystack import Document
from haystack.components.joiners import DocumentJoiner

from tunedd_api.backends.base import Backend
from tunedd_api.indexing.records import document_filter
from tunedd_api.observability.metrics import EMBEDDING_SECONDS, RETRIEVAL_SECONDS


@dataclass(frozen=True)
class RetrievedChunk:
    """A retrieved chunk with its cosine similarity to the query."""

    document: Document
    similarity: float

    @property
    def pages(self) -> list[int]:
        """Pages the chunk comes from."""
        return list(self.document.meta.get("pages", []))


class Retriever:
    """Finds the chunks for a query within a document scope: dense, or hybrid (dense + BM25
    fused by reciprocal rank, the measured default; see docs/EVALUATION.md)."""

    def __init__(self, backend: Backend, *, hybrid: bool = True) -> None:
        self._backend = backend
        self._hybrid = hybrid and backend.keyword_retriever is not None
        self._joiner = DocumentJoiner(join_mode="reciprocal_rank_fusion")

    def retrieve(
        self, query: str, *, document_ids: list[str] | None, top_k: int
    ) -> list[RetrievedChunk]:
        """The best ``top_k`` chunks for ``query``; ``document_ids=None`` searches all.

        Each chunk carries its cosine similarity to the query (used for the relevance gate),
        whichever retriever found it; the order is the fused rank in hybrid mode.
        """
        if document_ids is not None and not document_ids:
            return []
        filters = document_filter(document_ids) if document_ids is not None else None
        backend = self._backend
        candidates = max(2 * top_k, 10) if self._hybrid else top_k
        with RETRIEVAL_SECONDS.time():
            with EMBEDDING_SECONDS.labels(kind="query").time():
                embedding = backend.guards.embedder.call(
                    lambda: backend.text_embedder.run(text=query)["embedding"]
                )
            documents = backend.guards.document_store.call(
                lambda: backend.retriever.run(
                    query_embedding=embedding, filters=filters, top_k=candidates
                )["documents"]
            )
            if self._hybrid:
                keyword = backend.guards.document_store.call(
                    lambda: backend.keyword_retriever.run(
                        query=query, filters=filters, top_k=candidates
                    )["documents"]
                )
                documents = self._fuse(documents, keyword, top_k)
            else:
                documents = sorted(documents, key=lambda d: d.score or 0.0, reverse=True)
        return [
            RetrievedChunk(document=doc, similarity=self._similarity(doc, embedding))
            for doc in documents[:top_k]
        ]

    def _fuse(self, dense: list[Document], keyword: list[Document], top_k: int) -> list[Document]:
        """Reciprocal rank fusion; the dense copy of a document wins (it has the cosine)."""
        cosine = {d.id: d.score for d in dense}
        fused = self._joiner.run(documents=[dense, keyword], top_k=top_k)["documents"]
        return [replace(d, score=cosine.get(d.id)) for d in fused]

    def _similarity(self, document: Document, query_embedding: list[float]) -> float:
        if document.score is not None:
            return self._backend.similarity(document.score)
        if document.embedding is None:  # a keyword-only hit from a store that drops vectors
            return 0.0
        vector = np.asarray(document.embedding, dtype=np.float32)
        query = np.asarray(query_embedding, dtype=np.float32)
        denominator = float(np.linalg.norm(vector) * np.linalg.norm(query)) or 1.0
        return round(float(vector @ query) / denominator, 6)
