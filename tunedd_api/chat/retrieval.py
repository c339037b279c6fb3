"""Semantic retrieval as a Haystack pipeline (query embedder → store retriever), scoped by filter.

The document scope is a metadata filter evaluated inside the store (a Weaviate `where` filter in
production), never a post-filter, so a scoped conversation gets its full top_k from its documents.
"""

from __future__ import annotations

from dataclasses import dataclass

from haystack import Document, Pipeline

from tunedd_api.backends.base import Backend
from tunedd_api.indexing.records import document_filter


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
    """Embeds a query and returns the most similar chunks within a document scope."""

    def __init__(self, backend: Backend) -> None:
        self._backend = backend
        self._pipeline = Pipeline()
        self._pipeline.add_component("embedder", backend.text_embedder)
        self._pipeline.add_component("retriever", backend.retriever)
        self._pipeline.connect("embedder.embedding", "retriever.query_embedding")

    def retrieve(
        self, query: str, *, document_ids: list[str] | None, top_k: int
    ) -> list[RetrievedChunk]:
        """The ``top_k`` chunks most similar to ``query``; ``document_ids=None`` searches all."""
        if document_ids is not None and not document_ids:
            return []
        filters = document_filter(document_ids) if document_ids is not None else None
        result = self._pipeline.run(
            {"embedder": {"text": query}, "retriever": {"filters": filters, "top_k": top_k}}
        )
        documents = result["retriever"]["documents"]
        chunks = [
            RetrievedChunk(document=doc, similarity=self._backend.similarity(doc.score or 0.0))
            for doc in documents
        ]
        return sorted(chunks, key=lambda c: c.similarity, reverse=True)
