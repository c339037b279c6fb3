"""BM25L over the chunks held in memory: per-term posting arrays scored with numpy.

The scores are those of Haystack's ``InMemoryDocumentStore`` (BM25L, k1 1.5, b 0.75, delta
0.5, its tokenisation regex, IDF over the whole store), so switching stores does not move
retrieval quality; the difference is speed: Haystack scores every document in Python per query
(seconds at 100k chunks), this adds a few numpy array operations per query term (milliseconds).

A chunk is known by its *position* (an integer given by :class:`SearchIndex`). Deleting marks
the position dead; dead postings are dropped by :meth:`BM25Index.compact` once they make up a
third of all postings.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

import numpy as np

# Haystack's default BM25 tokenisation (``InMemoryDocumentStore``): word characters, with each
# CJK character a token of its own.
_CJK = (
    r"\u1100-\u11ff\ua960-\ua97f\ud7b0-\ud7ff\u3130-\u318f\uac00-\ud7af"  # Hangul
    r"\u3041-\u3096\u30a1-\u30fa\u30fc\u31f0-\u31ff"  # Hiragana, Katakana
    r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # CJK ideographs
    r"\uff66-\uff9f\uffa0-\uffdc"  # half-width Katakana and Hangul
)
_TOKENS = re.compile(rf"[^\W{_CJK}]+|[{_CJK}]").findall

_EMPTY_INT = np.zeros(0, dtype=np.int32)
_EMPTY_FLOAT = np.zeros(0, dtype=np.float32)


def tokenize(text: str) -> list[str]:
    """Lower-cased, NFC-normalised BM25 tokens of ``text``."""
    return _TOKENS(unicodedata.normalize("NFC", text.lower()))


@dataclass(frozen=True)
class TermStats:
    """The BM25 statistics of one chunk: term ids (unique), their counts, and its length."""

    terms: np.ndarray
    counts: np.ndarray
    length: int


class BM25Index:
    """Posting lists (positions and term counts) per term id, with document frequencies.

    :param k1: BM25 term-frequency saturation.
    :param b: Length normalisation.
    :param delta: BM25L's lower bound for a term that occurs.
    """

    def __init__(self, *, k1: float = 1.5, b: float = 0.75, delta: float = 0.5) -> None:
        self.k1, self.b, self.delta = k1, b, delta
        self.vocabulary: dict[str, int] = {}
        self._positions: list[np.ndarray] = []
        self._counts: list[np.ndarray] = []
        self._df = np.zeros(0, dtype=np.int64)
        self._lengths = np.zeros(0, dtype=np.float32)
        self._documents = 0
        self._total_length = 0
        self._live_postings = 0
        self._dead_postings = 0

    def stats(self, text: str, new_terms: list[tuple[str, int]]) -> TermStats:
        """Term ids and counts of ``text``; unseen terms get ids, appended to ``new_terms``."""
        counts = Counter(tokenize(text))
        ids = np.empty(len(counts), dtype=np.int32)
        for i, term in enumerate(counts):
            term_id = self.vocabulary.get(term)
            if term_id is None:
                term_id = self.vocabulary[term] = len(self.vocabulary)
                new_terms.append((term, term_id))
            ids[i] = term_id
        return TermStats(ids, np.fromiter(counts.values(), np.float32, len(counts)), counts.total())

    def add_terms(self, terms: list[tuple[str, int]]) -> None:
        """Register vocabulary loaded from disk."""
        self.vocabulary.update(terms)

    def add(self, positions: list[int], stats: list[TermStats]) -> None:
        """Index chunks (one ``stats`` per position; positions are new)."""
        if not positions:
            return
        self._grow(max(positions) + 1, len(self.vocabulary))
        terms = np.concatenate([s.terms for s in stats])
        counts = np.concatenate([s.counts for s in stats])
        owners = np.repeat(np.asarray(positions, np.int32), [len(s.terms) for s in stats])
        order = np.argsort(terms, kind="stable")
        terms, counts, owners = terms[order], counts[order], owners[order]
        starts = np.flatnonzero(np.r_[True, terms[1:] != terms[:-1]])
        ends = np.r_[starts[1:], len(terms)]
        for start, end in zip(starts.tolist(), ends.tolist()):
            term = int(terms[start])
            self._positions[term] = np.concatenate([self._positions[term], owners[start:end]])
            self._counts[term] = np.concatenate([self._counts[term], counts[start:end]])
        np.add.at(self._df, terms, 1)
        for position, stat in zip(positions, stats):
            self._lengths[position] = stat.length
        self._documents += len(positions)
        self._total_length += sum(s.length for s in stats)
        self._live_postings += len(terms)

    def remove(self, positions: list[int], stats: list[TermStats], alive: np.ndarray) -> None:
        """Forget chunks; ``alive`` must already say they are dead (compaction reads it)."""
        for stat in stats:
            np.subtract.at(self._df, stat.terms, 1)
            self._dead_postings += len(stat.terms)
            self._live_postings -= len(stat.terms)
            self._total_length -= stat.length
        self._documents -= len(positions)
        if self._dead_postings > max(self._live_postings // 2, 100_000):
            self.compact(alive)

    def compact(self, alive: np.ndarray) -> None:
        """Drop the postings of dead positions."""
        for term, positions in enumerate(self._positions):
            keep = alive[positions]
            if not keep.all():
                self._positions[term] = positions[keep]
                self._counts[term] = self._counts[term][keep]
        self._dead_postings = 0

    def scores(self, query: str, alive: np.ndarray) -> np.ndarray:
        """BM25L score of every position for ``query`` (0 for dead positions and no match)."""
        scores = np.zeros(len(alive), dtype=np.float32)
        if not self._documents or not self._total_length:
            return scores
        average = self._total_length / self._documents
        k1, b, delta = self.k1, self.b, self.delta
        for token in set(tokenize(query)):
            term = self.vocabulary.get(token)
            if term is None or self._df[term] <= 0:
                continue
            idf = math.log((self._documents + 1.0) / (self._df[term] + 0.5))
            positions = self._positions[term]
            ctd = self._counts[term] / (1.0 - b + b * self._lengths[positions] / average)
            scores[positions] += idf * (1.0 + k1) * (ctd + delta) / (k1 + ctd + delta)
        scores[~alive] = 0.0
        return scores

    def _grow(self, positions: int, terms: int) -> None:
        if positions > len(self._lengths):
            grown = np.zeros(max(positions, 2 * len(self._lengths)), dtype=np.float32)
            grown[: len(self._lengths)] = self._lengths
            self._lengths = grown
        if terms > len(self._df):
            self._df = np.concatenate([self._df, np.zeros(terms - len(self._df), np.int64)])
            missing = terms - len(self._positions)
            self._positions.extend([_EMPTY_INT] * missing)
            self._counts.extend([_EMPTY_FLOAT] * missing)
