"""Picks the sentences of the retrieved chunks that bear on the question, under a token budget.

Five whole 200-token chunks made a ~1,500-token prompt in which the answer was one or two
sentences; a 1.5B model then copied the neighbouring section, the paper's keyword block or a
list from the wrong place. Here every sentence of the retrieved chunks is scored against the
question, together with the sentence on each side: the cosine of MiniLM embeddings (one
batch with the query) plus the share of the question's words it contains, each word weighted
by how rare it is among the candidates (the paper's own topic words are in every sentence),
plus a small bonus for the chunks retrieval ranked first. The best are kept with their
neighbouring sentences for context until the budget is spent. Boilerplate (copyright,
licence, arXiv and DOI lines, e-mail addresses, keyword blocks) is never selected. Sentences
repeated by the chunks' overlap are kept once.

Each chunk that keeps a sentence stays one source, so citations still name its document and
pages: its text becomes the kept sentences in reading order (``…`` where sentences were
skipped), and sources are numbered by their best sentence, so ``[1]`` is the strongest
evidence. A budget of 0 passes the chunks through unchanged (the pre-selection behaviour).
Own component: Haystack's ``SentenceWindowRetriever`` widens hits with neighbouring *chunks*;
nothing stock narrows chunks to sentences under a budget.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from haystack import Document, component, default_from_dict, default_to_dict

from tunedd_api.components.embedders import embed_texts
from tunedd_api.components.grounding import content_words
from tunedd_api.components.nesting import nested_from_dict, nested_to_dict
from tunedd_api.components.sentences import split_sentences
from tunedd_api.resilience import Guards
from tunedd_api.turns import RetrievedChunk, estimate_tokens

#: Front and back matter that answers no question but shares its words (a definition question
#: used to be answered with the paper's "Keywords:" block).
BOILERPLATE = re.compile(
    r"copyright|©|all rights reserved|licen[cs]e[ds]?\b|creative commons|arxiv:\s*\d|\bdoi\b"
    r"|https?://|www\.|\S+@\S+\.\w+|^\W*(key ?words|index terms)\b|permission to make",
    re.IGNORECASE,
)
#: Weight of the question-word coverage next to the cosine similarity.
LEXICAL_WEIGHT = 0.5
#: Sentences on each side scored with a sentence: one sentence alone is often too short for
#: the embedding to match a paraphrased question (measured: evidence kept at 600 tokens
#: 0.59 → 0.64 of questions).
WINDOW = 1
#: Bonus of sentences from the best-ranked chunks: chunk retrieval (hybrid, whole chunk) is
#: a stronger signal than one sentence's embedding.
RANK_WEIGHT = 0.2
GAP = " … "


@dataclass(frozen=True)
class EvidenceSentence:
    """A candidate sentence: where it is and how well it matches the question."""

    text: str
    source: int  # 1-based number of the source it ends up in (0 if not selected)
    chunk: int  # index into the retrieved chunks
    position: int  # index of the sentence within its chunk
    score: float
    semantic: float
    coverage: float  # share of the question's content words the sentence contains

    def __deepcopy__(self, memo: dict) -> "EvidenceSentence":
        return self


@component
class EvidenceSelector:
    """Narrows retrieved chunks to the sentences that bear on the question.

    :param document_embedder: Embeds the question and the sentences (one batch).
    :param budget_tokens: Most tokens of source text in the prompt; 0 keeps whole chunks.
    :param neighbours: Sentences kept on each side of a selected sentence, for context.
    """

    def __init__(
        self, *, document_embedder: Any, budget_tokens: int = 0, neighbours: int = 1
    ) -> None:
        self.document_embedder = document_embedder
        self.budget_tokens = budget_tokens
        self.neighbours = neighbours
        self._guards = Guards.passthrough()

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
            budget_tokens=self.budget_tokens,
            neighbours=self.neighbours,
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "EvidenceSelector":
        """Rebuild, including the embedder."""
        return default_from_dict(cls, nested_from_dict(data, "document_embedder"))

    @component.output_types(sources=list[RetrievedChunk], evidence=list[EvidenceSentence])
    def run(self, question: str, sources: list[RetrievedChunk]) -> dict[str, Any]:
        """The sources narrowed to their relevant sentences, best source first.

        :param question: The (standalone) question.
        :param sources: Retrieved chunks, best first.
        :returns: ``sources``: the narrowed chunks (numbered ``[1]``… in the prompt);
            ``evidence``: every candidate sentence, best first, with the source it went to
            (none with a budget of 0: whole chunks need no scoring).
        """
        if not sources or self.budget_tokens <= 0:
            return {"sources": list(sources), "evidence": []}
        candidates = self._score(question, sources)
        chosen = self._choose(candidates)
        order = _source_order(candidates, chosen)
        narrowed = [_narrow(sources[chunk], chosen[chunk]) for chunk in order]
        number = {chunk: n for n, chunk in enumerate(order, 1)}
        numbered = [replace(c, source=number.get(c.chunk, 0)) for c in candidates]
        return {"sources": narrowed, "evidence": numbered}

    def _score(self, question: str, sources: list[RetrievedChunk]) -> list[EvidenceSentence]:
        sentences = [split_sentences(s.document.content or "") for s in sources]
        flat = [(i, j, text) for i, chunk in enumerate(sentences) for j, text in enumerate(chunk)]
        windows = [" ".join(sentences[i][max(0, j - WINDOW) : j + WINDOW + 1]) for i, j, _ in flat]
        vectors = np.asarray(
            embed_texts(self.document_embedder, self._guards.embedder, [question] + windows),
            dtype=np.float32,
        )
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        vectors = vectors / np.where(norms == 0, 1.0, norms)
        similarities = vectors[1:] @ vectors[0]
        coverages = _coverages(question, windows)
        scored = []
        for (chunk, position, text), semantic, coverage in zip(
            flat, similarities.tolist(), coverages
        ):
            boilerplate = BOILERPLATE.search(text) is not None
            prior = RANK_WEIGHT / (1 + chunk)
            score = -1.0 if boilerplate else semantic + LEXICAL_WEIGHT * coverage + prior
            scored.append(
                EvidenceSentence(
                    text=text,
                    source=0,
                    chunk=chunk,
                    position=position,
                    score=round(score, 4),
                    semantic=round(semantic, 4),
                    coverage=round(coverage, 4),
                )
            )
        return sorted(scored, key=lambda s: (-s.score, s.chunk, s.position))

    def _choose(self, ranked: list[EvidenceSentence]) -> dict[int, set[int]]:
        """Chunk index → positions kept, best sentences first, each with its neighbours."""
        by_place = {(s.chunk, s.position): s for s in ranked}
        chosen: dict[int, set[int]] = {}
        seen: set[str] = set()
        spent = 0
        for best in ranked:
            if best.score < 0 or spent >= self.budget_tokens:
                break
            if _key(best.text) in seen:
                continue
            window = [
                by_place[(best.chunk, p)]
                for p in range(best.position - self.neighbours, best.position + self.neighbours + 1)
                if (best.chunk, p) in by_place
            ]
            window = [s for s in window if s.score >= 0 and _key(s.text) not in seen]
            cost = sum(estimate_tokens(s.text) + 1 for s in window)
            if spent + cost > self.budget_tokens:
                window = [best]
                cost = estimate_tokens(best.text) + 1
                if spent + cost > self.budget_tokens and spent > 0:
                    continue
            for sentence in window:
                chosen.setdefault(sentence.chunk, set()).add(sentence.position)
                seen.add(_key(sentence.text))
            spent += cost
        return chosen


def rank_by_words(question: str, sources: list[RetrievedChunk]) -> list[EvidenceSentence]:
    """The sentences of ``sources`` ranked by rarity-weighted question words alone (no
    embedding call), each numbered by its source; boilerplate last with score -1."""
    flat = [
        (i, j, text)
        for i, source in enumerate(sources)
        for j, text in enumerate(split_sentences(source.document.content or ""))
    ]
    ranked = []
    for (chunk, position, text), coverage in zip(flat, _coverages(question, [t for *_, t in flat])):
        score = -1.0 if BOILERPLATE.search(text) else coverage
        ranked.append(
            EvidenceSentence(text, chunk + 1, chunk, position, round(score, 4), 0.0, coverage)
        )
    return sorted(ranked, key=lambda s: (-s.score, s.chunk, s.position))


def _coverages(question: str, texts: list[str]) -> list[float]:
    """For each text, the share of the question's content words it contains, each word
    weighted by its rarity among ``texts`` (0 for a question without content words)."""
    words = [content_words(text) for text in texts]
    weights = _rarity(content_words(question), words)
    total = sum(weights.values())
    if not total:
        return [0.0] * len(texts)
    return [sum(w for word, w in weights.items() if word in present) / total for present in words]


def _rarity(asked: set[str], sentences: list[set[str]]) -> dict[str, float]:
    """Inverse document frequency of each question word among the candidate sentences.

    Words naming the paper or its topic ("context-aware multi-agent systems") are in most
    candidates and say little about which sentence answers; the rarer words of the question
    ("stages", "process") do.
    """
    count = len(sentences)
    return {
        word: math.log(1 + (count - df + 0.5) / (df + 0.5))
        for word in asked
        for df in [sum(word in sentence for sentence in sentences)]
    }


def _key(text: str) -> str:
    return " ".join(text.lower().split())


def _source_order(ranked: list[EvidenceSentence], chosen: dict[int, set[int]]) -> list[int]:
    """Chunks in the order of their best kept sentence."""
    order: list[int] = []
    for sentence in ranked:
        if sentence.position in chosen.get(sentence.chunk, ()) and sentence.chunk not in order:
            order.append(sentence.chunk)
    return order


def _narrow(source: RetrievedChunk, positions: set[int]) -> RetrievedChunk:
    sentences = split_sentences(source.document.content or "")
    parts: list[str] = []
    previous = None
    for position in sorted(positions):
        if previous is not None and position != previous + 1:
            parts.append(GAP.strip())
        parts.append(sentences[position])
        previous = position
    text = " ".join(parts)
    if min(positions) > 0:
        text = GAP.lstrip() + text
    if max(positions) < len(sentences) - 1:
        text = text + GAP.rstrip()
    document = Document(id=source.document.id, content=text, meta=dict(source.document.meta))
    return RetrievedChunk(document=document, similarity=source.similarity)
