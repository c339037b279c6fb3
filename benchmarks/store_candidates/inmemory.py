"""The store before: Haystack's InMemoryDocumentStore (cosine, BM25L) saved whole to one .npz.

Persistence is the format earlier tunedd versions wrote (every chunk rewritten to a temporary
file, then renamed; read back with the project's own migration reader), so every add or delete
rewrites the whole index. Filters are applied by the store before scoring (a Python scan of
every document), then every remaining document is scored in Python.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from benchmarks.synthetic_corpus import Chunks

try:
    from haystack.components.retrievers.in_memory import (
        InMemoryBM25Retriever,
        InMemoryEmbeddingRetriever,
    )
    from haystack.document_stores.in_memory import InMemoryDocumentStore
    from haystack.document_stores.types import DuplicatePolicy

    from benchmarks.store_candidates.haystack_stores import HaystackCandidate, to_documents
    from tunedd_api.backends.embedded.npz_migration import FORMAT_VERSION, read_npz
except ImportError as error:
    MISSING: str | None = f"{error}"
    HaystackCandidate = object  # type: ignore[assignment,misc]
else:
    MISSING = None


def new_store() -> "InMemoryDocumentStore":
    return InMemoryDocumentStore(embedding_similarity_function="cosine", shared=False)


def save_store(store: "InMemoryDocumentStore", path: Path) -> None:
    """The old .npz index: JSON of the documents + a float32 matrix, temp file + rename."""
    documents = list(store.storage.values())
    vectors = np.array([d.embedding for d in documents], dtype=np.float32)
    records = []
    for document in documents:
        record = document.to_dict(flatten=False)
        record.pop("embedding", None)
        records.append(record)
    partial = path.with_name(path.name + ".partial")
    with partial.open("wb") as handle:
        header = json.dumps({"format": FORMAT_VERSION, "documents": records})
        np.savez(handle, documents=np.array(header), embeddings=vectors)
    os.replace(partial, path)


class InMemoryCandidate(HaystackCandidate):
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

    def build(self, chunks: Chunks) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        store = new_store()
        store.write_documents(to_documents(chunks), policy=DuplicatePolicy.OVERWRITE)
        save_store(store, self.path)

    def open(self) -> None:
        documents = read_npz(self.path)
        if not documents:  # the project's reader skips an unreadable file; here that is a failure
            raise ValueError(f"unreadable or empty index {self.path}")
        self.store = new_store()
        self.store.write_documents(documents, policy=DuplicatePolicy.OVERWRITE)
        self.dense_retriever = InMemoryEmbeddingRetriever(document_store=self.store)
        self.bm25_retriever = InMemoryBM25Retriever(document_store=self.store)

    def saved(self) -> None:
        save_store(self.store, self.path)


def make(name: str, folder: Path) -> InMemoryCandidate:
    return InMemoryCandidate(folder)
