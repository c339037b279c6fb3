"""A float32 numpy matrix (exact dense search) plus a bm25s index, saved as whole snapshots.

Neither part updates incrementally: bm25s has no add or delete, so every add or delete re-reads
all texts, re-indexes them and writes a new snapshot folder (vectors.npy, the bm25s index,
texts.jsonl, ids.json), switched in by an atomic ``CURRENT`` pointer. Filters: dense search
scores only the scope's rows; BM25 passes a 0/1 ``weight_mask`` to bm25s, which multiplies the
scores of every document before its top-k (so BM25 still scores the whole corpus).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

from benchmarks.store_candidates import Generations, StoreAdapter, top_k_rows
from benchmarks.synthetic_corpus import Chunks

try:
    import bm25s
except ImportError as error:
    MISSING: str | None = f"{error}"
else:
    MISSING = None

TOKEN = re.compile(r"(?u)\b\w\w+\b")  # bm25s's default token pattern


class NumpyBm25sCandidate(StoreAdapter):
    name = "numpy_bm25s"
    packages = ("bm25s",)
    exact = True
    notes = [
        "no incremental update: add/delete re-index all texts with bm25s and rewrite a snapshot",
        "BM25 filter = bm25s weight_mask (whole corpus scored, masked before top-k)",
    ]

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.generations = Generations(self.folder)

    def build(self, chunks: Chunks) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._write(chunks.ids, chunks.document_ids, chunks.texts, chunks.metas, chunks.vectors)

    def _write(self, ids, document_ids, texts, metas, vectors) -> None:
        """Index everything with bm25s, write it as a new snapshot, and make it the state."""
        path = self.generations.new()
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        np.save(path / "vectors.npy", vectors)
        (path / "ids.json").write_text(json.dumps({"ids": ids, "document_ids": document_ids}))
        with (path / "texts.jsonl").open("w") as handle:
            for text, meta in zip(texts, metas):
                handle.write(json.dumps({"text": text, "meta": meta}) + "\n")
        retriever = bm25s.BM25()
        tokens = bm25s.tokenize(texts, stopwords=None, show_progress=False)
        retriever.index(tokens, show_progress=False)
        retriever.save(str(path / "bm25"), show_progress=False)
        self.generations.commit(path)
        self._set_state(vectors, ids, document_ids, retriever)

    def open(self) -> None:
        path = self.generations.current()
        header = json.loads((path / "ids.json").read_text())
        self._set_state(
            np.load(path / "vectors.npy"),
            header["ids"],
            header["document_ids"],
            bm25s.BM25.load(str(path / "bm25")),
        )

    def _set_state(self, vectors, ids, document_ids, retriever) -> None:
        self.vectors = vectors
        self.ids = list(ids)
        self.document_ids = list(document_ids)
        self.retriever = retriever
        self.rows_of: dict[str, np.ndarray] = {}
        documents = np.array(self.document_ids)
        order = np.argsort(documents, kind="stable")
        names, starts = np.unique(documents[order], return_index=True)
        for name, rows in zip(names, np.split(order, starts[1:])):
            self.rows_of[str(name)] = rows

    def _rows(self, doc_ids: list[str]) -> np.ndarray:
        parts = [self.rows_of[d] for d in doc_ids if d in self.rows_of]
        return np.concatenate(parts) if parts else np.array([], dtype=np.int64)

    def dense(self, vector: np.ndarray, k: int, doc_ids: list[str] | None) -> list[str]:
        if doc_ids is None:
            return [self.ids[i] for i in top_k_rows(self.vectors @ vector, k)]
        rows = self._rows(doc_ids)
        best = top_k_rows(self.vectors[rows] @ vector, k)
        return [self.ids[rows[i]] for i in best]

    def bm25(self, text: str, k: int, doc_ids: list[str] | None) -> list[str]:
        mask = None
        if doc_ids is not None:
            mask = np.zeros(len(self.ids), dtype=np.float32)
            mask[self._rows(doc_ids)] = 1.0
        k = min(k, len(self.ids))
        rows, scores = self.retriever.retrieve(
            [TOKEN.findall(text.lower())], k=k, weight_mask=mask, show_progress=False
        )
        return [self.ids[int(r)] for r, s in zip(rows[0], scores[0]) if s > 0]

    def _all_texts(self) -> tuple[list[str], list[dict]]:
        texts, metas = [], []
        with (self.generations.current() / "texts.jsonl").open() as handle:
            for line in handle:
                record = json.loads(line)
                texts.append(record["text"])
                metas.append(record["meta"])
        return texts, metas

    def add_document(self, chunks: Chunks) -> None:
        texts, metas = self._all_texts()
        self._write(
            self.ids + chunks.ids,
            self.document_ids + chunks.document_ids,
            texts + chunks.texts,
            metas + chunks.metas,
            np.concatenate([self.vectors, chunks.vectors]),
        )

    def delete_document(self, doc_id: str) -> None:
        texts, metas = self._all_texts()
        keep = [i for i, d in enumerate(self.document_ids) if d != doc_id]
        self._write(
            [self.ids[i] for i in keep],
            [self.document_ids[i] for i in keep],
            [texts[i] for i in keep],
            [metas[i] for i in keep],
            self.vectors[keep],
        )

    def count(self, doc_id: str | None = None) -> int:
        if doc_id is None:
            return len(self.ids)
        return len(self.rows_of.get(doc_id, ()))


def make(name: str, folder: Path) -> StoreAdapter:
    return NumpyBm25sCandidate(folder)
