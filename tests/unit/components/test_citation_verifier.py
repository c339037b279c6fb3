"""Unit tests of citation verification: invented and unsupported markers removed, missing ones
added where a source supports the sentence, snippets chosen, groundedness scored."""

from __future__ import annotations

import re

import pytest
from haystack import Document

from fakes import bag_of_words
from tunedd_api.components.citation_verifier import verify_citations
from tunedd_api.components.grounding import SupportScorer
from tunedd_api.turns import RetrievedChunk
from tunedd_api.errors import BackendUnavailableError

MIN_SUPPORT = 0.6


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


def verify(
    answer: str,
    sources: list[RetrievedChunk],
    min_support: float = MIN_SUPPORT,
    question: str = "",
):
    scorer = SupportScorer(lambda texts: [bag_of_words(t) for t in texts])
    return verify_citations(
        answer, sources, scorer=scorer, min_support=min_support, question=question
    )


def test_supported_marker_becomes_citation(sources: list[RetrievedChunk]) -> None:
    answer = "The executor calls external tools [1]."
    verified = verify(answer, sources)
    assert verified.text == answer
    assert verified.dropped == []
    assert verified.groundedness == 1.0
    [citation] = verified.citations
    assert (citation.number, citation.document_id, citation.pages) == (1, "doc-1", [3, 4])
    assert citation.snippet == "The executor calls external tools."
    assert citation.score == 0.8123
    assert citation.support == 1.0
    assert not citation.added_by_verifier


def test_invented_marker_is_removed_and_reported(sources: list[RetrievedChunk]) -> None:
    verified = verify(
        "The executor calls external tools [1]. Evaluation uses WebArena [7].", sources
    )
    assert "[7]" not in verified.text
    assert [(d.number, d.reason) for d in verified.dropped] == [(7, "no_such_source")]
    assert 1 in [c.number for c in verified.citations]


@pytest.mark.parametrize("marker", ["[0]", "[3]", "[42]"])
def test_out_of_range_markers_are_dropped(sources: list[RetrievedChunk], marker: str) -> None:
    verified = verify(f"Quantum chromodynamics explains gluon confinement {marker}.", sources)
    assert verified.text == "Quantum chromodynamics explains gluon confinement."
    assert verified.citations == []
    assert [d.number for d in verified.dropped] == [int(marker.strip("[]"))]


def test_marker_to_a_source_that_does_not_support_the_sentence_is_moved(
    sources: list[RetrievedChunk],
) -> None:
    verified = verify("The success rate is reported per task [1].", sources)
    assert [(d.number, d.reason) for d in verified.dropped] == [(1, "unsupported")]
    assert verified.text == "The success rate is reported per task [2]."
    [citation] = verified.citations
    assert citation.number == 2 and citation.added_by_verifier


def test_uncited_supported_sentence_gets_its_source(sources: list[RetrievedChunk]) -> None:
    verified = verify(
        "Memory stores past episodes. Evaluation uses the WebArena benchmark.", sources
    )
    assert verified.text == (
        "Memory stores past episodes [1]. Evaluation uses the WebArena benchmark [2]."
    )
    assert all(c.added_by_verifier for c in verified.citations)
    assert verified.groundedness == 1.0


def test_unsupported_sentence_lowers_groundedness(sources: list[RetrievedChunk]) -> None:
    supported = "The executor calls external tools [1]."
    invented = "Photosynthesis converts sunlight into chemical energy [1]."
    verified = verify(f"{supported} {invented}", sources)
    assert verified.groundedness == 0.5
    assert verified.unsupported_sentences == [
        "Photosynthesis converts sunlight into chemical energy."
    ]
    assert verified.text == f"{supported} Photosynthesis converts sunlight into chemical energy."
    assert [(d.number, d.reason) for d in verified.dropped] == [(1, "unsupported")]


