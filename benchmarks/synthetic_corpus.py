"""A deterministic synthetic chunk set for store benchmarks (see ``benchmarks.stores``).

* Documents of 100 chunks each (``documents = chunks // 100``); chunk ids ``d{doc:04d}-{i:05d}``,
  meta ``{"document_id", "file_name", "pages", "chunk_index"}`` as tunedd's indexer writes them.
* Text: ~150 words per chunk drawn from a Zipf-distributed vocabulary of 50,000 pseudo-words
  built from syllables (shorter words are the frequent ones), plus a few document-specific
  "topic" words, so that BM25 meets realistic postings: head terms match most chunks, tail
  terms few.
* Embeddings: 384-d float32 unit vectors, clustered: 32 global topics, a centroid per document
  near its topic, each chunk near its document's centroid. Approximate indexes therefore meet
  neighbourhoods rather than uniform noise.
* Queries: 2–3 head words plus 4–6 words of one target chunk; the vector is the target's plus
  noise. Each query has a scope of five documents (the target's and four others) for filtered
  runs.

Every document is generated from ``(seed, document number)`` alone, so document 7 is the same
in a 5,000-chunk set as in a 100,000-chunk set, and documents past the set (for add and crash
tests) can be generated on their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

CHUNKS_PER_DOCUMENT = 100
CHUNKS_PER_PAGE = 4
DIMENSIONS = 384
VOCABULARY_SIZE = 50_000
ZIPF_EXPONENT = 1.1
WORDS_PER_CHUNK = (120, 180)
TOPICS = 32
TOPIC_WORDS_PER_DOCUMENT = 30
TOPIC_WORD_SHARE = 0.04
HEAD_WORDS = 50
# Noise scales (as a share of a unit vector): document around its topic, chunk around its
# document, query around its target chunk.
DOCUMENT_SPREAD = 1.0
CHUNK_SPREAD = 0.9
QUERY_SPREAD = 0.6
DEFAULT_SEED = 20240611

ONSETS = ["b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w"]
ONSETS += ["z", "br", "ch", "dr", "fl", "gr", "kl", "pr", "sh", "st", "th", "tr"]
VOWELS = ["a", "e", "i", "o", "u", "ai", "ea", "io", "ou"]
CODAS = ["", "", "", "n", "r", "s", "l", "m", "t", "x", "nd", "st"]


@dataclass
class Chunks:
    """Columnar chunks: ids, texts, metas and a float32 matrix of unit vectors (one row each)."""

    ids: list[str]
    texts: list[str]
    metas: list[dict]
    vectors: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def document_ids(self) -> list[str]:
        return [meta["document_id"] for meta in self.metas]

    @classmethod
    def concat(cls, parts: list["Chunks"]) -> "Chunks":
        return cls(
            ids=[i for part in parts for i in part.ids],
            texts=[t for part in parts for t in part.texts],
            metas=[m for part in parts for m in part.metas],
            vectors=np.concatenate([part.vectors for part in parts]).astype(np.float32),
        )


@dataclass
class Query:
    """A query: text for BM25, vector for dense search, its target chunk, its 5-document scope."""

    text: str
    vector: np.ndarray
    target_id: str
    scope: list[str] = field(default_factory=list)


def document_id(number: int) -> str:
    return f"d{number:04d}"


@lru_cache(maxsize=4)
def vocabulary(seed: int = DEFAULT_SEED) -> np.ndarray:
    """50,000 distinct pseudo-words, most frequent (shortest) first, as an object array."""
    rng = np.random.default_rng([seed, 0])
    words: dict[str, None] = {}
    while len(words) < VOCABULARY_SIZE:
        for _ in range(VOCABULARY_SIZE):
            syllables = int(rng.choice([1, 2, 2, 3, 3, 3, 4, 4]))
            word = "".join(
                ONSETS[rng.integers(len(ONSETS))]
                + VOWELS[rng.integers(len(VOWELS))]
                + CODAS[rng.integers(len(CODAS))]
                for _ in range(syllables)
            )
            if len(word) >= 3:
                words.setdefault(word, None)
    ordered = sorted(list(words)[:VOCABULARY_SIZE], key=len)
    return np.array(ordered, dtype=object)


@lru_cache(maxsize=4)
def _zipf_cdf(size: int = VOCABULARY_SIZE, exponent: float = ZIPF_EXPONENT) -> np.ndarray:
    weights = 1.0 / np.arange(1, size + 1, dtype=np.float64) ** exponent
    cdf = np.cumsum(weights)
    return cdf / cdf[-1]


def zipf_ranks(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Word ranks (0 = most frequent) with P(rank r) proportional to 1 / (r + 1) ** 1.1."""
    return np.searchsorted(_zipf_cdf(), rng.random(shape), side="right")


