"""faiss-cpu ``IndexIDMap2(IndexFlatIP)``: exact inner product on unit vectors (= cosine).

Filters pass an ``IDSelectorBatch`` of the scope's ids in ``SearchParameters``, so the flat scan
skips other rows (a prefilter). Dense only: faiss has no text search. Persistence is
``write_index`` of the whole index plus a JSON id map, written as a new snapshot folder and
switched in by an atomic ``CURRENT`` pointer: not incremental, every add or delete rewrites
every vector.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from benchmarks.store_candidates import Generations, StoreAdapter
from benchmarks.synthetic_corpus import DIMENSIONS, Chunks

try:
    import faiss
except ImportError as error:
    MISSING: str | None = f"{error}"
else:
    MISSING = None


class FaissFlatCandidate(StoreAdapter):
    name = "faiss"
    packages = ("faiss-cpu",)
    exact = True
    has_bm25 = False
    notes = [
        "dense only; filter = IDSelectorBatch in SearchParameters",
        "not incremental: write_index of the whole index per add/delete (atomic snapshot)",
    ]

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.generations = Generations(self.folder)

    def build(self, chunks: Chunks) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.index = faiss.IndexIDMap2(faiss.IndexFlatIP(DIMENSIONS))
        self.chunk_ids: dict[int, str] = {}
        self.document_of: dict[int, str] = {}
        self.next_id = 0
        self._add(chunks)
        self._save()

    def _add(self, chunks: Chunks) -> None:
        ids = np.arange(self.next_id, self.next_id + len(chunks), dtype=np.int64)
        self.index.add_with_ids(np.ascontiguousarray(chunks.vectors, dtype=np.float32), ids)
        for number, chunk_id, doc_id in zip(ids.tolist(), chunks.ids, chunks.document_ids):
            self.chunk_ids[number] = chunk_id
            self.document_of[number] = doc_id
        self.next_id += len(chunks)

    def _save(self) -> None:
        path = self.generations.new()
        faiss.write_index(self.index, str(path / "index.faiss"))
        numbers = sorted(self.chunk_ids)
        header = {
            "next_id": self.next_id,
            "numbers": numbers,
            "chunk_ids": [self.chunk_ids[n] for n in numbers],
            "document_ids": [self.document_of[n] for n in numbers],
        }
        (path / "ids.json").write_text(json.dumps(header))
        self.generations.commit(path)

    def open(self) -> None:
        path = self.generations.current()
        self.index = faiss.read_index(str(path / "index.faiss"))
        header = json.loads((path / "ids.json").read_text())
        self.next_id = header["next_id"]
        self.chunk_ids = dict(zip(header["numbers"], header["chunk_ids"]))
        self.document_of = dict(zip(header["numbers"], header["document_ids"]))
        self._index_numbers()

    def _index_numbers(self) -> None:
        self.numbers_of: dict[str, list[int]] = {}
        for number, doc_id in self.document_of.items():
            self.numbers_of.setdefault(doc_id, []).append(number)

    def dense(self, vector: np.ndarray, k: int, doc_ids: list[str] | None) -> list[str]:
        query = np.ascontiguousarray(vector, dtype=np.float32)[None, :]
        params = None
        if doc_ids is not None:
            numbers = [n for d in doc_ids for n in self.numbers_of.get(d, ())]
            selector = faiss.IDSelectorBatch(np.array(numbers, dtype=np.int64))
            params = faiss.SearchParameters(sel=selector)
        _scores, found = self.index.search(query, k, params=params)
        return [self.chunk_ids[int(n)] for n in found[0] if n >= 0]

    def bm25(self, text: str, k: int, doc_ids: list[str] | None) -> list[str]:
        raise NotImplementedError("faiss has no keyword search")

    def add_document(self, chunks: Chunks) -> None:
        self._add(chunks)
        self._save()
        self._index_numbers()

    def delete_document(self, doc_id: str) -> None:
        numbers = self.numbers_of.get(doc_id, [])
        self.index.remove_ids(faiss.IDSelectorBatch(np.array(numbers, dtype=np.int64)))
        for number in numbers:
            del self.chunk_ids[number]
            del self.document_of[number]
        self._save()
        self._index_numbers()

    def count(self, doc_id: str | None = None) -> int:
        if doc_id is None:
            return int(self.index.ntotal)
        return len(self.numbers_of.get(doc_id, ()))


def make(name: str, folder: Path) -> StoreAdapter:
    return FaissFlatCandidate(folder)
