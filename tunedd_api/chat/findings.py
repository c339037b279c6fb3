"""Key findings that keep the summary's promise: full sentences, each with its answer's citations.

A small model asked for "key findings" often writes labels ("Number of hives") or names no
answer, or a wrong one. Each finding it drafts is checked here:

* a full sentence (:func:`is_sentence`) sharing at least a quarter of its content words with
  the answer it names keeps its text and gets that answer's citations; when the named answer
  is missing, out of range, uncited or shares too little, the cited answer sharing the most
  words is used instead, if it shares enough;
* anything else (a label, a fragment, a sentence no answer backs) is replaced by the answer
  sentence that matches it best, with the citations of that sentence's own ``[n]`` markers (or
  of its answer, if it has none);
* a finding that shares no word with any cited answer is dropped.

So while any answer of the conversation has citations, no finding comes back without one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from tunedd_api.turns import Citation, Message
from tunedd_api.chat.extractive import Finding
from tunedd_api.components.grounding import content_words, has_s_ending, word_stem
from tunedd_api.components.sentences import split_sentences

_MARKER = re.compile(r"\s*\[(\d+)\]")
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’-]*")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
_LIST_NUMBER_END = re.compile(r"(?:^|\s)\d+[.)]$")
_TERMINAL = re.compile(r"[.!?][\"'”’)\]]*$")
#: Auxiliaries and frequent verbs of factual statements (any form listed is a finite verb).
_VERBS = frozenset(
    "is are was were be been being am has have had do does did can could may might must shall "
    "should will would cannot isn't aren't wasn't weren't doesn't don't didn't can't won't "
    "use uses include includes contain contains consist consists provide provides show shows "
    "make makes allow allows enable enables require requires need needs describe describes "
    "propose proposes present presents define defines mean means involve involves lead leads "
    "help helps become becomes remain remains rely relies depend depends focus focuses apply "
    "applies achieve achieves improve improves reduce reduces increase increases offer offers "
    "support supports combine combines consider considers treat treats call calls serve serves "
    "take takes give gives find finds identify identifies suggest suggests argue argues note "
    "notes learn learns perform performs act acts work works operate operates refer refers "
    "represent represents measure measures compare compares map maps differ differs exist "
    "exists occur occurs affect affects produce produces cause causes face faces lack lacks "
    "follow follows introduce introduces address addresses explore explores discuss discusses "
    "study studies mention mentions list lists cover covers aim aims seek seeks".split()
)
#: Words after which an -s word is more likely a plural noun than a verb ("hives *on* the").
_NOT_AFTER_VERB = frozenset(
    "of on in for with to from by at as into onto within without across and or but nor than "
    "is are was were be been has have had do does did can could may might must shall should "
    "will would that which who whose".split()
)
_DETERMINERS = frozenset(
    "the these those such many most some all both several other their its our two three four "
    "five multiple".split()
)
_MIN_WORDS = 4


@dataclass(frozen=True)
class Draft:
    """A finding as the model wrote it, and the 1-based number of the answer it names."""

    text: str
    answer: int | None = None


@dataclass(frozen=True)
class _Sentence:
    text: str
    answer: int  # 0-based index into the exchanges
    citations: tuple[Citation, ...]  # of its own markers
    stems: frozenset[str]
    full: bool


def is_sentence(text: str) -> bool:
    """Whether ``text`` reads as a full sentence, not a label: at least four words, a verb-like
    word after the first, a capital (or digit) at the start, final punctuation, one line and
    no list number at the end (sentence splitting cuts list answers after "1.")."""
    text = text.strip()
    words = _WORD.findall(text)
    if len(words) < _MIN_WORDS or not _TERMINAL.search(text) or "\n" in text:
        return False
    if _LIST_NUMBER_END.search(text):  # cut where a list starts: "The stages are: 1."
        return False
    if not (text[0].isupper() or text[0].isdigit()):
        return False
    lowered = [w.lower().strip("'’") for w in words]
    return any(_verb_like(lowered, i) for i in range(1, len(lowered)))


def _verb_like(words: list[str], i: int) -> bool:
    word = words[i]
    if word in _VERBS or (len(word) > 4 and word.endswith("ed")):
        return True
    following = words[i + 1] if i + 1 < len(words) else None
    # "The apiary keeps twelve hives": an -s form followed by a word that can open an object
    # (plural nouns in labels are mostly followed by a preposition or conjunction, or end it).
    if has_s_ending(word) and following is not None and following not in _NOT_AFTER_VERB:
        return True
    # "Volcanoes erupt lava", "The agents negotiate": a base form after a plural subject.
    subject_start = i < 2 or words[i - 2] in _DETERMINERS
    return (
        has_s_ending(words[i - 1])
        and subject_start
        and len(word) > 2
        and word not in _NOT_AFTER_VERB
        and not word.endswith(("s", "ing"))
    )


def ground_findings(
    drafts: Sequence[Draft], pairs: Sequence[tuple[Message, Message]]
) -> list[Finding]:
    """Findings from ``drafts`` that are full sentences carrying citations (see module doc).

    Without any cited answer there is nothing to attach: drafts come back as written."""
    answers = [answer for _, answer in pairs]
    sentences = _answer_sentences(answers)
    if not sentences:
        return _unique([Finding(text=_clean(d.text)) for d in drafts if _clean(d.text)])
    findings = []
    for draft in drafts:
        finding = _ground(draft, answers, sentences)
        if finding is not None:
            findings.append(finding)
    return _unique(findings)


def _ground(draft: Draft, answers: list[Message], sentences: list[_Sentence]) -> Finding | None:
    text = _clean(draft.text)
    stems = _stems(text)
    named = (
        draft.answer - 1 if draft.answer is not None and 1 <= draft.answer <= len(answers) else None
    )
    if is_sentence(text):
        answer = _attribute(stems, named, sentences)
        if answer is not None:
            return Finding(text=text, citations=answers[answer].citations)
    # A label, a fragment, or a sentence no answer backs: the answer sentence closest to it.
    candidates = [s for s in sentences if s.full] or sentences
    scored = [(_match(stems, s, named), s) for s in candidates]
    score, sentence = max(scored, key=lambda pair: pair[0])
    if score <= 0:
        return None
    return Finding(
        text=sentence.text, citations=sentence.citations or answers[sentence.answer].citations
    )


def _attribute(stems: frozenset[str], named: int | None, sentences: list[_Sentence]) -> int | None:
    """The answer a finding comes from: the named one if it shares enough of the finding's
    words (a quarter, at least one), else the cited answer sharing the most, if enough."""
    shared: dict[int, set[str]] = {}
    for sentence in sentences:
        shared.setdefault(sentence.answer, set()).update(stems & sentence.stems)
    enough = max(1.0, len(stems) / 4)
    if named is not None and len(shared.get(named, ())) >= enough:
        return named
    best = max(shared, key=lambda k: (len(shared[k]), -k))
    return best if len(shared[best]) >= enough else None


def _match(stems: frozenset[str], sentence: _Sentence, named: int | None) -> float:
    """Shared words, normalised by sentence length; the named answer wins ties."""
    shared = len(stems & sentence.stems)
    if not shared:
        return 0.0
    return shared / len(sentence.stems) ** 0.5 + (0.01 if sentence.answer == named else 0.0)


def _answer_sentences(answers: list[Message]) -> list[_Sentence]:
    """Sentences of every answer that has citations (list items count as sentences)."""
    result = []
    for k, answer in enumerate(answers):
        if not answer.citations:
            continue
        by_number = {c.number: c for c in answer.citations}
        for line in answer.content.splitlines():
            for raw in split_sentences(_BULLET.sub("", line)):
                text = _clean(raw)
                stems = _stems(text)
                if not stems:
                    continue
                numbers = dict.fromkeys(int(n) for n in _MARKER.findall(raw))
                citations = tuple(by_number[n] for n in numbers if n in by_number)
                result.append(_Sentence(text, k, citations, stems, is_sentence(text)))
    return result


def _clean(text: str) -> str:
    """Without ``[n]`` markers and the spaces they leave before punctuation."""
    return re.sub(r"\s+([.,;:!?])", r"\1", _MARKER.sub("", text)).strip()


def _stems(text: str) -> frozenset[str]:
    """Content words without a plural/third-person ending, so "hive" meets "hives"."""
    return frozenset(word_stem(w) for w in content_words(text))


def _unique(findings: list[Finding]) -> list[Finding]:
    seen: set[str] = set()
    result = []
    for finding in findings:
        key = finding.text.casefold()
        if key not in seen:
            seen.add(key)
            result.append(finding)
    return result


def complete_findings(
    findings: Sequence[Finding], pairs: Sequence[tuple[Message, Message]]
) -> list[Finding]:
    """Findings made another way (extractive): those that are cited full sentences stay; the
    rest are grounded like drafts that name no answer. Never empty while an answer has a cited
    full sentence."""
    answers = [answer for _, answer in pairs]
    sentences = _answer_sentences(answers)
    if not sentences:
        return list(findings)
    result = []
    for finding in findings:
        if finding.citations and is_sentence(finding.text):
            result.append(finding)
            continue
        grounded = _ground(Draft(finding.text), answers, sentences)
        if grounded is not None:
            result.append(grounded)
    if not result:  # every one was dropped: the first full sentence of each cited answer
        firsts = {}
        for sentence in sentences:
            if sentence.full:
                firsts.setdefault(sentence.answer, sentence)
        result = [
            Finding(s.text, s.citations or answers[s.answer].citations) for s in firsts.values()
        ]
    return _unique(result)
