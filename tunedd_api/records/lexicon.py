"""An independent, deliberately simple sentiment check for short social-media texts.

It only speaks when a text is *obviously* polar — at least two more positive than negative cues
(or the reverse), or an emoticon without contrary cues — and abstains otherwise. The quality
report compares the model's sentiment with it on those texts: disagreement there is a red flag,
since any sensible model should get them right.
"""

from __future__ import annotations

import re

_POSITIVE = frozenset(
    """love loved loving lovely great awesome amazing excellent fantastic wonderful happy glad
    yay fun best beautiful perfect thanks thank congrats congratulations excited exciting enjoy
    enjoyed enjoying nice good cool brilliant proud win won winning delicious sweet smile
    laugh laughing haha hooray woohoo fabulous superb adore finally""".split()
)
_NEGATIVE = frozenset(
    """hate hated hating sad awful terrible horrible worst bad sick tired exhausted miss missed
    missing sucks suck sucked ugh cry crying cried hurt hurts pain angry annoyed annoying
    lonely bored boring broke broken fail failed failing lost lose losing disappointed
    disappointing upset depressed stressed stress worried worse ruined ill headache rain
    rainy cancelled canceled stuck late""".split()
)
_NEGATORS = frozenset("not no never isn't wasn't don't doesn't didn't can't cannot won't".split())
_POSITIVE_EMOTICONS = (":)", ":-)", ":d", ":-d", "=)", ";)", "<3", ":p")
_NEGATIVE_EMOTICONS = (":(", ":-(", ":'(", "=(", ":/", "d:")
_WORD = re.compile(r"[a-z']+")


def lexicon_sentiment(text: str) -> str | None:
    """``positive`` / ``negative`` for obviously polar texts, else None (abstain)."""
    lowered = text.lower()
    positive = sum(lowered.count(e) for e in _POSITIVE_EMOTICONS)
    negative = sum(lowered.count(e) for e in _NEGATIVE_EMOTICONS)
    emoticons = positive + negative
    flip_left = 0
    for word in _WORD.findall(lowered):
        polarity = (word in _POSITIVE) - (word in _NEGATIVE)
        if flip_left:
            polarity, flip_left = -polarity, flip_left - 1
        if word in _NEGATORS:
            flip_left = 2
        positive += polarity > 0
        negative += polarity < 0
    if positive and negative:
        return None  # mixed cues: not obvious
    if positive >= 2 or (positive and emoticons):
        return "positive"
    if negative >= 2 or (negative and emoticons):
        return "negative"
    return None
