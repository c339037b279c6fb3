"""Verifies the model's ``[n]`` citations sentence by sentence and scores groundedness.

For every sentence of the answer:

* markers naming no source are removed (``no_such_source``);
* each remaining marker is kept only if its source supports the sentence (support ≥ threshold,
  see :mod:`tunedd_api.chat.grounding`); otherwise it is removed (``unsupported``);
* a sentence left without a marker gets one for its best-supporting source when that source
  clears the threshold (small models often forget to cite, or cite the neighbouring source).

Groundedness is the share of answer sentences supported by at least one source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tunedd_api.chat.conversations import Citation
from tunedd_api.chat.grounding import Support, SupportScorer, content_words
from tunedd_api.chat.retrieval import RetrievedChunk

_MARKER_GROUP = re.compile(r"\s*\[(\s*\d+\s*(?:[,;]\s*\d+\s*)*)\]")
_SENTENCE_SPLIT = re.compile(r"((?<=[.!?])\s+|\s*\n\s*)")
#: "Claim. [1] Next claim" → "Claim [1]. Next claim": the marker belongs to the sentence before.
_MARKER_AFTER_STOP = re.compile(r"([.!?])((?:\s*\[\s*\d+\s*(?:[,;]\s*\d+\s*)*\])+)")
_TRAILING_PUNCTUATION = re.compile(r"([.!?:;]*)\s*$")
_SNIPPET_CHARS = 300
#: Sentences with fewer content words ("Sure.", "In summary:") are not claims.
_MIN_CLAIM_WORDS = 3


@dataclass(frozen=True)
class DroppedCitation:
    """A marker removed from the answer, and why."""

    number: int
    reason: str  # "no_such_source" | "unsupported"
    sentence: str


@dataclass(frozen=True)
class VerifiedAnswer:
    """The answer with verified markers, its citations, and how grounded it is."""

    text: str
    citations: list[Citation]
    dropped: list[DroppedCitation]
    groundedness: float | None  # None when the answer makes no claims
    unsupported_sentences: list[str] = field(default_factory=list)


@dataclass
class _Sentence:
    text: str  # without markers
    markers: list[int]
    trailing: str  # whitespace that followed it in the answer
    support: list[Support] = field(default_factory=list)

    @property
    def is_claim(self) -> bool:
        return len(content_words(self.text)) >= _MIN_CLAIM_WORDS


def verify_citations(
    answer: str,
    sources: list[RetrievedChunk],
    *,
    scorer: SupportScorer,
    min_support: float,
    refusal: re.Pattern | None = None,
) -> VerifiedAnswer:
    """Check every ``[n]`` in ``answer`` against ``sources`` (numbered from 1).

    Small models sometimes answer and then append a stock refusal ("The selected documents do
    not contain this information."); an unsupported sentence matching ``refusal`` is removed
    when other sentences of the answer are supported.
    """
    sentences, dropped = _parse(answer, len(sources))
    claims = [s for s in sentences if s.is_claim]
    for sentence, support in zip(claims, scorer.score([s.text for s in claims], sources)):
        sentence.support = support

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
        if not sentence.is_claim:
            sentence.markers = []  # a marker on "See [2]." proves nothing
    if refusal is not None and cited:
        stray = [s for s in claims if not s.markers and refusal.search(s.text)]
        sentences = [s for s in sentences if s not in stray]
        claims = [s for s in claims if s not in stray]
        unsupported = [text for text in unsupported if text not in {s.text for s in stray}]

    citations = [_citation(n, sources[n - 1], cited[n]) for n in sorted(cited)]
    groundedness = round(1 - len(unsupported) / len(claims), 4) if claims else None
    return VerifiedAnswer(
        text=_render(sentences),
        citations=citations,
        dropped=dropped,
        groundedness=groundedness,
        unsupported_sentences=unsupported,
    )


def _parse(answer: str, source_count: int) -> tuple[list[_Sentence], list[DroppedCitation]]:
    """Split into sentences, pull out markers, and drop markers naming no source."""
    parts = _SENTENCE_SPLIT.split(_MARKER_AFTER_STOP.sub(r"\2\1", answer.strip()))
    sentences: list[_Sentence] = []
    dropped: list[DroppedCitation] = []
    for i in range(0, len(parts), 2):
        raw = parts[i]
        trailing = parts[i + 1] if i + 1 < len(parts) else ""
        numbers = [
            int(n) for group in _MARKER_GROUP.findall(raw) for n in re.findall(r"\d+", group)
        ]
        text = re.sub(r"\s+([.,;:!?])", r"\1", _MARKER_GROUP.sub("", raw)).strip()
        valid = [n for n in dict.fromkeys(numbers) if 1 <= n <= source_count]
        dropped += [
            DroppedCitation(n, "no_such_source", text)
            for n in numbers
            if not 1 <= n <= source_count
        ]
        if text:
            sentences.append(_Sentence(text=text, markers=valid, trailing=trailing))
    return sentences, dropped


def _render(sentences: list[_Sentence]) -> str:
    """Sentences with their markers placed before the final punctuation: ``claim [1][3].``"""
    out = []
    for sentence in sentences:
        text = sentence.text
        if sentence.markers:
            markers = "".join(f"[{n}]" for n in sentence.markers)
            match = _TRAILING_PUNCTUATION.search(text)
            text = f"{text[: match.start()].rstrip()} {markers}{match.group(1)}"
        out.append(text + (sentence.trailing or " "))
    return "".join(out).strip()


def _citation(
    number: int, source: RetrievedChunk, claims: list[tuple[str, Support, bool]]
) -> Citation:
    meta = source.document.meta
    weakest = min(claims, key=lambda claim: claim[1].score)
    strongest = max(claims, key=lambda claim: claim[1].score)
    return Citation(
        number=number,
        document_id=meta["document_id"],
        file_name=meta["file_name"],
        title=meta.get("title", meta["file_name"]),
        pages=source.pages,
        snippet=_trim(strongest[1].snippet),
        score=round(source.similarity, 4),
        support=weakest[1].score,
        added_by_verifier=all(added for _, _, added in claims),
    )


def _trim(snippet: str) -> str:
    return snippet if len(snippet) <= _SNIPPET_CHARS else snippet[: _SNIPPET_CHARS - 1] + "…"
