"""What the embedded store keeps in memory to search: exact cosine over a float32 matrix, BM25L.

Only what a query needs lives here (vectors, BM25 postings, chunk ids and their document ids);
text and metadata stay in SQLite and are read for the few chunks a query returns. At 100k
chunks of 384 dimensions that is ~150 MB of vectors, and an exact scan is a single
matrix-vector product (tens of milliseconds; under one with a 5-document scope), so there is
no approximate index and recall is exact.
"""

from __future__ import annotations

import numpy as np

from tunedd_api.backends.embedded.bm25_index import BM25Index, TermStats


class SearchIndex:
    """Chunks by position (append-only: a deleted position stays dead until the store reopens).

    :param dimension: Embedding size; fixed by the first vector if ``None``.
    """

    def __init__(self, dimension: int | None = None) -> None:
        self.dimension = dimension
        self.bm25 = BM25Index()
        self.ids: list[str] = []
        self.positions: dict[str, int] = {}
        self.by_document: dict[str, set[int]] = {}
        self._documents: list[str | None] = []
        self._alive = np.zeros(0, dtype=bool)
        self._has_vector = np.zeros(0, dtype=bool)
        self._vectors = np.zeros((0, dimension or 0), dtype=np.float32)

    def __len__(self) -> int:
        return len(self.positions)

    @property
    def alive(self) -> np.ndarray:
        """Whether each position holds a live chunk."""
        return self._alive[: len(self.ids)]

    def add(
        self,
        ids: list[str],
        document_ids: list[str | None],
        vectors: list[np.ndarray | None],
        stats: list[TermStats | None],
    ) -> None:
        """Add chunks (ids must not be present: remove them first)."""
        start = len(self.ids)
        self._reserve(start + len(ids), vectors)
        for offset, (chunk_id, document_id, vector) in enumerate(zip(ids, document_ids, vectors)):
            position = start + offset
            self.ids.append(chunk_id)
            self.positions[chunk_id] = position
            self._documents.append(document_id)
            if document_id is not None:
                self.by_document.setdefault(document_id, set()).add(position)
            self._alive[position] = True
            if vector is not None:
                if len(vector) != self.dimension:
                    raise ValueError(
                        f"embedding of {chunk_id} has {len(vector)} dimensions, "
                        f"the store {self.dimension}"
                    )
                norm = float(np.linalg.norm(vector))
                self._vectors[position] = vector / norm if norm else vector
                self._has_vector[position] = True
        with_text = [(start + i, s) for i, s in enumerate(stats) if s is not None]
        self.bm25.add([p for p, _ in with_text], [s for _, s in with_text])

    def remove(self, ids: list[str], stats: list[TermStats | None]) -> None:
        """Forget chunks (``stats`` as they were added, for the BM25 frequencies)."""
        removed, removed_stats = [], []
        for chunk_id, stat in zip(ids, stats):
            position = self.positions.pop(chunk_id, None)
            if position is None:
                continue
            self._alive[position] = False
            self._has_vector[position] = False
            document_id = self._documents[position]
            if document_id is not None:
                self.by_document[document_id].discard(position)
                if not self.by_document[document_id]:
                    del self.by_document[document_id]
            if stat is not None:
                removed.append(position)
                removed_stats.append(stat)
        self.bm25.remove(removed, removed_stats, self.alive)

    def scope(self, document_ids: list[str]) -> np.ndarray:
        """Live positions of the chunks of ``document_ids``."""
        found = [self.by_document.get(str(d), ()) for d in document_ids]
        return np.fromiter(sorted(p for group in found for p in group), dtype=np.int64)

    def scope_of_ids(self, ids: list[str]) -> np.ndarray:
        """Live positions of the chunks ``ids`` (unknown ids are ignored)."""
        found = (self.positions.get(i) for i in ids)
        return np.fromiter(sorted(p for p in found if p is not None), dtype=np.int64)

    def dense(
        self, query: np.ndarray, top_k: int, candidates: np.ndarray | None = None
    ) -> list[tuple[str, float]]:
        """The ``top_k`` chunks by cosine to ``query``, best first, as (id, cosine)."""
        if self.dimension is None or top_k <= 0:
            return []
        norm = float(np.linalg.norm(query)) or 1.0
        query = np.asarray(query, dtype=np.float32) / norm
        count = len(self.ids)
        if candidates is None:
            scores = self._vectors[:count] @ query
            scores[~self._has_vector[:count]] = -np.inf
            return self._best(np.arange(count), scores, top_k, minimum=-np.inf)
        candidates = candidates[self._has_vector[candidates]]
        return self._best(candidates, self._vectors[candidates] @ query, top_k, minimum=-np.inf)

    def keyword(
        self, query: str, top_k: int, candidates: np.ndarray | None = None
    ) -> list[tuple[str, float]]:
        """The ``top_k`` chunks by BM25L score for ``query`` (score > 0 only), best first."""
        scores = self.bm25.scores(query, self.alive)
        if candidates is None:
            return self._best(np.arange(len(scores)), scores, top_k, minimum=0.0)
        return self._best(candidates, scores[candidates], top_k, minimum=0.0)

    def vector(self, chunk_id: str) -> list[float] | None:
        """The stored (normalised) vector of a chunk."""
        position = self.positions.get(chunk_id)
        if position is None or not self._has_vector[position]:
            return None
        return self._vectors[position].tolist()

    def _best(
        self, positions: np.ndarray, scores: np.ndarray, top_k: int, *, minimum: float
    ) -> list[tuple[str, float]]:
        if len(scores) > top_k:
            keep = np.argpartition(-scores, top_k - 1)[:top_k]
            positions, scores = positions[keep], scores[keep]
        order = np.lexsort((positions, -scores))  # best first; ties by insertion order
        return [
            (self.ids[int(positions[i])], float(scores[i])) for i in order if scores[i] > minimum
        ]

    def reserve(self, size: int) -> None:
        """Make room for ``size`` positions at once (opening a store of known size)."""
        if size > len(self._alive):
            self._resize(size)

    def _reserve(self, size: int, vectors: list[np.ndarray | None]) -> None:
        if self.dimension is None:
            first = next((v for v in vectors if v is not None), None)
            if first is not None:
                self.dimension = len(first)
                self._vectors = np.zeros((len(self._alive), self.dimension), np.float32)
        if size > len(self._alive):
            self._resize(max(size, len(self._alive) * 5 // 4, 1024))

    def _resize(self, capacity: int) -> None:
        self._alive = np.resize(self._alive, capacity)
        self._alive[len(self.ids) :] = False
        self._has_vector = np.resize(self._has_vector, capacity)
        self._has_vector[len(self.ids) :] = False
        vectors_grown = np.zeros((capacity, self.dimension or 0), dtype=np.float32)
        vectors_grown[: len(self.ids)] = self._vectors[: len(self.ids)]
        self._vectors = vectors_grown
