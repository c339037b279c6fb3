"""A small English sentiment lexicon with negation: the deterministic fallback for clusters.

Scores are in [-1, 1] per sentence; a cluster's label comes from the share of positive and
negative sentences (``mixed`` when both are substantial).
"""

from __future__ import annotations

import re
from typing import Literal

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


def cluster_sentiment(sentences: list[str]) -> tuple[Sentiment, float]:
    """Cluster label and mean score."""
    scores = [sentence_score(s) for s in sentences]
    mean = sum(scores) / len(scores) if scores else 0.0
    positive = sum(s > 0 for s in scores) / max(len(scores), 1)
    negative = sum(s < 0 for s in scores) / max(len(scores), 1)
    if positive >= 0.3 and negative >= 0.3:
        return "mixed", round(mean, 3)
    if mean > 0.15:
        return "positive", round(mean, 3)
    if mean < -0.15:
        return "negative", round(mean, 3)
    return "neutral", round(mean, 3)
