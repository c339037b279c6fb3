"""sqlite-vec (vec0, exact KNN) and FTS5 (bm25()) in one SQLite file, WAL, synchronous=FULL.

Tables: ``chunks`` (id, document_id, meta, content), an external-content FTS5 index over
``content``, and a vec0 table whose ``document_id`` is a vec0 *metadata column*: sqlite-vec
(0.1.6+) applies ``document_id IN (...)`` while it scans, so the filtered KNN is a prefilter
and returns k rows. (A vec0 *partition key* would shard by document but only supports
=, <, > and not IN, and allocates a 1,024-slot chunk per partition.) For BM25,
``document_id`` is a second FTS5 column (weight 0 in bm25()) and a scope is ANDed into the
MATCH expression, so FTS5 intersects the posting lists itself (a prefilter).
One transaction per add or delete covers all three tables.

Python's ``sqlite3`` must be able to load extensions; where it cannot (some pyenv builds), the
``pysqlite3`` module from the ``pysqlite3-binary`` wheel is used instead.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from benchmarks.store_candidates import StoreAdapter
from benchmarks.synthetic_corpus import DIMENSIONS, Chunks

MISSING: str | None = None
try:
    import sqlite_vec
except ImportError as error:
    MISSING = f"{error}"
else:
    import sqlite3

    if not hasattr(sqlite3.Connection, "enable_load_extension"):
        try:
            from pysqlite3 import dbapi2 as sqlite3  # type: ignore[no-redef]
        except ImportError:
            MISSING = (
                "this Python's sqlite3 cannot load extensions and pysqlite3 "
                "(pip: pysqlite3-binary) is not installed"
            )

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS chunks (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    document_id TEXT NOT NULL,
    meta TEXT NOT NULL,
    content TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_document ON chunks(document_id);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
    content, document_id, content='chunks', content_rowid='rowid'
);
INSERT INTO chunks_fts(chunks_fts, rank) VALUES ('rank', 'bm25(1.0, 0.0)');
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_vec USING vec0(
    embedding float[{DIMENSIONS}] distance_metric=cosine,
    document_id text
);
"""


def quoted_any(words) -> str:
    """Any of ``words`` (OR), each quoted so that no word is read as FTS5 syntax."""
    return " OR ".join('"' + word.replace('"', '""') + '"' for word in dict.fromkeys(words))


def match_expression(text: str, doc_ids: list[str] | None) -> str:
    """The query's words in ``content``, AND (for a scope) one of the ids in ``document_id``."""
    words = [word for word in text.lower().split() if word]
    if not words:
        return ""
    expression = "{content} : (" + quoted_any(words) + ")"
    if doc_ids is not None:
        expression += " AND {document_id} : (" + quoted_any(doc_ids) + ")"
    return expression


def placeholders(count: int) -> str:
    return ", ".join("?" * count)


