"""Judges an answer against the labelled facts and contradictions of its question.

No LLM is involved: the answer and every labelled phrase are normalised the same way
(:func:`normalise`) and a phrase counts only as a whole-word occurrence (:func:`mentions`), so
"no" is not found in "know" and "72" is not found in "1972". A fact group is matched when one
of its alternatives is mentioned; a contradiction is a phrase a correct answer never contains
(the wrong count, the swapped condition, a wrong expansion of an acronym).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from tunedd_api.evaluation.dataset import EvalQuestion

VerdictKind = Literal["correct", "partial", "wrong", "refused"]

#: ``[1]``, ``[2, 3]``, ``[4-6]``: the app's citation markers (and the papers' own).
_CITATION = re.compile(r"\[\s*\d+(?:\s*[,;\u2013-]\s*\d+)*\s*\]")
#: Hyphens, dashes, the minus sign and slashes separate words.
_SEPARATORS = re.compile(r"[\-\u2010-\u2015\u2212/\\]")
_APOSTROPHES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u02bc": "'", "`": "'"})
#: Punctuation other than apostrophes, dots and per cent signs becomes a space.
_PUNCTUATION = re.compile(r"[^\w\s'.%]")
_LOOSE_DOT = re.compile(r"(?<!\d)\.|\.(?!\d)")  # a dot that is not a decimal point
_LOOSE_APOSTROPHE = re.compile(r"(?<!\w)'|'(?!\w)")  # quotes, not "let's" or "agent's"


def normalise(text: str) -> str:
    """NFKC, lower case, no citation markers, hyphens/dashes/slashes as spaces, punctuation
    around words removed (decimal points, apostrophes inside words and ``%`` kept), one space
    between words."""
    text = unicodedata.normalize("NFKC", text).lower().translate(_APOSTROPHES)
    text = _CITATION.sub(" ", text)
    text = _SEPARATORS.sub(" ", text)
    text = _PUNCTUATION.sub(" ", text)
    text = _LOOSE_DOT.sub(" ", text)
    text = _LOOSE_APOSTROPHE.sub(" ", text)
    return " ".join(text.split())


def mentions(normalised_text: str, phrase: str) -> bool:
    """Whether ``phrase`` occurs as whole words in an already normalised text; a trailing
    plural ``s``/``es`` or possessive ``'s`` on the phrase's last word is tolerated."""
    wanted = normalise(phrase)
    if not wanted:
        return False
    pattern = rf"(?<![\w']){re.escape(wanted)}(?:'s|s'|es|s)?(?![\w'])"
    return re.search(pattern, normalised_text) is not None


@dataclass(frozen=True)
class Verdict:
    """How an answer fares: the verdict and the evidence for it."""

    verdict: VerdictKind
    matched_facts: tuple[tuple[str, ...], ...] = ()
    missing_facts: tuple[tuple[str, ...], ...] = ()
    contradictions: tuple[str, ...] = ()


def judge(question: EvalQuestion, answer_text: str, answered: bool) -> Verdict:
    """The verdict on one answer.

    ``answered`` is whether the app answered from the documents (rather than refusing).
    Unanswerable questions: refusing is right (``refused``), answering is ``wrong``.
    Answerable questions: not answered is ``refused`` (a false refusal); any contradiction,
    or no fact group matched, is ``wrong``; every group matched is ``correct``; else
    ``partial``.
    """
    if not question.answerable:
        return Verdict("wrong" if answered else "refused")
    text = normalise(answer_text)
    matched = tuple(g for g in question.keywords if any(mentions(text, alt) for alt in g))
    missing = tuple(g for g in question.keywords if g not in matched)
    contradicted = tuple(c for c in question.contradictions if mentions(text, c))
    if not answered:
        return Verdict("refused", matched, missing, contradicted)
    if contradicted or (question.keywords and not matched):
        kind: VerdictKind = "wrong"
    elif not missing:
        kind = "correct"
    else:
        kind = "partial"
    return Verdict(kind, matched, missing, contradicted)