def _unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=-1, keepdims=True)).astype(np.float32)


def _noise(rng: np.random.Generator, shape: tuple[int, ...], spread: float) -> np.ndarray:
    """Gaussian noise whose expected norm per row is ``spread`` (for unit-length rows)."""
    return rng.standard_normal(shape) * (spread / np.sqrt(shape[-1]))


@lru_cache(maxsize=4)
def topic_vectors(seed: int = DEFAULT_SEED) -> np.ndarray:
    rng = np.random.default_rng([seed, 1])
    return _unit(rng.standard_normal((TOPICS, DIMENSIONS)))


def make_document(number: int, seed: int = DEFAULT_SEED) -> Chunks:
    """Document ``number``'s 100 chunks, generated from ``(seed, number)`` alone."""
    rng = np.random.default_rng([seed, 2, number])
    words = vocabulary(seed)
    doc_id = document_id(number)
    # Text: Zipf words, with ~4% replaced by the document's own (mid/tail-frequency) topic words.
    longest = WORDS_PER_CHUNK[1]
    ranks = zipf_ranks(rng, (CHUNKS_PER_DOCUMENT, longest))
    topic_words = rng.integers(2_000, VOCABULARY_SIZE, TOPIC_WORDS_PER_DOCUMENT)
    topical = rng.random(ranks.shape) < TOPIC_WORD_SHARE
    ranks[topical] = rng.choice(topic_words, int(topical.sum()))
    lengths = rng.integers(WORDS_PER_CHUNK[0], WORDS_PER_CHUNK[1] + 1, CHUNKS_PER_DOCUMENT)
    texts = [" ".join(words[row[:length]]) for row, length in zip(ranks, lengths)]
    # Vectors: topic → document centroid → chunk.
    topic = topic_vectors(seed)[rng.integers(TOPICS)]
    centroid = _unit(topic + _noise(rng, (DIMENSIONS,), DOCUMENT_SPREAD))
    vectors = _unit(centroid + _noise(rng, (CHUNKS_PER_DOCUMENT, DIMENSIONS), CHUNK_SPREAD))
    ids = [f"{doc_id}-{i:05d}" for i in range(CHUNKS_PER_DOCUMENT)]
    metas = [
        {
            "document_id": doc_id,
            "file_name": f"{doc_id}.pdf",
            "pages": [i // CHUNKS_PER_PAGE + 1],
            "chunk_index": i,
        }
        for i in range(CHUNKS_PER_DOCUMENT)
    ]
    return Chunks(ids=ids, texts=texts, metas=metas, vectors=vectors)


def make_corpus(chunks: int = 100_000, seed: int = DEFAULT_SEED) -> Chunks:
    """``chunks // 100`` documents of 100 chunks (at least one document)."""
    documents = max(1, chunks // CHUNKS_PER_DOCUMENT)
    return Chunks.concat([make_document(number, seed) for number in range(documents)])


def make_queries(corpus: Chunks, count: int = 100, seed: int = DEFAULT_SEED) -> list[Query]:
    """``count`` queries, each aimed at one chunk, with a scope of five documents."""
    rng = np.random.default_rng([seed, 3])
    words = vocabulary(seed)
    all_documents = sorted(set(corpus.document_ids))
    queries = []
    for row in rng.choice(len(corpus), size=count, replace=len(corpus) < count):
        target_words = sorted(set(corpus.texts[row].split()))
        picked = list(rng.choice(target_words, int(rng.integers(4, 7)), replace=False))
        head = [words[r] for r in rng.choice(HEAD_WORDS, int(rng.integers(2, 4)), replace=False)]
        terms = head + picked
        rng.shuffle(terms)
        vector = _unit(corpus.vectors[row] + _noise(rng, (DIMENSIONS,), QUERY_SPREAD))
        target_document = corpus.metas[row]["document_id"]
        others = [d for d in all_documents if d != target_document]
        scope = [target_document] + [
            str(d) for d in rng.choice(others, min(4, len(others)), replace=False)
        ]
        queries.append(
            Query(
                text=" ".join(terms), vector=vector, target_id=corpus.ids[row], scope=sorted(scope)
            )
        )
    return queries


def exact_top_k(
    vectors: np.ndarray, document_ids: np.ndarray, ids: list[str], query: Query, k: int = 10
) -> tuple[list[str], list[str]]:
    """Exact cosine top-``k`` chunk ids over all rows and over the query's scope (numpy)."""
    scores = vectors @ query.vector
    unfiltered = np.argsort(-scores, kind="stable")[:k]
    rows = np.flatnonzero(np.isin(document_ids, query.scope))
    filtered = rows[np.argsort(-scores[rows], kind="stable")[:k]]
    return [ids[i] for i in unfiltered], [ids[i] for i in filtered]
