"""LanceDB (embedded, sync API): one table with a vector column, native FTS and a BTree index.

Three variants: ``lancedb`` searches vectors by flat (exact) scan; ``lancedb_ivfpq`` adds an
IVF_PQ index (LanceDB's defaults, queried with refine_factor=10: the top candidates are
re-scored with the full vectors); ``lancedb_hnsw`` adds an IVF_HNSW_SQ index (defaults). Filters
are ``where("document_id IN (...)", prefilter=True)`` with a BTree index on ``document_id``.
FTS: LanceDB's native BM25 index (no stemming or stop words, like the other candidates).
LanceDB has a native hybrid query (vector + FTS + RRF reranker) that is not used here, so that
every candidate fuses with the same Python code.

Rows added after the indexes were built are not in them: queries still find them because
LanceDB scans unindexed rows (flat vector search, flat FTS) unless ``fast_search`` is asked
for. Every add or delete writes a new table version (new fragment or deletion file);
``optimize()`` compacts, updates the indexes and drops old versions: the benchmark times it
as a separate maintenance step.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path

import numpy as np

from benchmarks.store_candidates import StoreAdapter
from benchmarks.synthetic_corpus import DIMENSIONS, Chunks

try:
    import lancedb
    import pyarrow as pa
    from lancedb.index import FTS, BTree, HnswSq, IvfPq
except ImportError as error:
    MISSING: str | None = f"{error}"
else:
    MISSING = None

TABLE = "chunks"
REFINE_FACTOR = 10


def to_arrow(chunks: Chunks):
    vectors = np.ascontiguousarray(chunks.vectors, dtype=np.float32).ravel()
    return pa.table(
        {
            "id": pa.array(chunks.ids, pa.string()),
            "document_id": pa.array(chunks.document_ids, pa.string()),
            "meta": pa.array([json.dumps(m) for m in chunks.metas], pa.string()),
            "text": pa.array(chunks.texts, pa.string()),
            "vector": pa.FixedSizeListArray.from_arrays(
                pa.array(vectors, pa.float32()), DIMENSIONS
            ),
        }
    )


def in_list(doc_ids: list[str]) -> str:
    quoted = ", ".join("'" + d.replace("'", "''") + "'" for d in doc_ids)
    return f"document_id IN ({quoted})"


class LanceDbCandidate(StoreAdapter):
    packages = ("lancedb",)
    notes = [
        "native hybrid (RRF reranker) not used",
        "new rows are found without re-indexing (flat scan of unindexed rows); "
        "optimize() timed separately",
    ]

    def __init__(self, folder: Path, index: str | None) -> None:
        super().__init__(folder)
        self.index = index
        self.name = {None: "lancedb", "ivfpq": "lancedb_ivfpq", "hnsw": "lancedb_hnsw"}[index]
        self.exact = index is None
        if index == "ivfpq":
            self.notes = self.notes + [f"IVF_PQ defaults, refine_factor={REFINE_FACTOR}"]
        elif index == "hnsw":
            self.notes = self.notes + ["IVF_HNSW_SQ defaults"]
        self.db = None
        self.table = None

    def build(self, chunks: Chunks) -> dict:
        self.folder.mkdir(parents=True, exist_ok=True)
        db = lancedb.connect(str(self.folder))
        steps = {}
        started = time.perf_counter()
        table = db.create_table(TABLE, data=to_arrow(chunks), mode="overwrite")
        steps["load_s"] = time.perf_counter() - started
        started = time.perf_counter()
        table.create_index(
            "text", config=FTS(stem=False, remove_stop_words=False, ascii_folding=False)
        )
        table.create_index("document_id", config=BTree())
        steps["fts_and_btree_s"] = time.perf_counter() - started
        if self.index is not None:
            started = time.perf_counter()
            config = IvfPq(distance_type="cosine") if self.index == "ivfpq" else None
            config = config or HnswSq(distance_type="cosine")
            table.create_index("vector", config=config)
            steps["vector_index_s"] = time.perf_counter() - started
        return {key: round(value, 3) for key, value in steps.items()}

    def open(self) -> None:
        self.db = lancedb.connect(str(self.folder))
        self.table = self.db.open_table(TABLE)

    def dense(self, vector: np.ndarray, k: int, doc_ids: list[str] | None) -> list[str]:
        query = self.table.search(vector, vector_column_name="vector", query_type="vector")
        query = query.distance_type("cosine")
        if self.index == "ivfpq":
            query = query.refine_factor(REFINE_FACTOR)
        if doc_ids is not None:
            query = query.where(in_list(doc_ids), prefilter=True)
        return [row["id"] for row in query.limit(k).select(["id"]).to_list()]

    def bm25(self, text: str, k: int, doc_ids: list[str] | None) -> list[str]:
        query = self.table.search(text, query_type="fts", fts_columns="text")
        if doc_ids is not None:
            query = query.where(in_list(doc_ids), prefilter=True)
        return [row["id"] for row in query.limit(k).select(["id"]).to_list()]

    def add_document(self, chunks: Chunks) -> None:
        self.table.add(to_arrow(chunks))

    def delete_document(self, doc_id: str) -> None:
        self.table.delete(in_list([doc_id]))

    def maintain(self) -> None:
        """Compact fragments, fold new rows into the indexes, drop old versions."""
        self.table.optimize(cleanup_older_than=timedelta(0))

    def count(self, doc_id: str | None = None) -> int:
        return self.table.count_rows(None if doc_id is None else in_list([doc_id]))

    def close(self) -> None:
        self.table = None
        self.db = None


def make(name: str, folder: Path) -> StoreAdapter:
    index = {"lancedb": None, "lancedb_ivfpq": "ivfpq", "lancedb_hnsw": "hnsw"}[name]
    return LanceDbCandidate(folder, index)
