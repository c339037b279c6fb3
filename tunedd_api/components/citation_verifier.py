"""Verifies the model's ``[n]`` citations sentence by sentence and scores groundedness.

For every sentence of the answer:

* markers naming no source are removed (``no_such_source``);
* each remaining marker is kept only if its source supports the sentence (support ≥ threshold,
  see :mod:`tunedd_api.components.grounding`); otherwise it is removed (``unsupported``);
* a sentence left without a marker gets one for its best-supporting source when that source
  clears the threshold (small models often forget to cite, or cite the neighbouring source);
* which sources may back a sentence at all is :mod:`tunedd_api.components.claim_backing`'s:
  no reference list (unless the question asks about references), and every number or name the
  sentence states found in the source, a chunk next to it, another cited source or the question.

Groundedness is the share of answer sentences supported by at least one source.
``CitationVerifier`` is the chat graph's last step: it turns the model's reply into an
:class:`~tunedd_api.turns.Answer`, or the refusal when nothing in the reply is supported.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from haystack import component, default_from_dict, default_to_dict
from haystack.dataclasses import ChatMessage

from tunedd_api.components.answer_checks import adds_to
from tunedd_api.components.answer_sentences import AnswerSentence, parse_answer, render_answer
from tunedd_api.components.nesting import nested_from_dict, nested_to_dict
from tunedd_api.components.grounding import (
    Support,
    SupportScorer,
    content_words,
)
from tunedd_api.components.embedders import embed_texts
from tunedd_api.components.claim_backing import (
    adjacent_chunks,
    asserts_beyond,
    reference_list_sources,
)
from tunedd_api.components.reference_lists import asks_for_references
from tunedd_api.resilience import Guards
from tunedd_api.turns import Answer, Citation, DroppedCitation, RetrievedChunk

logger = logging.getLogger(__name__)

_SNIPPET_CHARS = 300
UnsupportedMode = Literal["keep", "mark", "drop"]


#: The model's own ways of saying the sources do not answer (checked only when no sentence of
#: the answer is supported by a source).
REFUSAL = re.compile(
    r"\b(do(es)?\s+not|don't|doesn't|cannot|can't|no)\s+"
    r"(contain|provide|mention|include|say|answer|information|specify|discuss|find|found)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class VerifiedAnswer:
    """The answer with verified markers, its citations, and how grounded it is."""

    text: str
    citations: list[Citation]
    dropped: list[DroppedCitation]
    groundedness: float | None  # None when the answer makes no claims
    unsupported_sentences: list[str] = field(default_factory=list)
    lead_supported: bool = True  # the first claim is supported


def verify_citations(
    answer: str,
    sources: list[RetrievedChunk],
    *,
    scorer: SupportScorer,
    min_support: float,
    refusal: re.Pattern | None = None,
    unsupported_mode: UnsupportedMode = "keep",
    question: str = "",
) -> VerifiedAnswer:
    """Check every ``[n]`` in ``answer`` against ``sources`` (numbered from 1).

    Small models sometimes answer and then append a stock refusal ("The selected documents do
    not contain this information."); an unsupported sentence matching ``refusal`` is removed
    when other sentences of the answer are supported.
    """
    sentences, dropped = parse_answer(answer, len(sources))
    claims = _claims(sentences, question)
    texts = [source.document.content or "" for source in sources]
    lists = set() if asks_for_references(question) else reference_list_sources(sources)
    adjacent = adjacent_chunks(sources)
    for sentence, support in zip(claims, scorer.score([s.text for s in claims], sources)):
        sentence.support = [
            (
                replace(item, score=0)
                if j in lists or asserts_beyond(sentence, j, texts, question, adjacent[j])
                else item
            )
            for j, item in enumerate(support)
        ]

    cited: dict[int, list[tuple[str, Support, bool]]] = {}
    unsupported: list[str] = []
    for sentence in claims:
        kept = [n for n in sentence.markers if sentence.support[n - 1].score >= min_support]
        dropped += [
            DroppedCitation(n, "unsupported", sentence.text)
            for n in sentence.markers
            if n not in kept
        ]
        added = False
        if not kept and sources:
            best = max(range(len(sources)), key=lambda j: sentence.support[j].score)
            if sentence.support[best].score >= min_support:
                kept, added = [best + 1], True
        sentence.markers = kept
        if not kept:
            unsupported.append(sentence.text)
        for n in kept:
            cited.setdefault(n, []).append((sentence.text, sentence.support[n - 1], added))
    for sentence in sentences:
        if sentence not in claims:
            sentence.markers = []  # a marker on "See [2]." proves nothing
    if refusal is not None and cited:
        stray = [s for s in claims if not s.markers and refusal.search(s.text)]
        sentences = [s for s in sentences if s not in stray]
        claims = [s for s in claims if s not in stray]
        unsupported = [text for text in unsupported if text not in {s.text for s in stray}]

    lead_supported = bool(claims[0].markers) if claims else True
    if cited and unsupported_mode == "drop":
        sentences = [s for s in sentences if not (s in claims and not s.markers)]
        claims = [s for s in claims if s.markers]
    citations = [_citation(n, sources[n - 1], cited[n]) for n in sorted(cited)]
    shown = [s for s in claims if not s.markers]
    groundedness = round(1 - len(shown) / len(claims), 4) if claims else None
    marked = set(unsupported) if unsupported_mode == "mark" else set()
    return VerifiedAnswer(
        text=render_answer(sentences, marked),
        citations=citations,
        dropped=dropped,
        groundedness=groundedness,
        unsupported_sentences=unsupported,
        lead_supported=lead_supported,
    )


def _claims(sentences: list[AnswerSentence], question: str) -> list[AnswerSentence]:
    """The sentences that claim something: enough content words and more than the question
    says ("The outcome arises when the time scale is neither close to 0 nor 1." only restates
    it, and used to be taken for the answer's unsupported first claim). An answer of one short
    sentence ("The Prisoner's Dilemma [1].") is a claim: it is the answer."""
    claims = [s for s in sentences if s.is_claim and adds_to(question, s.text)]
    if not claims and len(sentences) == 1 and content_words(sentences[0].text):
        return sentences
    if not claims:  # only restatements: the answer policy sees them and quotes instead
        return [s for s in sentences if s.is_claim]
    return claims


def _citation(
    number: int, source: RetrievedChunk, claims: list[tuple[str, Support, bool]]
) -> Citation:
    weakest = min(claims, key=lambda claim: claim[1].score)
    strongest = max(claims, key=lambda claim: claim[1].score)
    return Citation.from_source(
        number,
        source,
        snippet=trim_snippet(strongest[1].snippet),
        support=weakest[1].score,
        added_by_verifier=all(added for _, _, added in claims),
    )


def trim_snippet(snippet: str) -> str:
    """A citation snippet of at most 300 characters (cut with "…")."""
    return snippet if len(snippet) <= _SNIPPET_CHARS else snippet[: _SNIPPET_CHARS - 1] + "…"


@component
class CitationVerifier:
    """Verifies the reply's citations against the sources and scores its groundedness.

    :param document_embedder: Embeds answer sentences and source sentences (one batch).
    :param min_support: Support a source needs for a sentence to cite it.
    :param unsupported_sentences: What happens to a claim no source supports in an otherwise
        supported answer: ``mark`` it ``[unverified]``, ``drop`` it, or ``keep`` it as is.
    """

    def __init__(
        self,
        *,
        document_embedder: Any,
        min_support: float = 0.6,
        unsupported_sentences: UnsupportedMode = "mark",
    ) -> None:
        self.document_embedder = document_embedder
        self.min_support = min_support
        self.unsupported_sentences = unsupported_sentences
        self._guards = Guards.passthrough()
        self._scorer = SupportScorer(self._embed_texts)

    def use_guards(self, guards: Guards) -> None:
        """Retry and break the circuit with the runtime's shared embedder guard."""
        self._guards = guards

    def warm_up(self) -> None:
        """Load the embedder."""
        if hasattr(self.document_embedder, "warm_up"):
            self.document_embedder.warm_up()

    def to_dict(self) -> dict[str, Any]:
        """Serialise, including the embedder."""
        return default_to_dict(
            self,
            document_embedder=nested_to_dict(self.document_embedder),
            min_support=self.min_support,
            unsupported_sentences=self.unsupported_sentences,
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "CitationVerifier":
        """Rebuild, including the embedder."""
        return default_from_dict(cls, nested_from_dict(data, "document_embedder"))

    @component.output_types(answer=Answer)
    def run(
        self, replies: list[ChatMessage], sources: list[RetrievedChunk], question: str = ""
    ) -> dict[str, Any]:
        """The verified answer, or the refusal if the reply is empty or an unsupported refusal.

        :param replies: The model's reply (the first one is used).
        :param sources: The sources the prompt numbered, in order.
        :param question: The question: its names and numbers may be repeated by the answer.
        :returns: ``answer``.
        """
        text = (replies[0].text or "") if replies else ""
        verified = verify_citations(
            text,
            sources,
            scorer=self._scorer,
            min_support=self.min_support,
            refusal=REFUSAL,
            unsupported_mode=self.unsupported_sentences,
            question=question,
        )
        if not verified.citations and (not verified.text or REFUSAL.search(verified.text)):
            return {"answer": Answer.not_found()}
        answer = Answer(
            text=verified.text,
            citations=tuple(verified.citations),
            answered_from_documents=True,
            groundedness=verified.groundedness,
            dropped_citations=tuple(verified.dropped),
            unsupported_sentences=tuple(verified.unsupported_sentences),
            lead_supported=verified.lead_supported,
        )
        return {"answer": answer}

    def _embed_texts(self, texts: list[str]) -> list[list[float]]:
        return embed_texts(self.document_embedder, self._guards.embedder, texts)


@component
class RefusalAnswer:
    """The answer when nothing relevant was retrieved: a fixed refusal, no LLM call."""

    @component.output_types(answer=Answer)
    def run(self, question: str) -> dict[str, Any]:
        """The refusal.

        :param question: The question that could not be answered (logged).
        :returns: ``answer``.
        """
        logger.info("Nothing relevant for %r: not calling the LLM", question)
        return {"answer": Answer.not_found()}

    @component.output_types(answer=Answer)
    async def run_async(self, question: str) -> dict[str, Any]:
        """Like ``run``, on the event loop (no thread hop for a constant).

        :param question: The question that could not be answered (logged).
        :returns: ``answer``.
        """
        return self.run(question=question)
