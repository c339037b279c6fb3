"""qdrant-client's local mode (``QdrantClient(path=...)``): dense search with a payload filter.

Local mode is Qdrant's API re-implemented in Python: every point is held in memory (numpy
vectors, payload dicts), search is an exhaustive scan (no HNSW), and each point is pickled into
a SQLite file with one commit per point, so a document (100 points) is 100 transactions and an
interrupted write can leave a partial document. The client itself warns above 20,000 points.
No keyword search: BM25 would need sparse vectors computed by us (n/a here), so hybrid is n/a
too (Qdrant's Query API could fuse a dense and a sparse prefetch with RRF natively).
"""

from __future__ import annotations

import uuid
import warnings
from pathlib import Path

import numpy as np

from benchmarks.store_candidates import StoreAdapter
from benchmarks.synthetic_corpus import DIMENSIONS, Chunks

try:
    from qdrant_client import QdrantClient, models
except ImportError as error:
    MISSING: str | None = f"{error}"
else:
    MISSING = None

COLLECTION = "chunks"
BATCH = 1_000
NAMESPACE = uuid.UUID("6f1d3c52-9a54-4f65-9a0e-3c4e2b7b1d10")


def point_id(chunk_id: str) -> str:
    return str(uuid.uuid5(NAMESPACE, chunk_id))


def scope(doc_ids: list[str] | None):
    if doc_ids is None:
        return None
    return models.Filter(
        must=[models.FieldCondition(key="document_id", match=models.MatchAny(any=list(doc_ids)))]
    )


class QdrantLocalCandidate(StoreAdapter):
    name = "qdrant_local"
    packages = ("qdrant-client",)
    exact = True
    has_bm25 = False
    notes = [
        "local mode: in-memory exhaustive scan in Python, one SQLite commit per point",
        "no BM25 (would need our own sparse vectors)",
    ]

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.client = None

    def _connect(self) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # the >20,000 points warning
            self.client = QdrantClient(path=str(self.folder))

    def build(self, chunks: Chunks) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._connect()
        self.client.create_collection(
            COLLECTION,
            vectors_config=models.VectorParams(size=DIMENSIONS, distance=models.Distance.COSINE),
        )
        for start in range(0, len(chunks), BATCH):
            self._upsert(chunks, start, start + BATCH)
        self.close()

    def _upsert(self, chunks: Chunks, start: int, stop: int) -> None:
        points = [
            models.PointStruct(
                id=point_id(chunk_id),
                vector=vector.tolist(),
                payload={**meta, "chunk_id": chunk_id, "content": text},
            )
            for chunk_id, text, meta, vector in zip(
                chunks.ids[start:stop],
                chunks.texts[start:stop],
                chunks.metas[start:stop],
                chunks.vectors[start:stop],
            )
        ]
        self.client.upsert(COLLECTION, points=points, wait=True)

    def open(self) -> None:
        self._connect()

    def dense(self, vector: np.ndarray, k: int, doc_ids: list[str] | None) -> list[str]:
        result = self.client.query_points(
            COLLECTION,
            query=vector.tolist(),
            limit=k,
            query_filter=scope(doc_ids),
            with_payload=["chunk_id"],
        )
        return [point.payload["chunk_id"] for point in result.points]

    def bm25(self, text: str, k: int, doc_ids: list[str] | None) -> list[str]:
        raise NotImplementedError("qdrant local mode has no BM25")

    def add_document(self, chunks: Chunks) -> None:
        self._upsert(chunks, 0, len(chunks))

    def delete_document(self, doc_id: str) -> None:
        self.client.delete(
            COLLECTION, points_selector=models.FilterSelector(filter=scope([doc_id])), wait=True
        )

    def count(self, doc_id: str | None = None) -> int:
        filters = None if doc_id is None else scope([doc_id])
        return self.client.count(COLLECTION, count_filter=filters, exact=True).count

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None


def make(name: str, folder: Path) -> StoreAdapter:
    return QdrantLocalCandidate(folder)
