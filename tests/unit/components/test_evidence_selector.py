"""Unit tests of evidence selection: relevant sentences with neighbours under a budget, best
source first, boilerplate never selected, overlap kept once, budget 0 passes chunks through."""

from __future__ import annotations

from haystack import Document

from fakes import BowDocumentEmbedder
from tunedd_api.components.evidence_selector import EvidenceSelector, rank_by_words
from tunedd_api.turns import RetrievedChunk, estimate_tokens


def _chunk(number: int, content: str, similarity: float = 0.5) -> RetrievedChunk:
    meta = {
        "document_id": f"doc-{number}",
        "file_name": f"paper-{number}.pdf",
        "title": f"Paper {number}",
        "pages": [number],
    }
    return RetrievedChunk(
        document=Document(id=f"c{number}", content=content, meta=meta), similarity=similarity
    )


FILLER = " ".join(f"Unrelated sentence number {i} talks about weather." for i in range(12))
PLANNER = _chunk(
    1,
    f"{FILLER} The planner decomposes each task into subgoals. It then ranks them. {FILLER}",
)
KEYWORDS = _chunk(
    2,
    "Keywords: planner, subgoals, task decomposition. Copyright 2024 the authors. "
    "The executor runs each subgoal with tools.",
)


def select(question: str, sources: list[RetrievedChunk], budget: int = 60, neighbours: int = 1):
    selector = EvidenceSelector(
        document_embedder=BowDocumentEmbedder(), budget_tokens=budget, neighbours=neighbours
    )
    return selector.run(question=question, sources=sources)


WINDOW = [
    "Unrelated sentence number 11 talks about weather.",
    "The planner decomposes each task into subgoals.",
    "It then ranks them.",
]


def test_keeps_the_relevant_sentence_with_its_neighbours_within_budget() -> None:
    budget = sum(estimate_tokens(s) + 1 for s in WINDOW)  # room for exactly this window
    result = select(
        "How does the planner decompose a task into subgoals?", [PLANNER], budget=budget
    )
    [source] = result["sources"]
    text = source.document.content
    assert text == "… " + " ".join(WINDOW) + " …"  # neighbours on both sides, gaps shown
    assert source.document.meta == PLANNER.document.meta
    assert source.pages == [1]


def test_never_selects_boilerplate_and_numbers_sources_by_best_sentence() -> None:
    result = select("Which subgoals does the planner produce for a task?", [KEYWORDS, PLANNER])
    texts = [s.document.content for s in result["sources"]]
    assert all("Keywords" not in t and "Copyright" not in t for t in texts)
    assert result["sources"][0].document.id == "c1"  # the planner sentence is the best
    best = result["evidence"][0]
    assert "planner decomposes" in best.text and best.source == 1


def test_sentences_repeated_by_chunk_overlap_are_kept_once() -> None:
    overlap = _chunk(3, "The planner decomposes each task into subgoals. It then ranks them.")
    result = select("planner decomposes task subgoals", [PLANNER, overlap], budget=200)
    joined = " ".join(s.document.content for s in result["sources"])
    assert joined.count("The planner decomposes each task into subgoals.") == 1


def test_zero_budget_passes_whole_chunks_without_scoring() -> None:
    embedder = BowDocumentEmbedder()
    selector = EvidenceSelector(document_embedder=embedder, budget_tokens=0)
    result = selector.run(question="How does the planner decompose a task?", sources=[KEYWORDS])
    assert result == {"sources": [KEYWORDS], "evidence": []}
    assert embedder.calls == 0


def test_word_ranking_numbers_sentences_by_their_source() -> None:
    ranked = rank_by_words("How does the planner decompose a task?", [KEYWORDS, PLANNER])
    assert "planner decomposes" in ranked[0].text and ranked[0].source == 2
    assert all(r.score == -1.0 for r in ranked if "Copyright" in r.text or "Keywords" in r.text)


def test_no_sources_costs_no_embedding() -> None:
    embedder = BowDocumentEmbedder()
    selector = EvidenceSelector(document_embedder=embedder)
    assert selector.run(question="anything", sources=[]) == {"sources": [], "evidence": []}
    assert embedder.calls == 0


def test_serialises_with_its_embedder() -> None:
    selector = EvidenceSelector(document_embedder=BowDocumentEmbedder(), budget_tokens=300)
    data = selector.to_dict()["init_parameters"]
    assert data["budget_tokens"] == 300 and data["neighbours"] == 1
    assert data["document_embedder"]["type"].endswith("BowDocumentEmbedder")
