"""An answer's sentences with their citation markers: parsed out of the model's reply and
rendered back after the citation check.

Markers are pulled out of each sentence (``[1]``, ``[2, 3]``); markers naming no source are
dropped; a sentence that only made sense with its markers as words ("The measures are [1],
[2], and [3].") is dropped as a fragment; rendering puts the kept markers before the final
punctuation and ``[unverified]`` on unsupported claims when asked to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tunedd_api.components.grounding import Support, content_words
from tunedd_api.components.sentences import sentences_with_gaps
from tunedd_api.turns import DroppedCitation

_MARKER_GROUP = re.compile(r"\s*\[(\s*\d+\s*(?:[,;]\s*\d+\s*)*)\]")
_TRAILING_PUNCTUATION = re.compile(r"([.!?:;]*)\s*$")
#: Left behind when markers stood in for words: ",," / ", and." / "are." / "such as:" /
#: "are and, respectively" (from "are [1] and [2], respectively").
_DANGLING = re.compile(
    r"[,;:]\s*[,;:.!?]|\b(are|is|was|were|include|includes|including|and|or|of|as|by|in|to"
    r"|the|a|an|namely|such as|following|between)\s*[.!?:]?$"
    r"|\b(are|were|include|includes|including|namely)\s+(and|or)\b|\b(and|or)\s*,\s*respectively",
    re.IGNORECASE,
)
#: "According to [1], ..." and "As shown in [2], ..." once the marker is gone.
_EMPTY_OPENER = re.compile(
    r"^(according to|as (stated|shown|described|mentioned|noted|discussed|seen) in|in|from|see)"
    r"\s*,\s*",
    re.IGNORECASE,
)
UNVERIFIED = "[unverified]"
#: Sentences with fewer content words ("Sure.", "In summary:") are not claims.
_MIN_CLAIM_WORDS = 3


@dataclass
class AnswerSentence:
    """One sentence of the answer, its markers and how well each source supports it."""

    text: str  # without markers
    markers: list[int]
    trailing: str  # whitespace that followed it in the answer
    support: list[Support] = field(default_factory=list)

    @property
    def is_claim(self) -> bool:
        """Enough content words to claim something ("Sure." and "In summary:" do not)."""
        return len(content_words(self.text)) >= _MIN_CLAIM_WORDS


def parse_answer(
    answer: str, source_count: int
) -> tuple[list[AnswerSentence], list[DroppedCitation]]:
    """Split into sentences, pull out markers, and drop markers naming no source."""
    sentences: list[AnswerSentence] = []
    dropped: list[DroppedCitation] = []
    for raw, trailing in sentences_with_gaps(answer):
        numbers = [
            int(n) for group in _MARKER_GROUP.findall(raw) for n in re.findall(r"\d+", group)
        ]
        text = _repair(re.sub(r"\s+([.,;:!?])", r"\1", _MARKER_GROUP.sub("", raw)).strip())
        valid = [n for n in dict.fromkeys(numbers) if 1 <= n <= source_count]
        dropped += [
            DroppedCitation(n, "no_such_source", text)
            for n in numbers
            if not 1 <= n <= source_count
        ]
        if text and is_fragment(text, had_markers=bool(numbers)):
            # "The measures assessed are [1], [2], and [3]." without its markers
            dropped += [DroppedCitation(n, "fragment", text) for n in valid]
            continue
        if text:
            sentences.append(AnswerSentence(text=text, markers=valid, trailing=trailing))
    return sentences, dropped


def _repair(text: str) -> str:
    """Drop an opener left empty by a removed marker: "According to [1], X" → "X"."""
    repaired = _EMPTY_OPENER.sub("", text)
    if repaired == text or not repaired:
        return text
    return repaired[0].upper() + repaired[1:]


def is_fragment(text: str, *, had_markers: bool = True) -> bool:
    """True for what is left of a sentence that used citation markers as its words ("This is
    mentioned in.", "The measures are,, and."); a short sentence counts only if it had markers
    ("1." opening a list item stays)."""
    if _DANGLING.search(text):
        return True
    return had_markers and len(content_words(text)) < _MIN_CLAIM_WORDS - 1


def render_answer(sentences: list[AnswerSentence], marked: set[str] | None = None) -> str:
    """Sentences with their markers placed before the final punctuation: ``claim [1][3].``

    Sentences in ``marked`` (unsupported claims) get ``[unverified]`` in place of markers.
    """
    out = []
    for sentence in sentences:
        text = sentence.text
        markers = "".join(f"[{n}]" for n in sentence.markers)
        if not markers and sentence.text in (marked or ()):
            markers = UNVERIFIED
        if markers:
            match = _TRAILING_PUNCTUATION.search(text)
            text = f"{text[: match.start()].rstrip()} {markers}{match.group(1)}"
        out.append(text + (sentence.trailing or " "))
    return "".join(out).strip()
