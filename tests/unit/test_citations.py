"""Unit tests of citation resolution: valid markers kept, invented ones dropped, snippets chosen."""

from __future__ import annotations

import pytest
from haystack import Document

from tunedd_api.chat.citations import best_snippet, resolve_citations
from tunedd_api.chat.conversations import Citation
from tunedd_api.chat.retrieval import RetrievedChunk


def _source(number: int, content: str, pages: list[int], similarity: float) -> RetrievedChunk:
    meta = {
        "document_id": f"doc-{number}",
        "file_name": f"paper-{number}.pdf",
        "title": f"Paper {number}",
        "pages": pages,
        "chunk_index": number,
    }
    return RetrievedChunk(document=Document(content=content, meta=meta), similarity=similarity)


@pytest.fixture
def sources() -> list[RetrievedChunk]:
    return [
        _source(
            1,
            "Agents plan with a planner module. The executor calls external tools. "
            "Memory stores past episodes.",
            [3, 4],
            0.81234567,
        ),
        _source(
            2,
            "Evaluation uses the WebArena benchmark. The success rate is reported per task.",
            [7],
            0.5,
        ),
    ]


def test_valid_marker_becomes_citation(sources: list[RetrievedChunk]) -> None:
    answer = "The executor calls external tools [1]."
    cited = resolve_citations(answer, sources)
    assert cited.text == answer
    assert cited.dropped_markers == []
    assert cited.citations == [
        Citation(
            number=1,
            document_id="doc-1",
            file_name="paper-1.pdf",
            title="Paper 1",
            pages=[3, 4],
            snippet="The executor calls external tools.",
            score=0.8123,
        )
    ]


def test_invented_marker_is_removed_and_reported(sources: list[RetrievedChunk]) -> None:
    cited = resolve_citations("Agents plan ahead [1]. It runs on WebArena [7].", sources)
    assert cited.text == "Agents plan ahead [1]. It runs on WebArena."
    assert "[7]" not in cited.text
    assert cited.dropped_markers == [7]
    assert [c.number for c in cited.citations] == [1]


@pytest.mark.parametrize("marker", ["[0]", "[3]", "[42]"])
def test_out_of_range_markers_are_dropped(sources: list[RetrievedChunk], marker: str) -> None:
    cited = resolve_citations(f"A claim {marker}.", sources)
    assert cited.text == "A claim."
    assert cited.citations == []
    assert cited.dropped_markers == [int(marker.strip("[]"))]


@pytest.mark.parametrize(
    ("answer", "expected_text", "dropped"),
    [
        ("Both matter [1, 2].", "Both matter [1][2].", []),
        ("Both matter [1;2].", "Both matter [1][2].", []),
        ("Both matter [1, 1, 2].", "Both matter [1][2].", []),
        ("Both matter [2, 9, 1].", "Both matter [2][1].", [9]),
    ],
)
def test_grouped_markers_are_split_and_deduplicated(
    sources: list[RetrievedChunk], answer: str, expected_text: str, dropped: list[int]
) -> None:
    cited = resolve_citations(answer, sources)
    assert cited.text == expected_text
    assert cited.dropped_markers == dropped
    assert [(c.number, c.document_id, c.pages) for c in cited.citations] == [
        (1, "doc-1", [3, 4]),
        (2, "doc-2", [7]),
    ]


def test_snippet_is_source_sentence_overlapping_citing_sentence(
    sources: list[RetrievedChunk],
) -> None:
    answer = "Past episodes are kept in memory [1]. The success rate is reported for each task [2]."
    cited = resolve_citations(answer, sources)
    snippets = {c.number: c.snippet for c in cited.citations}
    assert snippets == {
        1: "Memory stores past episodes.",
        2: "The success rate is reported per task.",
    }


def test_long_snippet_is_trimmed() -> None:
    passage = "Short unrelated. " + "agents " * 100 + "end."
    snippet = best_snippet(passage, "agents everywhere")
    assert len(snippet) == 300
    assert snippet.endswith("…")
    assert snippet.startswith("agents agents")


@pytest.mark.parametrize("answer", ["No markers here.", "", "Year 2024 and (1) are not markers."])
def test_no_markers_no_citations(sources: list[RetrievedChunk], answer: str) -> None:
    cited = resolve_citations(answer, sources)
    assert cited.citations == []
    assert cited.dropped_markers == []
    assert cited.text == answer


def test_all_markers_invalid_without_sources() -> None:
    cited = resolve_citations("Claim [1]. Another [2].", [])
    assert cited.text == "Claim. Another."
    assert cited.citations == []
    assert cited.dropped_markers == [1, 2]


def test_line_breaks_of_the_answer_are_kept(sources: list[RetrievedChunk]) -> None:
    answer = "Two points:\n\n1. Planning [1].\n2. Evaluation [2]."
    assert resolve_citations(answer, sources).text == answer
