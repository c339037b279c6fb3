"""Turns the model's ``[n]`` markers into verified citations.

Markers that point at no source are removed from the text; each valid one becomes a citation
whose snippet is the source sentence that best overlaps the answer sentence citing it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tunedd_api.chat.conversations import Citation
from tunedd_api.chat.retrieval import RetrievedChunk

_MARKER_GROUP = re.compile(r"\[(\s*\d+\s*(?:[,;]\s*\d+\s*)*)\]")
_SENTENCE = re.compile(r"(?<=[.!?])(\s+)")
_WORD = re.compile(r"[a-z0-9]+")
_SNIPPET_CHARS = 300


@dataclass(frozen=True)
class CitedAnswer:
    """The answer text with invalid markers removed, and its citations in order of number."""

    text: str
    citations: list[Citation]
    dropped_markers: list[int]


def resolve_citations(answer: str, sources: list[RetrievedChunk]) -> CitedAnswer:
    """Validate ``[n]`` markers against ``sources`` (numbered from 1) and build citations."""
    dropped: list[int] = []
    cited_sentences: dict[int, list[str]] = {}

    def keep_valid(match: re.Match) -> str:
        numbers = [int(n) for n in re.findall(r"\d+", match.group(1))]
        valid = [n for n in numbers if 1 <= n <= len(sources)]
        dropped.extend(n for n in numbers if n not in valid)
        return "".join(f"[{n}]" for n in dict.fromkeys(valid))

    # The capture group keeps the original whitespace between sentences (line breaks, lists).
    parts = _SENTENCE.split(answer)
    cleaned_parts = []
    for i, part in enumerate(parts):
        if i % 2:  # separator
            cleaned_parts.append(part)
            continue
        cleaned = _MARKER_GROUP.sub(keep_valid, part)
        for number in re.findall(r"\[(\d+)\]", cleaned):
            cited_sentences.setdefault(int(number), []).append(_MARKER_GROUP.sub("", cleaned))
        cleaned_parts.append(cleaned)
    text = re.sub(r"[ \t]+([.,;:])", r"\1", "".join(cleaned_parts)).strip()
    citations = [
        _citation(number, sources[number - 1], cited_sentences[number])
        for number in sorted(cited_sentences)
    ]
    return CitedAnswer(text=text, citations=citations, dropped_markers=dropped)


def _citation(number: int, source: RetrievedChunk, claims: list[str]) -> Citation:
    meta = source.document.meta
    return Citation(
        number=number,
        document_id=meta["document_id"],
        file_name=meta["file_name"],
        title=meta.get("title", meta["file_name"]),
        pages=source.pages,
        snippet=best_snippet(source.document.content or "", " ".join(claims)),
        score=round(source.similarity, 4),
    )


def best_snippet(passage: str, claim: str) -> str:
    """The passage sentence sharing the most words with ``claim`` (trimmed for display)."""
    claim_words = set(_WORD.findall(claim.lower()))
    candidates = [s for s in _SENTENCE.split(passage)[::2] if s.strip()] or [passage]
    best = max(candidates, key=lambda s: len(claim_words & set(_WORD.findall(s.lower()))))
    return best if len(best) <= _SNIPPET_CHARS else best[: _SNIPPET_CHARS - 1].rstrip() + "…"
