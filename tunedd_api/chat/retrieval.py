"""Semantic retrieval (query embedder → store retriever), scoped by a store filter.

The document scope is a metadata filter evaluated inside the store (a Weaviate `where` filter in
production), never a post-filter, so a scoped conversation gets its full top_k from its documents.
The two Haystack components are called one after the other, each through its own guard, so
a failing embedder and a failing store retry, trip breakers and report separately.
"""

from __future__ import annotations

from dataclasses import dataclass

from haystack import Document

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
    """Embeds a query and returns the most similar chunks within a document scope."""

    def __init__(self, backend: Backend) -> None:
        self._backend = backend

    def retrieve(
        self, query: str, *, document_ids: list[str] | None, top_k: int
    ) -> list[RetrievedChunk]:
        """The ``top_k`` chunks most similar to ``query``; ``document_ids=None`` searches all."""
        if document_ids is not None and not document_ids:
            return []
        filters = document_filter(document_ids) if document_ids is not None else None
        backend = self._backend
        with RETRIEVAL_SECONDS.time():
            with EMBEDDING_SECONDS.labels(kind="query").time():
                embedding = backend.guards.embedder.call(
                    lambda: backend.text_embedder.run(text=query)["embedding"]
                )
            documents = backend.guards.document_store.call(
                lambda: backend.retriever.run(
                    query_embedding=embedding, filters=filters, top_k=top_k
                )["documents"]
            )
        chunks = [
            RetrievedChunk(document=doc, similarity=self._backend.similarity(doc.score or 0.0))
            for doc in documents
        ]
        return sorted(chunks, key=lambda c: c.similarity, reverse=True)