@pytest.mark.parametrize(
    ("answer", "expected_text", "dropped"),
    [
        ("Agents plan and evaluation uses WebArena [1, 2].", "[1][2].", []),
        ("Agents plan and evaluation uses WebArena [1;2].", "[1][2].", []),
        ("Agents plan and evaluation uses WebArena [1, 1, 2].", "[1][2].", []),
        ("Agents plan and evaluation uses WebArena [2, 9, 1].", "[2][1].", [9]),
    ],
)
def test_grouped_markers_are_split_and_deduplicated(
    sources: list[RetrievedChunk], answer: str, expected_text: str, dropped: list[int]
) -> None:
    verified = verify(answer, sources, min_support=0.3)
    assert verified.text.endswith(expected_text)
    assert [d.number for d in verified.dropped] == dropped
    assert [(c.number, c.document_id, c.pages) for c in verified.citations] == [
        (1, "doc-1", [3, 4]),
        (2, "doc-2", [7]),
    ]


def test_marker_after_the_full_stop_belongs_to_the_sentence_before(
    sources: list[RetrievedChunk],
) -> None:
    verified = verify("Memory stores past episodes. [1] The executor calls tools. [1]", sources)
    assert verified.text == "Memory stores past episodes [1]. The executor calls tools [1]."


def test_snippet_is_the_passage_text_supporting_the_sentence(
    sources: list[RetrievedChunk],
) -> None:
    answer = "Past episodes are kept in memory [1]. The success rate is reported for each task [2]."
    snippets = {c.number: c.snippet for c in verify(answer, sources, min_support=0.5).citations}
    assert snippets == {
        1: "Memory stores past episodes.",
        2: "The success rate is reported per task.",
    }


def test_long_snippet_is_trimmed() -> None:
    passage = "Short unrelated. " + "agents " * 100 + "end."
    verified = verify("Agents everywhere do agents work [1].", [_source(1, passage, [1], 0.9)], 0.3)
    [citation] = verified.citations
    assert len(citation.snippet) == 300 and citation.snippet.endswith("…")


@pytest.mark.parametrize("answer", ["Sure.", "", "Year 2024 and (1) are not markers."])
def test_text_without_claims_gets_no_citations(sources: list[RetrievedChunk], answer: str) -> None:
    verified = verify(answer, sources)
    assert verified.citations == []
    assert verified.dropped == []
    assert verified.text == answer


def test_all_markers_invalid_without_sources() -> None:
    verified = verify("Agents plan ahead carefully [1]. Another claim about tools [2].", [])
    assert verified.text == "Agents plan ahead carefully. Another claim about tools."
    assert verified.citations == []
    assert [d.number for d in verified.dropped] == [1, 2]
    assert verified.groundedness == 0.0


def test_line_breaks_of_the_answer_are_kept(sources: list[RetrievedChunk]) -> None:
    answer = "Two points:\n\n1. Agents plan with a planner [1].\n2. Evaluation uses WebArena [2]."
    assert verify(answer, sources, min_support=0.5).text == answer


def test_stock_refusal_after_a_supported_answer_is_removed(sources) -> None:
    scorer = SupportScorer(lambda texts: [bag_of_words(t) for t in texts])
    refusal = re.compile(r"do not contain")
    answer = "The executor calls external tools [1]. The documents do not contain this information."

    verified = verify_citations(
        answer, sources, scorer=scorer, min_support=MIN_SUPPORT, refusal=refusal
    )
    alone = verify_citations(
        "The documents do not contain this information.",
        sources,
        scorer=scorer,
        min_support=MIN_SUPPORT,
        refusal=refusal,
    )

    assert verified.text == "The executor calls external tools [1]."
    assert verified.groundedness == 1.0 and verified.unsupported_sentences == []
    assert alone.text == "The documents do not contain this information."  # a real refusal stays


def test_embedder_outage_falls_back_to_word_overlap(sources) -> None:
    def down(_texts):
        raise BackendUnavailableError("embedder failed: connection refused")

    verified = verify_citations(
        "The executor calls external tools [1]. Photosynthesis converts sunlight [1].",
        sources,
        scorer=SupportScorer(down),
        min_support=MIN_SUPPORT,
    )

    assert (
        verified.text == "The executor calls external tools [1]. Photosynthesis converts sunlight."
    )
    assert verified.groundedness == 0.5