class SqliteVecFts5Candidate(StoreAdapter):
    name = "sqlite_vec_fts5"
    packages = ("sqlite-vec",)
    exact = True
    notes = [
        "vec0 metadata column document_id filtered during the KNN scan (prefilter)",
        "one SQLite file; WAL + synchronous=FULL; add/delete are one transaction",
    ]

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.path = self.folder / "store.sqlite"
        self.db = None
        if sqlite3.__name__.startswith("pysqlite3"):
            self.notes = self.notes + [
                "run with pysqlite3 (this Python's sqlite3 lacks extensions)"
            ]

    def _connect(self) -> None:
        self.db = sqlite3.connect(self.path, isolation_level=None)
        self.db.enable_load_extension(True)
        sqlite_vec.load(self.db)
        self.db.enable_load_extension(False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")

    def build(self, chunks: Chunks) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._connect()
        self.db.executescript(SCHEMA)
        self.db.execute("BEGIN")
        self._insert(chunks, index_text=False)
        self.db.execute("INSERT INTO chunks_fts(chunks_fts) VALUES ('rebuild')")
        self.db.execute("COMMIT")
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.close()

    def _insert(self, chunks: Chunks, index_text: bool) -> None:
        start = self.db.execute("SELECT coalesce(max(rowid), 0) FROM chunks").fetchone()[0] + 1
        rowids = range(start, start + len(chunks))
        self.db.executemany(
            "INSERT INTO chunks(rowid, id, document_id, meta, content) VALUES (?, ?, ?, ?, ?)",
            (
                (rowid, chunk_id, meta["document_id"], json.dumps(meta), text)
                for rowid, chunk_id, meta, text in zip(
                    rowids, chunks.ids, chunks.metas, chunks.texts
                )
            ),
        )
        if index_text:
            self.db.executemany(
                "INSERT INTO chunks_fts(rowid, content, document_id) VALUES (?, ?, ?)",
                zip(rowids, chunks.texts, chunks.document_ids),
            )
        self.db.executemany(
            "INSERT INTO chunks_vec(rowid, embedding, document_id) VALUES (?, ?, ?)",
            (
                (rowid, np.ascontiguousarray(vector, dtype=np.float32).tobytes(), doc_id)
                for rowid, vector, doc_id in zip(rowids, chunks.vectors, chunks.document_ids)
            ),
        )

    def open(self) -> None:
        self._connect()

    def dense(self, vector: np.ndarray, k: int, doc_ids: list[str] | None) -> list[str]:
        scope = "" if doc_ids is None else f"AND document_id IN ({placeholders(len(doc_ids))})"
        sql = f"""
            WITH knn AS (
                SELECT rowid, distance FROM chunks_vec
                WHERE embedding MATCH ? AND k = ? {scope}
            )
            SELECT chunks.id FROM knn JOIN chunks ON chunks.rowid = knn.rowid
            ORDER BY knn.distance
        """
        args = [np.ascontiguousarray(vector, dtype=np.float32).tobytes(), k, *(doc_ids or [])]
        return [row[0] for row in self.db.execute(sql, args)]

    def bm25(self, text: str, k: int, doc_ids: list[str] | None) -> list[str]:
        expression = match_expression(text, doc_ids)
        if not expression:
            return []
        sql = """
            WITH hits AS (
                SELECT rowid, rank FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY rank LIMIT ?
            )
            SELECT chunks.id FROM hits JOIN chunks ON chunks.rowid = hits.rowid ORDER BY hits.rank
        """
        return [row[0] for row in self.db.execute(sql, [expression, k])]

    def add_document(self, chunks: Chunks) -> None:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self._insert(chunks, index_text=True)
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def delete_document(self, doc_id: str) -> None:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            rows = self.db.execute(
                "SELECT rowid, content, document_id FROM chunks WHERE document_id = ?", (doc_id,)
            ).fetchall()
            self.db.executemany(
                "INSERT INTO chunks_fts(chunks_fts, rowid, content, document_id)"
                " VALUES ('delete', ?, ?, ?)",
                rows,
            )
            self.db.executemany("DELETE FROM chunks_vec WHERE rowid = ?", [(r[0],) for r in rows])
            self.db.execute("DELETE FROM chunks WHERE document_id = ?", (doc_id,))
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def count(self, doc_id: str | None = None) -> int:
        if doc_id is None:
            return self.db.execute("SELECT count(*) FROM chunks").fetchone()[0]
        sql = "SELECT count(*) FROM chunks WHERE document_id = ?"
        return self.db.execute(sql, (doc_id,)).fetchone()[0]

    def integrity(self) -> dict:
        chunks = self.db.execute("SELECT count(*) FROM chunks").fetchone()[0]
        vectors = self.db.execute("SELECT count(*) FROM chunks_vec").fetchone()[0]
        try:
            self.db.execute("INSERT INTO chunks_fts(chunks_fts) VALUES ('integrity-check')")
            fts = "ok"
        except sqlite3.DatabaseError as error:
            fts = str(error)
        check = self.db.execute("PRAGMA quick_check").fetchone()[0]
        return {"quick_check": check, "fts5_check": fts, "chunk_rows": chunks, "vec_rows": vectors}

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None


def make(name: str, folder: Path) -> StoreAdapter:
    return SqliteVecFts5Candidate(folder)
