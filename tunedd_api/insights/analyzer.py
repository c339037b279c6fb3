"""Sub-theme discovery for one theme's sentences: embed → cluster → label → flag.

Nothing is stored: the input lives only for the request. Output order is deterministic for
the same input: clusters by size (then first appearance), sentence ids in input order.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from tunedd_api.components.generator import GuardedChatGenerator
from tunedd_api.insights.clustering import centroid, cluster
from tunedd_api.insights.labelling import ClusterLabel, label_clusters
from tunedd_api.insights.sentiment import (
    NEGATIVE_ANCHORS,
    POSITIVE_ANCHORS,
    Sentiment,
    sentence_scores,
)

_ENGLISH = frozenset(
    "the a an and or is are was it this that to of in for on with my i you not".split()
)
_MIN_USEFUL = 3
_DUPLICATE_SIMILARITY = 0.9
_OFF_THEME_SIMILARITY = 0.1


@dataclass(frozen=True)
class InputSentence:
    """One sentence and the id of the comment it came from."""

    id: str
    sentence: str


@dataclass(frozen=True)
class Cluster:
    """A discovered sub-theme."""

    title: str
    sentiment: Sentiment
    sentiment_score: float
    sentences: list[InputSentence]
    key_insights: list[str]
    flags: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ThemeAnalysis:
    """Every input sentence is in exactly one cluster or in ``unclustered``."""

    theme: str
    clusters: list[Cluster]
    unclustered: list[InputSentence]
    flags: list[str]
    labels_by: str  # "llm" or "keywords"
    seconds: float


class ThemeAnalyzer:
    """Finds sub-themes with the app's embedder and chat model."""

    def __init__(
        self,
        *,
        embed_texts: Callable[[list[str]], Any],
        chat_model: GuardedChatGenerator | None,
        distance_threshold: float,
        time_budget_s: float,
        min_llm_s: float,
    ) -> None:
        self._embed = embed_texts
        self._model = chat_model
        self._threshold = distance_threshold
        self._budget = time_budget_s
        self._min_llm_s = min_llm_s

    def analyze(self, theme: str, sentences: list[InputSentence]) -> ThemeAnalysis:
        """Cluster and label ``sentences`` (blocking)."""
        started = time.monotonic()
        anchors = POSITIVE_ANCHORS + NEGATIVE_ANCHORS
        texts = [s.sentence for s in sentences]
        vectors = np.asarray(self._embed(anchors + [theme] + texts), np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        vectors /= np.clip(norms, 1e-12, None)
        positive = centroid(vectors[: len(POSITIVE_ANCHORS)])
        negative = centroid(vectors[len(POSITIVE_ANCHORS) : len(anchors)])
        norms = norms[len(anchors) :]
        vectors = vectors[len(anchors) :]
        theme_vector, sentence_vectors = vectors[0], vectors[1:]
        scores = sentence_scores(texts, sentence_vectors, positive, negative)
        # A text the embedder maps to the zero vector (e.g. only punctuation) has no direction
        # to compare: it stays unclustered.
        usable = np.flatnonzero(norms[1:, 0] > 1e-12)
        labels = [-1] * len(sentences)
        for row, label in zip(
            usable, cluster(sentence_vectors[usable], distance_threshold=self._threshold)
        ):
            labels[row] = label
        groups = sorted({label for label in labels if label >= 0})
        members = [[i for i, label in enumerate(labels) if label == g] for g in groups]
        centroids = [centroid(sentence_vectors[m]) for m in members]
        representatives = [
            [
                sentences[i].sentence
                for i in sorted(m, key=lambda i: -float(sentence_vectors[i] @ c))
            ]
            for m, c in zip(members, centroids)
        ]
        grouped = [[sentences[i].sentence for i in m] for m in members]
        time_left = self._budget - (time.monotonic() - started)
        cluster_labels, fallback = label_clusters(
            self._model,
            grouped,
            representatives,
            [[scores[i] for i in m] for m in members],
            theme,
            time_left,
            self._min_llm_s,
        )
        clusters = [
            _cluster(
                label, [sentences[i] for i in m], _flags(m, c, centroids, theme_vector, grouped[k])
            )
            for k, (label, m, c) in enumerate(zip(cluster_labels, members, centroids))
        ]
        unclustered = [s for s, label in zip(sentences, labels) if label < 0]
        flags = [fallback] if fallback else []
        if not clusters:
            flags.append("no_clusters_found")
        return ThemeAnalysis(
            theme=theme,
            clusters=clusters,
            unclustered=unclustered,
            flags=flags,
            labels_by="keywords" if fallback else "llm",
            seconds=round(time.monotonic() - started, 3),
        )


def _cluster(label: ClusterLabel, members: list[InputSentence], flags: list[str]) -> Cluster:
    return Cluster(
        title=label.title,
        sentiment=label.sentiment,
        sentiment_score=label.sentiment_score,
        sentences=members,
        key_insights=label.key_insights,
        flags=flags,
    )


def _flags(
    members: list[int],
    own: np.ndarray,
    centroids: list[np.ndarray],
    theme_vector: np.ndarray,
    texts: list[str],
) -> list[str]:
    """Low-value signals to show, not to hide: tiny, near-duplicate, off-theme, non-English."""
    flags = []
    if len(members) < _MIN_USEFUL:
        flags.append("tiny")
    others = [float(own @ c) for c in centroids if c is not own]
    if others and max(others) > _DUPLICATE_SIMILARITY:
        flags.append("near_duplicate")
    if float(own @ theme_vector) < _OFF_THEME_SIMILARITY:
        flags.append("off_theme")
    words = [w for t in texts for w in re.findall(r"[a-z']+", t.lower())]
    if words and sum(w in _ENGLISH for w in words) / len(words) < 0.05:
        flags.append("possibly_non_english")
    return flags