def test_a_marker_after_et_al_stays_in_its_sentence(sources: list[RetrievedChunk]) -> None:
    """ "Chan et al. [1] plan ..." is one sentence: the marker is not moved into "et al [1]."."""
    verified = verify("Chan et al. [1] say agents plan with a planner module.", sources)

    assert verified.text == "Chan et al. say agents plan with a planner module [1]."
    assert [c.number for c in verified.citations] == [1]


def test_markers_used_as_words_leave_a_fragment_that_is_dropped(
    sources: list[RetrievedChunk],
) -> None:
    verified = verify(
        "The executor calls external tools [1]. The measures are [1], [2], and.", sources
    )
    assert verified.text == "The executor calls external tools [1]."
    assert {d.reason for d in verified.dropped} == {"fragment"}


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("keep", "The executor calls external tools [1]. Agents fly to the moon on Tuesdays."),
        (
            "mark",
            "The executor calls external tools [1]. Agents fly to the moon on Tuesdays "
            "[unverified].",
        ),
        ("drop", "The executor calls external tools [1]."),
    ],
)
def test_unsupported_sentences_in_a_supported_answer(
    sources: list[RetrievedChunk], mode: str, expected: str
) -> None:
    scorer = SupportScorer(lambda texts: [bag_of_words(t) for t in texts])
    verified = verify_citations(
        "The executor calls external tools [1]. Agents fly to the moon on Tuesdays.",
        sources,
        scorer=scorer,
        min_support=MIN_SUPPORT,
        unsupported_mode=mode,
    )
    assert verified.text == expected
    assert verified.unsupported_sentences == ["Agents fly to the moon on Tuesdays."]
    assert verified.groundedness == (1.0 if mode == "drop" else 0.5)


def test_a_number_or_name_found_in_no_source_makes_the_sentence_unsupported(
    sources: list[RetrievedChunk],
) -> None:
    scorer = SupportScorer(lambda texts: [bag_of_words(t) for t in texts])
    question = "What success rate does the WebArena benchmark report per task?"
    invented = verify_citations(
        "The success rate on the WebArena benchmark is 73 per task with GPT-4 [2].",
        sources,
        scorer=scorer,
        min_support=MIN_SUPPORT,
        question=question,
    )
    assert invented.citations == [] and invented.groundedness == 0.0
    faithful = verify_citations(
        "The success rate on the WebArena benchmark is reported per task [2].",
        sources,
        scorer=scorer,
        min_support=MIN_SUPPORT,
        question=question,
    )
    assert [c.number for c in faithful.citations] == [2]


def test_an_opener_left_empty_by_a_marker_is_repaired(sources: list[RetrievedChunk]) -> None:
    verified = verify("According to [1], the executor calls external tools.", sources)
    assert verified.text == "The executor calls external tools [1]."


def test_a_number_only_another_source_states_does_not_count_for_the_cited_one() -> None:
    scorer = SupportScorer(lambda texts: [bag_of_words(t) for t in texts])
    sources = [
        _source(1, "The pilot study ran in 2021 with volunteer beekeepers.", [2], 0.7),
        _source(
            2, "The pilot study ran with volunteer beekeepers and a grant of 500 euros.", [5], 0.6
        ),
    ]
    answer = "The pilot study ran with volunteer beekeepers in 2021 [2]."

    verified = verify_citations(answer, sources, scorer=scorer, min_support=MIN_SUPPORT)

    # "2021" is only in source 1: source 2 cannot back the sentence, source 1 does.
    assert [(c.number, c.added_by_verifier) for c in verified.citations] == [(1, True)]
    assert [(d.number, d.reason) for d in verified.dropped] == [(2, "unsupported")]


