"""Adapters for the embedded document-store candidates compared by ``benchmarks.stores``.

Each candidate lives in its own module whose third-party imports sit in a module-level guard:
a missing package sets ``MISSING`` instead of raising, and the benchmark reports the candidate
as skipped. Only the candidate's own module is imported in its benchmark process, so the
memory it reports is its own.

The common interface (:class:`StoreAdapter`) works on chunk ids: ``dense`` and ``bm25`` return
the ids of the top ``k`` chunks, optionally restricted to a list of document ids *inside the
store* (a prefilter, never a post-filter). ``add_document`` and ``delete_document`` return
once the change is committed by the store; the harness then fsyncs the folder.
"""

from __future__ import annotations

import importlib
import os
import shutil
from pathlib import Path

import numpy as np

from benchmarks.synthetic_corpus import Chunks

# Candidate name → module (in this package) defining ``Candidate`` and ``MISSING``.
MODULES = {
    "inmemory": "inmemory",
    "numpy_bm25s": "numpy_bm25s",
    "sqlite_vec_fts5": "sqlite_vec_fts5",
    "lancedb": "lancedb_table",
    "lancedb_ivfpq": "lancedb_table",
    "lancedb_hnsw": "lancedb_table",
    "qdrant_local": "qdrant_local",
    "faiss": "faiss_flat",
    "tunedd": "tunedd_sqlite",
}
RRF_K = 60
HYBRID_DEPTH = 20


class Unavailable(Exception):
    """The candidate's packages (or, for ``tunedd``, its module) are not installed."""


class StoreAdapter:
    """One embedded store behind the benchmark's small interface.

    Class attributes describe the candidate for the report: ``packages`` are the distributions
    it needs beyond the project (for the dependency size), ``exact`` whether dense search is
    exhaustive, ``has_bm25`` whether it has keyword search, ``query_limit`` a cap on the
    number of timed queries for very slow stores, and ``notes`` what the report should say.
    """

    name = "?"
    packages: tuple[str, ...] = ()
    exact = True
    has_bm25 = True
    query_limit: int | None = None
    notes: list[str] = []

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def build(self, chunks: Chunks) -> dict | None:
        """Bulk-load ``chunks`` into a fresh store in ``folder``; may return timing details."""
        raise NotImplementedError

    def open(self) -> None:
        """Open the store that ``build`` left in ``folder``."""
        raise NotImplementedError

    def dense(self, vector: np.ndarray, k: int, doc_ids: list[str] | None) -> list[str]:
        raise NotImplementedError

    def bm25(self, text: str, k: int, doc_ids: list[str] | None) -> list[str]:
        raise NotImplementedError

    def add_document(self, chunks: Chunks) -> None:
        raise NotImplementedError

    def delete_document(self, doc_id: str) -> None:
        raise NotImplementedError

    def count(self, doc_id: str | None = None) -> int:
        """Chunks in the store, or in one document."""
        raise NotImplementedError

    def integrity(self) -> dict:
        """Store-specific consistency checks after a crash (empty when there are none)."""
        return {}

    def close(self) -> None:
        pass

    def hybrid(self, vector: np.ndarray, text: str, k: int, doc_ids: list[str] | None) -> list[str]:
        """Dense top 20 + BM25 top 20, reciprocal rank fusion (k=60): the same code for all."""
        dense = self.dense(vector, HYBRID_DEPTH, doc_ids)
        keyword = self.bm25(text, HYBRID_DEPTH, doc_ids)
        return reciprocal_rank_fusion([dense, keyword], top_k=k)


def load_candidate(name: str, folder: Path) -> StoreAdapter:
    """The adapter for ``name``; raises :class:`Unavailable` if its packages are missing."""
    if name not in MODULES:
        raise KeyError(f"unknown candidate {name!r}; known: {', '.join(MODULES)}")
    module = importlib.import_module(f"{__name__}.{MODULES[name]}")
    if module.MISSING:
        raise Unavailable(module.MISSING)
    return module.make(name, Path(folder))


def reciprocal_rank_fusion(rankings: list[list[str]], top_k: int, k: int = RRF_K) -> list[str]:
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, chunk_id in enumerate(ranking, start=1):
            scores[chunk_id] = scores.get(chunk_id, 0.0) + 1.0 / (k + rank)
    return sorted(scores, key=lambda chunk_id: (-scores[chunk_id], chunk_id))[:top_k]


def fsync_tree(folder: Path) -> None:
    """fsync every file and directory under ``folder`` (so a change is on disk, not in cache)."""
    for root, _dirs, files in os.walk(folder):
        for name in files:
            try:
                fd = os.open(os.path.join(root, name), os.O_RDONLY)
            except FileNotFoundError:
                continue
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        fd = os.open(root, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def top_k_rows(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` highest scores, best first."""
    if len(scores) <= k:
        return np.argsort(-scores, kind="stable")
    part = np.argpartition(-scores, k)[:k]
    return part[np.argsort(-scores[part], kind="stable")]


class Generations:
    """Whole-store snapshots in ``gen-NNNNNN`` folders with an atomically replaced ``CURRENT``.

    For stores that can only be saved whole (numpy arrays, a faiss index file, a bm25s index):
    a write goes to a new generation folder, is fsynced, and then ``CURRENT`` is switched with
    ``os.replace``, so a crash at any moment leaves either the old or the new snapshot.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def current(self) -> Path:
        return self.folder / (self.folder / "CURRENT").read_text().strip()

    def new(self) -> Path:
        existing = sorted(self.folder.glob("gen-*"))
        number = int(existing[-1].name.split("-")[1]) + 1 if existing else 1
        path = self.folder / f"gen-{number:06d}"
        if path.exists():
            shutil.rmtree(path)
        path.mkdir(parents=True)
        return path

    def commit(self, path: Path) -> None:
        fsync_tree(path)
        pointer = self.folder / "CURRENT.partial"
        with pointer.open("w") as handle:
            handle.write(path.name)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(pointer, self.folder / "CURRENT")
        fd = os.open(self.folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        for old in self.folder.glob("gen-*"):
            if old.name != path.name:
                shutil.rmtree(old, ignore_errors=True)
