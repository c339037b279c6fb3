"""Today's store: Haystack's InMemoryDocumentStore (cosine, BM25L) saved whole to one .npz.

Persistence is the project's own (``tunedd_api.backends.embedded.store``'s ``save_store`` /
``load_store``: every chunk rewritten to a temporary file, then renamed), or the same format
written here once that module is gone; every add or delete rewrites the whole index. Filters are
applied by the store before scoring (a Python scan of every document), then every remaining
document is scored in Python.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from benchmarks.store_candidates import StoreAdapter
from benchmarks.synthetic_corpus import Chunks

try:
    from haystack import Document
    from haystack.components.retrievers.in_memory import (
        InMemoryBM25Retriever,
        InMemoryEmbeddingRetriever,
    )
    from haystack.document_stores.in_memory import InMemoryDocumentStore
    from haystack.document_stores.types import DuplicatePolicy
except ImportError as error:
    MISSING: str | None = f"{error}"
else:
    MISSING = None

try:
    from tunedd_api.backends.embedded.store import load_store, new_store, save_store
except ImportError:  # gone once the SQLite store replaces it: the same format, written here

    def new_store():
        return InMemoryDocumentStore(embedding_similarity_function="cosine", shared=False)

    def save_store(store, path: Path) -> None:
        """tunedd's .npz index: JSON of the documents + a float32 matrix, temp file + rename."""
        documents = list(store.storage.values())
        vectors = np.array([d.embedding for d in documents], dtype=np.float32)
        records = []
        for document in documents:
            record = document.to_dict(flatten=False)
            record.pop("embedding", None)
            records.append(record)
        partial = path.with_name(path.name + ".partial")
        with partial.open("wb") as handle:
            header = json.dumps({"format": 1, "documents": records})
            np.savez(handle, documents=np.array(header), embeddings=vectors)
        os.replace(partial, path)

    def load_store(path: Path):
        store = new_store()
        with np.load(path, allow_pickle=False) as data:
            records = json.loads(str(data["documents"]))["documents"]
            vectors = data["embeddings"]
        documents = [
            Document.from_dict({**record, "embedding": vectors[i].tolist()})
            for i, record in enumerate(records)
        ]
        store.write_documents(documents, policy=DuplicatePolicy.OVERWRITE)
        return store


def scope_filter(doc_ids: list[str] | None) -> dict | None:
    if doc_ids is None:
        return None
    return {"field": "meta.document_id", "operator": "in", "value": list(doc_ids)}


def to_documents(chunks: Chunks) -> list:
    return [
        Document(id=chunk_id, content=text, meta=dict(meta), embedding=vector.tolist())
        for chunk_id, text, meta, vector in zip(
            chunks.ids, chunks.texts, chunks.metas, chunks.vectors
        )
    ]


class InMemoryCandidate(StoreAdapter):
    name = "inmemory"
    packages = ()
    exact = True
    query_limit = 10
    notes = [
        "whole-index save on every add/delete (np.savez to a temp file + rename)",
        "Python scoring of every chunk per query; timed over fewer queries (query_limit)",
    ]

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.path = self.folder / "index.npz"
        self.store = None

    def build(self, chunks: Chunks) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        store = new_store()
        store.write_documents(to_documents(chunks), policy=DuplicatePolicy.OVERWRITE)
        save_store(store, self.path)

    def open(self) -> None:
        self.store = load_store(self.path)
        self.dense_retriever = InMemoryEmbeddingRetriever(document_store=self.store)
        self.bm25_retriever = InMemoryBM25Retriever(document_store=self.store)

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
        save_store(self.store, self.path)

    def delete_document(self, doc_id: str) -> None:
        self.store.delete_by_filter(scope_filter([doc_id]))
        save_store(self.store, self.path)

    def count(self, doc_id: str | None = None) -> int:
        if doc_id is None:
            return self.store.count_documents()
        return self.store.count_documents_by_filter(scope_filter([doc_id]))


def make(name: str, folder: Path) -> StoreAdapter:
    return InMemoryCandidate(folder)
