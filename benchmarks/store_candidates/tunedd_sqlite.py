"""tunedd's own SQLite store (``tunedd_api.backends.embedded.sqlite_store``) through Haystack.

Through its Haystack API: ``SQLiteDocumentStore(path=...)`` with ``write_documents``
(OVERWRITE), ``delete_by_filter`` and ``count_documents``, and the two retrievers
``SQLiteEmbeddingRetriever`` / ``SQLiteBM25Retriever`` whose ``run(..., filters=, top_k=)``
return ``{"documents": [...]}``. The scope filter is the Haystack filter
``meta.document_id in [...]``; whether it is applied inside the store is the store's business.
The bulk load writes 1,000 chunks per ``write_documents`` call.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from benchmarks.store_candidates import StoreAdapter
from benchmarks.synthetic_corpus import Chunks

try:
    from haystack import Document
    from haystack.document_stores.types import DuplicatePolicy

    from tunedd_api.backends.embedded.retrievers import (
        SQLiteBM25Retriever,
        SQLiteEmbeddingRetriever,
    )
    from tunedd_api.backends.embedded.sqlite_store import SQLiteDocumentStore
except ImportError as error:
    MISSING: str | None = f"{error}"
else:
    MISSING = None

BATCH = 1_000


def scope_filter(doc_ids: list[str] | None) -> dict | None:
    if doc_ids is None:
        return None
    return {"field": "meta.document_id", "operator": "in", "value": list(doc_ids)}


def to_documents(chunks: Chunks, start: int = 0, stop: int | None = None) -> list:
    stop = len(chunks) if stop is None else stop
    return [
        Document(
            id=chunks.ids[i],
            content=chunks.texts[i],
            meta=dict(chunks.metas[i]),
            embedding=chunks.vectors[i].tolist(),
        )
        for i in range(start, min(stop, len(chunks)))
    ]


class TuneddSqliteCandidate(StoreAdapter):
    name = "tunedd"
    packages = ()
    exact = True
    notes = ["the project's SQLiteDocumentStore through its Haystack retrievers"]

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.path = self.folder / "tunedd.sqlite"
        self.store = None

    def _connect(self) -> None:
        self.store = SQLiteDocumentStore(path=str(self.path))
        self.dense_retriever = SQLiteEmbeddingRetriever(document_store=self.store)
        self.bm25_retriever = SQLiteBM25Retriever(document_store=self.store)

    def build(self, chunks: Chunks) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._connect()
        for start in range(0, len(chunks), BATCH):
            documents = to_documents(chunks, start, start + BATCH)
            self.store.write_documents(documents, policy=DuplicatePolicy.OVERWRITE)
        self.close()

    def open(self) -> None:
        self._connect()

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

    def delete_document(self, doc_id: str) -> None:
        self.store.delete_by_filter(scope_filter([doc_id]))

    def count(self, doc_id: str | None = None) -> int:
        if doc_id is None:
            return self.store.count_documents()
        return len(self.store.filter_documents(filters=scope_filter([doc_id])))

    def close(self) -> None:
        if self.store is not None:
            self.store.close()
        self.store = None


def make(name: str, folder: Path) -> StoreAdapter:
    return TuneddSqliteCandidate(folder)
