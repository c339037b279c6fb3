"""Key findings keep their promise: full sentences, each with the citations of its answer."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone

import pytest
from fakes import mock_chat_model

from tunedd_api.chat.conversations import Conversation
from tunedd_api.turns import Citation, Message
from tunedd_api.chat.findings import Draft, complete_findings, ground_findings, is_sentence
from tunedd_api.chat.summary import Summarizer

NOT_FOUND = "The documents do not answer this."


def citation(number: int, file_name: str, page: int) -> Citation:
    return Citation(
        number=number,
        document_id=file_name,
        file_name=file_name,
        title=file_name,
        pages=[page],
        snippet="...",
        score=0.5,
    )


HIVES = Message(
    "assistant",
    "The apiary keeps twelve hives on the north slope [1]. Each hive holds about forty "
    "thousand bees in summer [2].",
    citations=(citation(1, "bees.pdf", 3), citation(2, "bees.pdf", 4)),
)
HONEY = Message(
    "assistant",
    "Honey is harvested twice a year, in June and September [1].\n"
    "- Beekeepers should leave enough honey for the winter.",
    citations=(citation(1, "honey.pdf", 7),),
)
QUESTIONS = (Message("user", "How many hives are there?"), Message("user", "When is honey made?"))
PAIRS = [(QUESTIONS[0], HIVES), (QUESTIONS[1], HONEY)]


@pytest.mark.parametrize(
    "text",
    [
        "Number of hives",
        "Number of hives.",
        "Twelve hives on the north slope.",
        "Reactivity, pro-activeness and sociability.",
        "Key properties of agents: reactivity, sociability",
        "SMFFNN as the learning core.",
        "Properties of intelligent agents.",
        "Agents' learning core and goals.",
        "The application areas given as examples are :\n\n1.",
        "The stages of the technique are: 1.",
        "the apiary keeps twelve hives.",
        "",
    ],
)
def test_labels_and_fragments_are_not_sentences(text: str) -> None:
    assert not is_sentence(text)


@pytest.mark.parametrize(
    "text",
    [
        "The apiary keeps twelve hives.",
        "Honey is harvested twice a year.",
        "The framework uses a feed-forward neural network as its learning core.",
        "Back-propagation learning is slow because it takes many small steps.",
        "Agents can negotiate with other agents to reach their goals!",
        "Each hive holds about forty thousand bees.",
        "Volcanoes erupt molten basalt lava.",
        "The agents negotiate prices before they act.",
        "Visibility measures were grouped into three categories.",
    ],
)
def test_statements_are_sentences(text: str) -> None:
    assert is_sentence(text)


def test_a_sentence_keeps_its_text_and_gets_the_citations_of_its_answer() -> None:
    findings = ground_findings([Draft("The apiary keeps twelve hives on a slope.", 1)], PAIRS)

    assert findings[0].text == "The apiary keeps twelve hives on a slope."
    assert findings[0].citations == HIVES.citations


def test_a_label_becomes_the_best_matching_cited_sentence() -> None:
    findings = ground_findings(
        [Draft("Number of hives", 1), Draft("Honey harvests per year", None)], PAIRS
    )

    assert [f.text for f in findings] == [
        "The apiary keeps twelve hives on the north slope.",
        "Honey is harvested twice a year, in June and September.",
    ]
    assert findings[0].citations == (HIVES.citations[0],)  # that sentence's own marker
    assert findings[1].citations == HONEY.citations


@pytest.mark.parametrize("answer", [None, 0, 3, -1])
def test_a_missing_or_invalid_answer_number_is_found_from_the_words(answer) -> None:
    findings = ground_findings([Draft("Honey is harvested in June and September.", answer)], PAIRS)

    assert findings[0].citations == HONEY.citations


def test_a_wrong_answer_number_sharing_no_word_is_corrected() -> None:
    findings = ground_findings([Draft("Honey is harvested in June and September.", 1)], PAIRS)

    assert findings[0].citations == HONEY.citations


def test_a_sentence_the_answers_barely_back_becomes_the_closest_answer_sentence() -> None:
    drafts = [Draft("Twelve volcanoes erupted basalt lava near the sea in March.", 1)]

    findings = ground_findings(drafts, PAIRS)

    assert [(f.text, f.citations) for f in findings] == [
        ("The apiary keeps twelve hives on the north slope.", (HIVES.citations[0],))
    ]


def test_findings_about_nothing_the_answers_said_are_dropped() -> None:
    drafts = [Draft("Volcanoes erupt basalt lava.", 1), Draft("Lava type", 2)]

    assert ground_findings(drafts, PAIRS) == []


def test_an_uncited_list_item_gets_its_answers_citations() -> None:
    findings = ground_findings([Draft("Winter honey", 2)], PAIRS)

    assert findings[0].text == "Beekeepers should leave enough honey for the winter."
    assert findings[0].citations == HONEY.citations


def test_duplicates_collapse() -> None:
    drafts = [Draft("Number of hives", 1), Draft("Hives number", 2)]

    assert len(ground_findings(drafts, PAIRS)) == 1


def test_without_cited_answers_drafts_come_back_as_written() -> None:
    uncited = [(QUESTIONS[0], Message("assistant", NOT_FOUND))]

    findings = ground_findings([Draft("Number of hives [1]", 1)], uncited)

    assert [(f.text, f.citations) for f in findings] == [("Number of hives", ())]


def test_a_finding_cut_at_a_list_becomes_a_list_item() -> None:
    answer = Message(
        "assistant",
        "The technique has three phases [1]:\n1. Data preprocessing normalises the technique's "
        "input values [1].\n2. Pre-training initialises the potential weights [2].",
        citations=(citation(1, "pwla.pdf", 3), citation(2, "pwla.pdf", 4)),
    )
    pairs = [(Message("user", "Which phases?"), answer)]
    from tunedd_api.chat.extractive import Finding

    findings = complete_findings(
        [Finding("The technique has three phases:\n1.", answer.citations)], pairs
    )

    assert [f.text for f in findings] == [
        "Data preprocessing normalises the technique's input values."
    ]
    assert findings[0].citations == (answer.citations[0],)


def test_when_nothing_is_left_each_cited_answer_gives_its_first_sentence() -> None:
    from tunedd_api.chat.extractive import Finding

    findings = complete_findings([Finding("Volcano facts")], PAIRS)

    assert [(f.text, f.citations) for f in findings] == [
        ("The apiary keeps twelve hives on the north slope.", (HIVES.citations[0],)),
        ("Honey is harvested twice a year, in June and September.", HONEY.citations),
    ]


def test_extractive_findings_without_citations_get_their_answers() -> None:
    from tunedd_api.chat.extractive import Finding

    findings = complete_findings(
        [Finding("Beekeepers should leave enough honey for the winter."), Finding("Twelve hives")],
        PAIRS,
    )

    assert findings[0].citations == HONEY.citations
    assert findings[1].text == "The apiary keeps twelve hives on the north slope."
    assert findings[1].citations == (HIVES.citations[0],)


# --- through the summarizer, with a fake model ----------------------------------------------


def conversation(*pairs: tuple[Message, Message]) -> Conversation:
    messages = tuple(m for pair in pairs for m in pair)
    return Conversation(uuid.uuid4(), None, datetime.now(timezone.utc), messages)


def summarizer(reply: dict | str) -> Summarizer:
    text = reply if isinstance(reply, str) else json.dumps(reply)
    return Summarizer(
        chat_model=mock_chat_model(lambda messages: text),
        not_found_answer=NOT_FOUND,
        timeout_s=5,
    )


def draft(*findings: dict) -> dict:
    return {
        "summary": "The user asked about hives and honey.",
        "key_findings": list(findings),
        "open_questions": [],
        "action_items": [],
    }


def assert_promise_kept(findings) -> None:
    assert findings
    for finding in findings:
        assert is_sentence(finding.text), finding.text
        assert finding.citations, finding.text


def test_labels_from_the_model_become_cited_sentences() -> None:
    reply = draft({"finding": "Number of hives", "answer": 1}, {"finding": "Honey", "answer": 2})

    summary = summarizer(reply).summarize(conversation(*PAIRS))

    assert summary.method == "llm"
    assert_promise_kept(summary.key_findings)
    assert summary.key_findings[0].text.startswith("The apiary keeps twelve hives")


def test_bad_answer_numbers_from_the_model_still_get_citations() -> None:
    reply = draft(
        {"finding": "The apiary keeps twelve hives.", "answer": 9},
        {"finding": "Honey is harvested twice a year.", "answer": 0},
        {"finding": "Each hive holds about forty thousand bees."},
    )

    summary = summarizer(reply).summarize(conversation(*PAIRS))

    assert_promise_kept(summary.key_findings)
    assert [f.citations for f in summary.key_findings] == [
        HIVES.citations,
        HONEY.citations,
        HIVES.citations,
    ]


def test_no_usable_finding_from_the_model_falls_back_to_cited_answer_sentences() -> None:
    reply = draft({"finding": "Volcanoes erupt lava.", "answer": 1})

    summary = summarizer(reply).summarize(conversation(*PAIRS))

    assert summary.method == "llm"
    assert_promise_kept(summary.key_findings)


def test_the_extractive_fallback_keeps_the_promise_too() -> None:
    summary = summarizer("not json").summarize(conversation(*PAIRS))

    assert summary.method == "extractive"
    assert_promise_kept(summary.key_findings)


def test_the_prompt_asks_for_sentences_and_answer_numbers_first() -> None:
    from tunedd_api.chat.summary import SUMMARY_SYSTEM_PROMPT, SummaryDraft
    from tunedd_api.structured_output import json_schema_for

    item = json_schema_for(SummaryDraft)["properties"]["key_findings"]["items"]
    assert list(item["properties"]) == ["answer", "finding"]
    assert item["properties"]["answer"] == {"type": "integer"}
    assert "complete sentence" in SUMMARY_SYSTEM_PROMPT
