"""What a verified answer may be shown as: never an unsupported answer presented as grounded.

The citation check scores every sentence of the model's reply against the sources. A reply
with no supported sentence (invented numbers, a wrong paper), one whose first claim (the one
that answers; small models answer first and elaborate after) is unsupported or only restates
the question ("The authors recommend a vector database [1]."), one with no
number for a question asking for one ("how many"), one reduced to nothing by the check
(markers used as words), or a yes/no answer whose polarity contradicts the sentence it cites
is not returned as the model wrote it. Instead the turn answers with:

* ``quote`` (default): the best evidence sentences, verbatim with their citations, introduced
  as a quote, so the user reads what the documents say rather than what the model made of it;
  when no evidence sentence shares a content word with the question, the refusal. A quote is
  not an answer: ``answered_from_documents`` is false and ``kind`` is ``quote``, since nothing
  checked that the quoted sentences answer the question (for a question the documents do not
  answer, the model invents and the closest passage is still only near the topic);
* ``refuse``: the refusal.

Own component: nothing stock judges a generated answer against its sources.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Literal

from haystack import component

from tunedd_api.components.evidence_selector import EvidenceSentence, rank_by_words
from tunedd_api.components.grounding import content_words
from tunedd_api.components.sentences import split_sentences
from tunedd_api.turns import Answer, Citation, RetrievedChunk

logger = logging.getLogger(__name__)

Fallback = Literal["quote", "refuse"]
QUOTE_INTRO = (
    "I could not verify an answer to this in the documents. The passages closest to the "
    "question say:"
)
_YES_NO_QUESTION = re.compile(
    r"^\s*(is|are|was|were|does|do|did|can|could|should|has|have|had|will|would|may|might)\b",
    re.IGNORECASE,
)
_POLAR_ANSWER = re.compile(r"^\W*(yes|no)\b", re.IGNORECASE)
_NEGATION = re.compile(
    r"\b(not|no|never|cannot|can't|neither|nor|without|lacks?|lacking|fails?|unable|none)\b"
    r"|n't\b",
    re.IGNORECASE,
)
_QUOTED_SENTENCES = 2
_MIN_CLAIM_WORDS = 3
_CHOICE = re.compile(r"\b\w+,? or \w+", re.IGNORECASE)
_MARKERS = re.compile(r"\s*\[(\d+|unverified)\]")
_QUANTITY_QUESTION = re.compile(
    r"^\W*(how many|how much|how long|how often|what (percentage|number|fraction|proportion"
    r"|share|amount|accuracy|rate|score|throughput|fine|threshold|cost|size|count))\b"
    r"|\b(how many|how much)\b",
    re.IGNORECASE,
)
_QUANTITY = re.compile(
    r"\d|\b(zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?"
    r"|hundreds?|thousands?|millions?|billions?|half|twice|once|none|single|several|all)\b",
    re.IGNORECASE,
)


def restates_question(question: str, answer: Answer) -> bool:
    """Whether no supported claim of the answer says anything the question did not say.

    "Which vector database do the authors recommend for long-term memory?" → "The authors
    recommend a vector database for long-term memory [1]." is supported by the passage and
    answers nothing; a model that does not find the answer often writes exactly that.
    """
    if _CHOICE.search(question):
        return False  # the question offers the options: picking one adds no new word
    text = _MARKERS.sub("", answer.text)
    unsupported = {s.rstrip(".!?") for s in answer.unsupported_sentences}
    claims = [
        s
        for s in split_sentences(text, at_newlines=True)
        if len(content_words(s)) >= _MIN_CLAIM_WORDS and s.rstrip(".!?") not in unsupported
    ]
    asked = {_stem(word) for word in _words(question)}
    return bool(claims) and all(_stem(word) in asked for claim in claims for word in _words(claim))


def _words(text: str) -> set[str]:
    """Content words and every number (a one-digit answer is still an answer)."""
    return content_words(text) | set(re.findall(r"\d+", text))


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


def asks_quantity(question: str) -> bool:
    """Whether the question asks for a number ("how many", "what percentage", ...)."""
    return _QUANTITY_QUESTION.search(question) is not None


def _states_quantity(answer: Answer) -> bool:
    """Whether a supported sentence of the answer states a number (digits or a number word)."""
    text = _MARKERS.sub(" ", answer.text)
    for sentence in answer.unsupported_sentences:
        text = text.replace(sentence.rstrip(".!?"), " ")
    return _QUANTITY.search(text) is not None


def contradicts_polarity(question: str, answer: Answer) -> bool:
    """A "yes"/"no" answer whose first cited passage says the opposite (negation or not)."""
    if not _YES_NO_QUESTION.search(question) or not answer.citations:
        return False
    said = _POLAR_ANSWER.search(answer.text)
    if said is None:
        return False
    answer_negative = said.group(1).lower() == "no"
    source_negative = _NEGATION.search(answer.citations[0].snippet) is not None
    return answer_negative != source_negative


@component
class AnswerPolicy:
    """Replaces an answer the sources do not back by a quote of the evidence or the refusal.

    :param fallback: ``quote`` the best evidence sentences, or ``refuse``.
    """

    def __init__(self, *, fallback: Fallback = "quote") -> None:
        self.fallback = fallback

    @component.output_types(answer=Answer)
    def run(
        self,
        answer: Answer,
        question: str,
        sources: list[RetrievedChunk],
        evidence: list[EvidenceSentence] | None = None,
    ) -> dict[str, Any]:
        """The answer as it may be shown.

        :param answer: The verified answer.
        :param question: The (standalone) question.
        :param sources: The sources the prompt numbered, in order.
        :param evidence: Candidate sentences, best first, with their source numbers.
        :returns: ``answer``: unchanged, the quote or the refusal.
        """
        reason = self._reason(answer, question)
        if reason is None:
            return {"answer": answer}
        logger.info("Answer not shown as written (%s) for %r", reason, question)
        quote = self._quote(question, sources, evidence or []) if self.fallback == "quote" else None
        return {"answer": quote or Answer.not_found()}

    @component.output_types(answer=Answer)
    async def run_async(
        self,
        answer: Answer,
        question: str,
        sources: list[RetrievedChunk],
        evidence: list[EvidenceSentence] | None = None,
    ) -> dict[str, Any]:
        """Like ``run``, on the event loop (no model or I/O call).

        :param answer: The verified answer.
        :param question: The (standalone) question.
        :param sources: The sources the prompt numbered, in order.
        :param evidence: Candidate sentences, best first, with their source numbers.
        :returns: As ``run``.
        """
        return self.run(answer=answer, question=question, sources=sources, evidence=evidence)

    @staticmethod
    def _reason(answer: Answer, question: str) -> str | None:
        if not answer.answered_from_documents:
            return None
        if answer.groundedness is None:
            return "no claim left"
        if answer.groundedness == 0.0 or not answer.citations:
            return "no supported sentence"
        if not answer.lead_supported:
            return "the sentence that answers is unsupported"
        if restates_question(question, answer):
            return "the answer only restates the question"
        if asks_quantity(question) and not _states_quantity(answer):
            return "no number for a question asking for one"
        if contradicts_polarity(question, answer):
            return "yes/no contradicts the cited passage"
        return None

    def _quote(
        self, question: str, sources: list[RetrievedChunk], evidence: list[EvidenceSentence]
    ) -> Answer | None:
        asked = content_words(question)
        picked = [
            e
            for e in evidence or rank_by_words(question, sources)
            if 0 < e.source <= len(sources) and e.score >= 0 and asked & content_words(e.text)
        ][:_QUOTED_SENTENCES]
        if not picked:
            return None
        picked.sort(key=lambda e: (e.source, e.position))
        quoted = " ".join(f"“{e.text.strip()}” [{e.source}]" for e in picked)
        citations = tuple(
            _citation(number, sources[number - 1], [e.text for e in picked if e.source == number])
            for number in sorted({e.source for e in picked})
        )
        return Answer(
            text=f"{QUOTE_INTRO} {quoted}",
            citations=citations,
            answered_from_documents=False,
            groundedness=1.0,
            kind="quote",
        )


def _citation(number: int, source: RetrievedChunk, sentences: list[str]) -> Citation:
    meta = source.document.meta
    return Citation(
        number=number,
        document_id=meta["document_id"],
        file_name=meta["file_name"],
        title=meta.get("title", meta["file_name"]),
        pages=source.pages,
        snippet=" ".join(sentences)[:300],
        score=round(source.similarity, 4),
        support=1.0,
    )
