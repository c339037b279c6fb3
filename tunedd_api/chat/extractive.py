"""The extractive conversation summary: no LLM, so it is instant and cannot fail.

Used when the LLM summary times out, errors or returns unusable JSON. Key findings are the
answer sentences that carry the conversation's most frequent content words (a TF centrality
score), kept in conversation order with the citations of their own markers; questions the
documents could not answer become the open questions.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from tunedd_api.turns import Citation, Message
from tunedd_api.components.grounding import content_words
from tunedd_api.components.sentences import split_sentences

_MARKER = re.compile(r"\[(\d+)\]")
_MAX_FINDINGS = 5
_MAX_QUESTIONS_LISTED = 5


@dataclass(frozen=True)
class Finding:
    """A key finding and the citations that back it."""

    text: str
    citations: tuple[Citation, ...] = ()


@dataclass(frozen=True)
class SummaryContent:
    """What a summary says, whichever way it was made."""

    summary: str
    key_findings: list[Finding]
    open_questions: list[str]
    action_items: list[str]


def exchanges(messages: tuple[Message, ...]) -> list[tuple[Message, Message]]:
    """(question, answer) pairs in order."""
    return [
        (messages[i], messages[i + 1])
        for i in range(len(messages) - 1)
        if messages[i].role == "user" and messages[i + 1].role == "assistant"
    ]


def extractive_summary(messages: tuple[Message, ...], not_found_answer: str) -> SummaryContent:
    """Summarise by selecting sentences; deterministic for the same messages."""
    pairs = exchanges(messages)
    answered = [(q, a) for q, a in pairs if a.content != not_found_answer]
    unanswered = [q.content for q, a in pairs if a.content == not_found_answer]
    candidates = [
        (order, sentence, answer)
        for order, (_, answer) in enumerate(answered)
        for sentence in split_sentences(answer.content)
        if len(content_words(sentence)) >= 3
    ]
    frequencies = Counter(word for _, s, _ in candidates for word in content_words(s))
    ranked = sorted(
        range(len(candidates)),
        key=lambda i: -_centrality(candidates[i][1], frequencies),
    )[:_MAX_FINDINGS]
    findings = [_finding(candidates[i][1], candidates[i][2]) for i in sorted(ranked)]
    return SummaryContent(
        summary=_overview(pairs, len(answered)),
        key_findings=findings,
        open_questions=unanswered,
        action_items=[],
    )


def _centrality(sentence: str, frequencies: Counter) -> float:
    words = content_words(sentence)
    return sum(frequencies[w] for w in words) / (len(words) ** 0.5)


def _finding(sentence: str, answer: Message) -> Finding:
    numbers = {int(n) for n in _MARKER.findall(sentence)}
    citations = tuple(c for c in answer.citations if c.number in numbers)
    return Finding(text=_MARKER.sub("", sentence).replace(" .", ".").strip(), citations=citations)


def _overview(pairs: list[tuple[Message, Message]], answered: int) -> str:
    if not pairs:
        return "The conversation has no messages yet."
    questions = [q.content.rstrip("?. ") for q, _ in pairs[:_MAX_QUESTIONS_LISTED]]
    more = len(pairs) - len(questions)
    listed = "; ".join(questions) + (f"; and {more} more" if more > 0 else "")
    return f"{len(pairs)} question(s) asked, {answered} answered from the documents: {listed}."
