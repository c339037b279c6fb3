"""Sentence boundaries that survive scholarly text: abbreviations, initials, decimals, markers.

A plain "split after . ! ?" cut "Chan et al. assess" into two claims and let the verifier move
a citation into "et al [4]."; it also split "Fig. 3", "e.g. the" and "J. Smith". Here a full
stop ends a sentence only when what follows could start one: not a lower-case word, and not
after a known abbreviation or a single capital (an initial). Decimals never split (no space).
Citation markers right after the stop ("Claim. [1] Next") stay with the sentence they follow.
"""

from __future__ import annotations

import re

#: Lower-cased, without the final stop. "al" and "etc" may also end a sentence (see below).
ABBREVIATIONS = frozenset(
    "al e.g eg i.e ie cf vs etc fig figs eq eqs sec secs tab ref refs ch vol no nos pp p "
    "approx resp dr mr mrs ms prof jr sr st inc ltd co corp dept univ ca viz".split()
)
_CAN_END_SENTENCE = frozenset({"al", "etc"})
_CANDIDATE = re.compile(
    r"[.!?]+['\")\]]*(?P<markers>(?:\s*\[\s*\d+\s*(?:[,;]\s*\d+\s*)*\])*)(?P<gap>\s+|$)"
)
_LAST_WORD = re.compile(r"([^\s(\[\"']+)$")


def split_sentences(text: str, *, at_newlines: bool = False) -> list[str]:
    """The sentences of ``text``, stripped; with ``at_newlines`` a line break also ends one."""
    return [sentence for sentence, _ in sentences_with_gaps(text, at_newlines=at_newlines)]


def sentences_with_gaps(text: str, *, at_newlines: bool = True) -> list[tuple[str, str]]:
    """Each sentence with the whitespace that followed it (to put the text back together)."""
    parts = re.split(r"(\s*\n\s*)", text.strip()) if at_newlines else [text.strip()]
    found: list[tuple[str, str]] = []
    for i in range(0, len(parts), 2):
        block, line_break = parts[i], parts[i + 1] if i + 1 < len(parts) else ""
        start = 0
        for match in _CANDIDATE.finditer(block):
            if match.end() < len(block) and not _ends_sentence(block, match):
                continue
            sentence = block[start : match.end("markers")].strip()
            if sentence:
                found.append((sentence, match.group("gap")))
            start = match.end()
        rest = block[start:].strip()
        if rest:
            found.append((rest, ""))
        if found and line_break:
            found[-1] = (found[-1][0], line_break)
    return found


def _ends_sentence(text: str, match: re.Match) -> bool:
    following = text[match.end() : match.end() + 1]
    if following.islower():
        return False
    if text[match.start()] != ".":
        return True
    word = _LAST_WORD.search(text, 0, match.start())
    if word is None:
        return True
    token = word.group(1)
    if len(token) == 1 and token.isupper():  # an initial: "J. Smith"
        return False
    lowered = token.lower().rstrip(".")
    if lowered in ABBREVIATIONS:
        return lowered in _CAN_END_SENTENCE and following.isupper()
    return True
