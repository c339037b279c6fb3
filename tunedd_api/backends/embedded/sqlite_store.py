"""The embedded document store: SQLite on disk for durability, numpy in memory for search.

Chosen by measurement over Haystack's ``InMemoryDocumentStore`` (the store before it), LanceDB,
sqlite-vec + FTS5, Qdrant local mode, FAISS and numpy + bm25s (docs/BENCHMARKS.md, "The
embedded store at 100,000 chunks"): it needs nothing beyond the standard library and numpy,
searches exactly (dense and BM25L), and every write is one SQLite transaction (WAL,
``synchronous=FULL``), durable when the call returns and whole or absent after a crash.

Every instance for the same file in a process shares one connection and one in-memory index.
Another process writing the same file (``tunedd index`` while the server runs) is noticed
through SQLite's ``data_version`` and the index is reloaded before the next operation.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import weakref
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import numpy as np
from haystack import Document, default_from_dict, default_to_dict
from haystack.document_stores.errors import DuplicateDocumentError
from haystack.document_stores.types import DuplicatePolicy
from haystack.utils.filters import document_matches_filter

from tunedd_api.backends.embedded import sqlite_rows as rows
from tunedd_api.backends.embedded.search_index import SearchIndex

logger = logging.getLogger(__name__)

LOAD_BATCH = 10_000


class _Database:
    """One SQLite file: its connection, lock and in-memory index."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "busy_timeout=30000"):
            self.connection.execute(f"PRAGMA {pragma}")
        self.connection.executescript(rows.SCHEMA)
        self.connection.execute(
            "INSERT OR IGNORE INTO store_info VALUES ('format', ?)", (str(rows.FORMAT_VERSION),)
        )
        self.lock = threading.RLock()
        self.index = SearchIndex()
        self.version = -1
        self.sync()

    def sync(self) -> None:
        """Reload the index if another connection committed since we last looked."""
        version = self.connection.execute("PRAGMA data_version").fetchone()[0]
        if version != self.version:
            self.index = self._load()
            self.version = version

    @contextmanager
    def writing(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, holding SQLite's write lock from the start."""
        with self.lock:
            self.connection.execute("BEGIN IMMEDIATE")
            try:
                self.sync()
                yield self.connection
            except BaseException:
                self.connection.execute("ROLLBACK")
                raise
            self.connection.execute("COMMIT")

    def _load(self) -> SearchIndex:
        index = SearchIndex()
        index.bm25.add_terms(
            (term, term_id)
            for term_id, term in self.connection.execute("SELECT id, term FROM terms")
        )
        index.reserve(self.connection.execute("SELECT COUNT(*) FROM chunks").fetchone()[0])
        cursor = self.connection.execute(
            "SELECT id, document_id, embedding, terms, counts, length FROM chunks ORDER BY rowid"
        )
        while batch := cursor.fetchmany(LOAD_BATCH):
            index.add(
                [row[0] for row in batch],
                [row[1] for row in batch],
                [rows.vector_of(row[2]) for row in batch],
                [rows.stats_of(*row[3:]) for row in batch],
            )
        if len(index):
            logger.info("Opened %d chunks from %s", len(index), self.path)
        return index


_OPEN: "weakref.WeakValueDictionary[str, _Database]" = weakref.WeakValueDictionary()
_OPEN_LOCK = threading.Lock()


class SQLiteDocumentStore:
    """A Haystack document store in one SQLite file, searched in memory (exact cosine, BM25L).

    :param path: The SQLite file (created if missing).
    """

    def __init__(self, *, path: str) -> None:
        self.path = str(path)
        self._database: _Database | None = None

    @property
    def database(self) -> _Database:
        """The open database (opened and loaded on first use)."""
        if self._database is None:
            key = str(Path(self.path).resolve())
            with _OPEN_LOCK:
                database = _OPEN.get(key)
                if database is None:
                    database = _OPEN[key] = _Database(Path(key))
            self._database = database
        return self._database

    def to_dict(self) -> dict[str, Any]:
        """Serialise (the file path is the whole configuration)."""
        return default_to_dict(self, path=self.path)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "SQLiteDocumentStore":
        """Rebuild from the file path."""
        return default_from_dict(cls, data)

    def close(self) -> None:
        """Stop using the file (it closes when no instance uses it)."""
        self._database = None

    def count_documents(self) -> int:
        """Number of chunks in the store."""
        database = self.database
        with database.lock:
            database.sync()
            return len(database.index)

    def filter_documents(self, filters: dict[str, Any] | None = None) -> list[Document]:
        """The documents matching Haystack ``filters`` (all without), with their vectors."""
        _validate(filters)
        return self._matching(filters, with_embedding=True)

    def write_documents(
        self, documents: list[Document], policy: DuplicatePolicy = DuplicatePolicy.NONE
    ) -> int:
        """Write documents in one durable transaction; ``NONE`` means ``FAIL``."""
        if not isinstance(documents, list) or any(not isinstance(d, Document) for d in documents):
            raise ValueError("Please provide a list of Documents.")
        batch = {}
        for document in documents:
            if policy == DuplicatePolicy.OVERWRITE or document.id not in batch:
                batch[document.id] = document
        database = self.database
        with database.writing() as connection:
            index = database.index
            present = [i for i in batch if i in index.positions]
            if present and policy in (DuplicatePolicy.NONE, DuplicatePolicy.FAIL):
                raise DuplicateDocumentError(f"ID '{present[0]}' already exists.")
            if policy == DuplicatePolicy.SKIP:
                for chunk_id in present:
                    del batch[chunk_id]
                present = []
            old = self._stats(connection, present)
            new_terms: list[tuple[str, int]] = []
            try:
                chunks = [self._row(d, new_terms) for d in batch.values()]
                connection.executemany("DELETE FROM chunks WHERE id = ?", [(i,) for i in present])
                connection.executemany(
                    "INSERT INTO terms VALUES (?, ?)", [(i, t) for t, i in new_terms]
                )
                connection.executemany(rows.INSERT, [c.values() for c in chunks])
            except BaseException:
                for term, _ in new_terms:
                    index.bm25.vocabulary.pop(term, None)
                raise
            index.remove(present, [old.get(i) for i in present])
            index.add(
                [c.document.id for c in chunks],
                [rows.indexed_value(c.document.meta, "document_id") for c in chunks],
                [c.vector for c in chunks],
                [c.stats for c in chunks],
            )
        return len(batch)

    def delete_documents(self, document_ids: list[str]) -> None:
        """Delete documents by id in one durable transaction (unknown ids are ignored)."""
        database = self.database
        with database.writing() as connection:
            ids = [i for i in dict.fromkeys(document_ids) if i in database.index.positions]
            old = self._stats(connection, ids)
            connection.executemany("DELETE FROM chunks WHERE id = ?", [(i,) for i in ids])
            database.index.remove(ids, [old.get(i) for i in ids])

    def delete_by_filter(self, filters: dict[str, Any]) -> int:
        """Delete the documents matching ``filters``; returns how many."""
        _validate(filters)
        with self.database.lock:
            ids = [d.id for d in self._matching(filters, with_embedding=False)]
            self.delete_documents(ids)
        return len(ids)

    def delete_all_documents(self) -> None:
        """Delete every document."""
        with self.database.lock:
            self.delete_documents(list(self.database.index.positions))

    def update_by_filter(self, filters: dict[str, Any], meta: dict[str, Any]) -> int:
        """Merge ``meta`` into the metadata of the matching documents; returns how many."""
        _validate(filters)
        with self.database.lock:
            documents = self._matching(filters, with_embedding=True)
            for document in documents:
                document.meta.update(meta)
            self.write_documents(documents, policy=DuplicatePolicy.OVERWRITE)
        return len(documents)

    def embedding_retrieval(
        self,
        query_embedding: list[float],
        filters: dict[str, Any] | None = None,
        top_k: int = 10,
        return_embedding: bool = False,
    ) -> list[Document]:
        """The ``top_k`` documents by cosine similarity (the score), within ``filters``."""
        if not query_embedding:
            raise ValueError("query_embedding should be a non-empty list of floats.")
        with self.database.lock:
            candidates = self._candidates(filters)
            hits = self.database.index.dense(query_embedding, top_k, candidates)
            return self._fetch(hits, with_embedding=return_embedding)

    def bm25_retrieval(
        self, query: str, filters: dict[str, Any] | None = None, top_k: int = 10
    ) -> list[Document]:
        """The ``top_k`` documents by BM25L score (only those sharing a term with ``query``)."""
        if not query:
            raise ValueError("Query should be a non-empty string")
        with self.database.lock:
            candidates = self._candidates(filters)
            hits = self.database.index.keyword(query, top_k, candidates)
            return self._fetch(hits, with_embedding=True)

    def _candidates(self, filters: dict[str, Any] | None) -> Any:
        """Positions allowed by ``filters`` (``None``: all)."""
        _validate(filters)
        database = self.database
        database.sync()
        if not filters:
            return None
        allowed, complete = rows.narrowing(filters)
        if complete and set(allowed) == {"document_id"}:
            return database.index.scope(allowed["document_id"])
        ids = [d.id for d in self._matching(filters, with_embedding=False)]
        return database.index.scope_of_ids(ids)

    def _matching(self, filters: dict[str, Any] | None, *, with_embedding: bool) -> list[Document]:
        database = self.database
        where, params, exact = rows.where_clause(filters)
        columns = "data, embedding" if with_embedding else "data, NULL"
        with database.lock:
            database.sync()
            found = database.connection.execute(
                f"SELECT {columns} FROM chunks{where} ORDER BY rowid", params
            ).fetchall()
        documents = [rows.document_of(d, e, with_embedding=with_embedding) for d, e in found]
        if filters and not exact:
            documents = [d for d in documents if document_matches_filter(filters, d)]
        return documents

    def _fetch(self, hits: list[tuple[str, float]], *, with_embedding: bool) -> list[Document]:
        if not hits:
            return []
        marks = ", ".join("?" * len(hits))
        columns = "id, data, embedding" if with_embedding else "id, data, NULL"
        found = {
            chunk_id: (data, embedding)
            for chunk_id, data, embedding in self.database.connection.execute(
                f"SELECT {columns} FROM chunks WHERE id IN ({marks})", [i for i, _ in hits]
            )
        }
        documents = []
        for chunk_id, score in hits:
            data, embedding = found[chunk_id]
            documents.append(
                rows.document_of(data, embedding, with_embedding=with_embedding, score=score)
            )
        return documents

    @staticmethod
    def _stats(connection: sqlite3.Connection, ids: list[str]) -> dict[str, Any]:
        stats = {}
        for chunk_id in ids:
            row = connection.execute(
                "SELECT terms, counts, length FROM chunks WHERE id = ?", (chunk_id,)
            ).fetchone()
            if row is not None:
                stats[chunk_id] = rows.stats_of(*row)
        return stats

    def _row(self, document: Document, new_terms: list[tuple[str, int]]) -> rows.ChunkRow:
        bm25 = self.database.index.bm25
        stats = None if document.content is None else bm25.stats(document.content, new_terms)
        vector = None
        if document.embedding is not None:
            vector = np.asarray(document.embedding, dtype=np.float32)
        return rows.ChunkRow(document, vector, stats)


def _validate(filters: dict[str, Any] | None) -> None:
    if filters and "operator" not in filters and "conditions" not in filters:
        raise ValueError(
            "Invalid filter syntax. See https://docs.haystack.deepset.ai/docs/metadata-filtering"
        )
