"""Haystack retrievers over :class:`SQLiteDocumentStore`: dense (cosine) and keyword (BM25L).

They mirror Haystack's in-memory retrievers (same inputs and outputs, filters given at run time
replace those given at init), so the chat graph is the same with either store.
"""

from __future__ import annotations

from typing import Any

from haystack import Document, component, default_from_dict, default_to_dict

from tunedd_api.backends.embedded.sqlite_store import SQLiteDocumentStore


class _StoreRetriever:
    def __init__(
        self,
        *,
        document_store: SQLiteDocumentStore,
        filters: dict[str, Any] | None = None,
        top_k: int = 10,
    ) -> None:
        if not isinstance(document_store, SQLiteDocumentStore):
            raise ValueError("document_store must be an instance of SQLiteDocumentStore")
        if top_k <= 0:
            raise ValueError(f"top_k must be greater than 0; got {top_k}")
        self.document_store = document_store
        self.filters = filters
        self.top_k = top_k

    def to_dict(self) -> dict[str, Any]:
        """Serialise, including the document store."""
        return default_to_dict(
            self,
            document_store=self.document_store.to_dict(),
            filters=self.filters,
            top_k=self.top_k,
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Any:
        """Rebuild, including the document store."""
        parameters = data["init_parameters"]
        parameters["document_store"] = SQLiteDocumentStore.from_dict(parameters["document_store"])
        return default_from_dict(cls, data)


@component
class SQLiteEmbeddingRetriever(_StoreRetriever):
    """Exact cosine search; each document's ``score`` is its cosine similarity to the query.

    :param document_store: The store to search.
    :param filters: Haystack filters applied when ``run`` gets none.
    :param top_k: Documents returned when ``run`` gets no ``top_k``.
    """

    @component.output_types(documents=list[Document])
    def run(
        self,
        query_embedding: list[float],
        filters: dict[str, Any] | None = None,
        top_k: int | None = None,
    ) -> dict[str, list[Document]]:
        """The documents closest to ``query_embedding``.

        :param query_embedding: The query vector.
        :param filters: Haystack filters (a prefilter: ``top_k`` results come from within them).
        :param top_k: Documents to return.
        :returns: ``documents``, best first, without their vectors.
        """
        documents = self.document_store.embedding_retrieval(
            query_embedding, filters=filters or self.filters, top_k=top_k or self.top_k
        )
        return {"documents": documents}


@component
class SQLiteBM25Retriever(_StoreRetriever):
    """BM25L keyword search (Haystack's in-memory scoring), documents with their vectors.

    :param document_store: The store to search.
    :param filters: Haystack filters applied when ``run`` gets none.
    :param top_k: Documents returned when ``run`` gets no ``top_k``.
    """

    @component.output_types(documents=list[Document])
    def run(
        self, query: str, filters: dict[str, Any] | None = None, top_k: int | None = None
    ) -> dict[str, list[Document]]:
        """The documents that match ``query`` best.

        :param query: The query text.
        :param filters: Haystack filters (a prefilter: ``top_k`` results come from within them).
        :param top_k: Documents to return.
        :returns: ``documents``, best first, each with its BM25L score and vector.
        """
        documents = self.document_store.bm25_retrieval(
            query, filters=filters or self.filters, top_k=top_k or self.top_k
        )
        return {"documents": documents}