def test_a_sentence_citing_two_sources_may_draw_its_numbers_from_both() -> None:
    scorer = SupportScorer(lambda texts: [bag_of_words(t) for t in texts])
    sources = [
        _source(1, "The survey covered 120 hives in the city.", [2], 0.7),
        _source(2, "The survey covered hives in 14 districts of the city.", [5], 0.6),
    ]
    answer = "The survey covered 120 hives in 14 districts of the city [1][2]."

    verified = verify_citations(answer, sources, scorer=scorer, min_support=MIN_SUPPORT)

    assert [c.number for c in verified.citations] == [1, 2] and verified.groundedness == 1.0


def test_markers_standing_for_a_pair_leave_a_fragment_that_is_dropped(
    sources: list[RetrievedChunk],
) -> None:
    """ "are [1] and [2], respectively" without its markers is "are and, respectively"."""
    verified = verify(
        "The executor calls external tools [1]. "
        "The simulator and dataset used are [1] and [2], respectively.",
        sources,
    )
    assert verified.text == "The executor calls external tools [1]."
    assert {d.reason for d in verified.dropped} == {"fragment"}


def test_a_lead_sentence_restating_the_question_is_not_the_answer_s_claim(
    sources: list[RetrievedChunk],
) -> None:
    verified = verify(
        "The outcome arises when the benchmark is hard. "
        "Evaluation uses the WebArena benchmark [2].",
        sources,
        question="What outcome arises when the benchmark is hard?",
    )
    assert verified.lead_supported
    assert verified.groundedness == 1.0
    assert verified.unsupported_sentences == []


def test_an_answer_of_one_short_sentence_is_a_claim(sources: list[RetrievedChunk]) -> None:
    verified = verify(
        "The WebArena benchmark [2].", sources, question="Which benchmark does the evaluation use?"
    )
    assert verified.groundedness == 1.0
    assert [c.number for c in verified.citations] == [2]


REFERENCE_LIST = (
    "[12] Chan, C.-M., Chen, W., Su, Y. Chateval: Towards better llm-based evaluators through "
    "multi-agent debate. arXiv preprint arXiv:2308.07201, 2023. [13] Du, Y., Li, S., Torralba, "
    "A. Improving factuality and reasoning in language models through multiagent debate. "
    "arXiv preprint arXiv:2305.14325, 2023."
)
CLAIM = "Multi-agent debate makes better llm-based evaluators [1]."


def test_a_reference_list_supports_no_claim() -> None:
    listed = [_source(1, REFERENCE_LIST, [12], 0.6)]
    verified = verify(CLAIM, listed, question="Which evaluators did the debate produce?")
    assert verified.citations == [] and verified.groundedness == 0.0
    prose = "ChatEval shows that multi-agent debate makes better llm-based evaluators."
    assert verify(CLAIM, [_source(1, prose, [12], 0.6)]).citations  # the words in prose do


def test_a_reference_list_supports_a_question_about_references() -> None:
    listed = [_source(1, REFERENCE_LIST, [12], 0.6)]
    verified = verify(CLAIM, listed, question="Which works on multi-agent debate are cited?")
    assert [c.number for c in verified.citations] == [1]


def _chunk(document: str, index: int, content: str) -> RetrievedChunk:
    meta = {
        "document_id": document,
        "file_name": f"{document}.pdf",
        "title": document,
        "pages": [index],
        "chunk_index": index,
    }
    return RetrievedChunk(document=Document(content=content, meta=meta), similarity=0.6)


@pytest.mark.parametrize(
    ("second_document", "second_index", "supported"),
    [("survey", 8, True), ("survey", 9, False), ("other", 8, False)],
)
def test_a_sentence_straddling_two_adjacent_chunks_is_backed_by_them(
    second_document: str, second_index: int, supported: bool
) -> None:
    sources = [
        _chunk("survey", 7, "Ontologies are encoded with graph neural networks [Wu et al., 2020]"),
        _chunk(second_document, second_index, "[Kipf and Welling, 2016]. Agents then learn."),
    ]
    answer = "Ontologies are encoded with graph neural networks [Kipf and Welling, 2016]."

    verified = verify(answer, sources)

    # "Kipf", "Welling" and "2016" open the next chunk; only the chunk just after counts.
    assert bool(verified.citations) is supported
    if supported:
        assert [c.number for c in verified.citations] == [1]
