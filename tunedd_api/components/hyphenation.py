"""Words hyphenated at line ends, mended with the document's own vocabulary.

A hyphen at the end of a line is either typesetting ("implemen-/tation") or part of the word
("no-/logging", "multi-/agent", "GPT-/4"). The old rule joined every lowercase pair. That
turned "no-logging" into "nologging", a word that neither BM25 nor the embedder matches to
"no-logging" in a question, and it left "GPT- 4" with a space. Each break is now decided by
what the same document writes elsewhere:

1. the joined word occurs elsewhere ("information"): join;
2. the hyphenated word occurs elsewhere ("multi-agent"): keep the hyphen;
3. an acronym or a number before it, or a capital or number after it ("LLM-/based",
   "GPT-/4"): keep it;
4. both sides are words of the document ("no", "logging"): keep it;
5. otherwise a syllable was cut ("implemen", "tation"): join.
"""

from __future__ import annotations

import re
from typing import Iterable

_BREAK = re.compile(r"([^\W_]+)-[ \t]*\n[ \t]*([^\W_]+)")
_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*")
#: Addresses are left out of the vocabulary: "com" or "www" are not words of the text.
_ADDRESS = re.compile(r"\S*(?:://|www\.|@|\.(?:com|org|net|edu|gov|io)\b)\S*", re.IGNORECASE)


def mend_hyphenation(pages: list[str]) -> list[str]:
    """The pages with every word hyphenated across a line break joined or kept hyphenated."""
    words, compounds = _vocabulary(_BREAK.sub(" ", page) for page in pages)

    def mend(match: re.Match[str]) -> str:
        first, second = match.group(1), match.group(2)
        return first + _joint(first, second, words, compounds) + second

    return [_BREAK.sub(mend, page) for page in pages]


def _vocabulary(texts: Iterable[str]) -> tuple[set[str], set[str]]:
    """The lowercase words and hyphenated words of texts.

    The parts of a hyphenated word are not words by themselves: "pre-trained" does not make
    "pre" a word, so "pre-/serve" is still joined.
    """
    words: set[str] = set()
    compounds: set[str] = set()
    for text in texts:
        for word in _WORD.findall(_ADDRESS.sub(" ", text.lower())):
            (compounds if "-" in word else words).add(word)
    return words, compounds


def _joint(first: str, second: str, words: set[str], compounds: set[str]) -> str:
    """``""`` to join the two halves, ``"-"`` to keep the hyphen."""
    if (first + second).lower() in words:
        return ""
    if f"{first}-{second}".lower() in compounds:
        return "-"
    if _is_acronym_or_number(first) or second[0].isupper() or _has_digit(second):
        return "-"
    if first.lower() in words and second.lower() in words:
        return "-"
    return ""


def _is_acronym_or_number(part: str) -> bool:
    return (len(part) > 1 and part.isupper()) or _has_digit(part)


def _has_digit(part: str) -> bool:
    return any(char.isdigit() for char in part)
