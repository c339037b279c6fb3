"""What a verified answer may be shown as: never an unsupported answer presented as grounded.

The citation check scores every sentence of the model's reply against the sources. A reply
with no supported sentence (invented numbers, a wrong paper), one whose first claim (the one
that answers; small models answer first and elaborate after) is unsupported, one reduced to
nothing by the check (markers used as words), or one that fails a check of
:mod:`tunedd_api.components.answer_checks` (it only restates the question, gives no number for
"how many", no name for "which country", says yes/no against the passage it cites, or names the
best of several citing no passage that compares) is not returned as the model wrote it.
Instead the turn answers with:

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
from typing import Any, Literal

from haystack import component

from tunedd_api.components.answer_checks import (
    asks_comparison,
    asks_name,
    asks_quantity,
    cites_comparison,
    contradicts_polarity,
    restates_question,
    states_name,
    states_quantity,
)
from tunedd_api.components.evidence_selector import EvidenceSentence, rank_by_words
from tunedd_api.components.grounding import content_words
from tunedd_api.turns import Answer, Citation, RetrievedChunk

logger = logging.getLogger(__name__)

Fallback = Literal["quote", "refuse"]
QUOTE_INTRO = (
    "I could not verify an answer to this in the documents. The passages closest to the "
    "question say:"
)
_QUOTED_SENTENCES = 2


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
        if asks_quantity(question) and not states_quantity(answer):
            return "no number for a question asking for one"
        if asks_name(question) and not states_name(question, answer):
            return "no name for a question asking for one"
        if contradicts_polarity(question, answer):
            return "yes/no contradicts the cited passage"
        if asks_comparison(question) and not cites_comparison(answer):
            return "no cited passage compares, for a question asking which is best"
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
            Citation.from_source(
                number,
                sources[number - 1],
                snippet=" ".join(e.text for e in picked if e.source == number)[:300],
                support=1.0,
            )
            for number in sorted({e.source for e in picked})
        )
        return Answer(
            text=f"{QUOTE_INTRO} {quoted}",
            citations=citations,
            answered_from_documents=False,
            groundedness=1.0,
            kind="quote",
        )
