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

from benchmarks.synthetic_corpus import Chunks

try:
    from haystack.document_stores.types import DuplicatePolicy

    from benchmarks.store_candidates.haystack_stores import HaystackCandidate, to_documents
    from tunedd_api.backends.embedded.retrievers import (
        SQLiteBM25Retriever,
        SQLiteEmbeddingRetriever,
    )
    from tunedd_api.backends.embedded.sqlite_store import SQLiteDocumentStore
except ImportError as error:
    MISSING: str | None = f"{error}"
    HaystackCandidate = object  # type: ignore[assignment,misc]
else:
    MISSING = None

BATCH = 1_000


class TuneddSqliteCandidate(HaystackCandidate):
    name = "tunedd"
    packages = ()
    exact = True
    notes = ["the project's SQLiteDocumentStore through its Haystack retrievers"]

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.path = self.folder / "tunedd.sqlite"

    def build(self, chunks: Chunks) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.open()
        for start in range(0, len(chunks), BATCH):
            documents = to_documents(chunks, start, start + BATCH)
            self.store.write_documents(documents, policy=DuplicatePolicy.OVERWRITE)
        self.close()

    def open(self) -> None:
        self.store = SQLiteDocumentStore(path=str(self.path))
        self.dense_retriever = SQLiteEmbeddingRetriever(document_store=self.store)
        self.bm25_retriever = SQLiteBM25Retriever(document_store=self.store)

    def close(self) -> None:
        if self.store is not None:
            self.store.close()
        self.store = None


def make(name: str, folder: Path) -> TuneddSqliteCandidate:
    return TuneddSqliteCandidate(folder)
