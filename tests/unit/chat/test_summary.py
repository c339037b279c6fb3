"""Conversation summaries: lenient JSON parsing, schema checks, citations, cache, fallbacks."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Iterator

import pytest
from apps import volcano_client
from fakes import FakeStack, RecordingLLM
from fastapi.testclient import TestClient
from haystack.dataclasses import ChatMessage

from tunedd_api.api.schemas import SummaryOut
from tunedd_api.chat.summary import SummaryDraft
from tunedd_api.errors import StructuredOutputError
from tunedd_api.structured_output import parse_structured

ANSWER = "Volcanoes erupt molten basalt lava [1]. Magma chambers feed volcano vents [1]."
SUMMARY_JSON = {
    "summary": "The user asked about volcanoes and learned they erupt basalt lava.",
    "key_findings": [{"finding": "Volcanoes erupt basalt lava.", "answer": 1}],
    "open_questions": ["How hot is the lava?"],
    "action_items": [],
}


class Replies:
    """Answers chat prompts with ANSWER and summary prompts with ``summary``."""

    def __init__(self) -> None:
        self.summary: str | BaseException = json.dumps(SUMMARY_JSON)
        self.summary_calls = 0
        self.delay_s = 0.0

    def __call__(self, messages: list[ChatMessage]) -> str:
        if "summarise" not in (messages[0].text or "").lower():
            return ANSWER
        self.summary_calls += 1
        time.sleep(self.delay_s)
        if isinstance(self.summary, BaseException):
            raise self.summary
        return self.summary


@pytest.fixture()
def replies() -> Replies:
    return Replies()


@pytest.fixture()
def client(tmp_path: Path, replies: Replies) -> Iterator[TestClient]:
    backend = FakeStack(RecordingLLM(replies))
    with volcano_client(tmp_path, backend, summary_timeout_s=0.5) as test_client:
        yield test_client


def conversation_with_exchanges(client: TestClient, *questions: str) -> str:
    conversation_id = client.post("/conversations").json()["id"]
    for question in questions:
        response = client.post(
            f"/conversations/{conversation_id}/messages", json={"message": question}
        )
        assert response.status_code == 200
    return conversation_id


@pytest.mark.parametrize(
    "text",
    [
        json.dumps(SUMMARY_JSON),
        "```json\n" + json.dumps(SUMMARY_JSON) + "\n```",
        "Here is the summary: " + json.dumps(SUMMARY_JSON) + " Hope this helps.",
        json.dumps(SUMMARY_JSON).replace("[]}", "[],}"),  # trailing comma
    ],
)
def test_lenient_parse_recovers_the_object(text: str) -> None:
    draft = parse_structured(text, SummaryDraft)
    assert draft.summary == SUMMARY_JSON["summary"]
    assert draft.key_findings[0].answer == 1


@pytest.mark.parametrize(
    "text",
    ["no json here", '{"summary": ', '{"key_findings": []}', '{"summary": ""}', "[1, 2]"],
)
def test_unusable_output_is_rejected(text: str) -> None:
    with pytest.raises(StructuredOutputError):
        parse_structured(text, SummaryDraft)


def test_llm_summary_carries_citations_of_the_answer_it_names(client, replies) -> None:
    conversation_id = conversation_with_exchanges(client, "What do volcanoes erupt?")

    response = client.get(f"/conversations/{conversation_id}/summary")

    assert response.status_code == 200
    body = SummaryOut.model_validate(response.json())
    assert body.method == "llm" and body.fallback_reason is None
    assert body.summary == SUMMARY_JSON["summary"]
    assert body.key_findings[0].text == "Volcanoes erupt basalt lava."
    assert body.key_findings[0].citations[0].file_name == "volcano.pdf"
    assert body.open_questions == ["How hot is the lava?"]
    assert body.message_count == 2 and body.cached is False


def test_labels_and_bad_answer_numbers_still_give_cited_sentences(client, replies) -> None:
    replies.summary = json.dumps(
        {
            **SUMMARY_JSON,
            "key_findings": [
                {"answer": 1, "finding": "Lava type"},
                {"answer": 7, "finding": "Magma chambers feed the vents."},
            ],
        }
    )
    conversation_id = conversation_with_exchanges(client, "What do volcanoes erupt?")

    body = SummaryOut.model_validate(client.get(f"/conversations/{conversation_id}/summary").json())

    assert body.method == "llm"
    assert [f.text for f in body.key_findings] == [
        "Volcanoes erupt molten basalt lava.",
        "Magma chambers feed the vents.",
    ]
    assert all(f.citations and f.citations[0].file_name == "volcano.pdf" for f in body.key_findings)


def test_summary_is_cached_until_the_conversation_changes(client, replies) -> None:
    conversation_id = conversation_with_exchanges(client, "What do volcanoes erupt?")
    url = f"/conversations/{conversation_id}/summary"

    first, second = client.get(url).json(), client.get(url).json()
    client.post(f"/conversations/{conversation_id}/messages", json={"message": "Magma chambers?"})
    third = client.get(url).json()

    assert (first["cached"], second["cached"], third["cached"]) == (False, True, False)
    assert replies.summary_calls == 2
    assert third["message_count"] == 4


@pytest.mark.parametrize(
    "failure",
    ["I am sorry, I cannot do that.", RuntimeError("ollama: connection refused"), "slow"],
)
def test_failed_llm_summary_falls_back_to_extractive(client, replies, failure) -> None:
    if failure == "slow":
        replies.delay_s = 1.0  # over summary_timeout_s
    else:
        replies.summary = failure
    conversation_id = conversation_with_exchanges(
        client, "What do volcanoes erupt?", "Quantum chromodynamics gluon confinement?"
    )

    response = client.get(f"/conversations/{conversation_id}/summary")

    assert response.status_code == 200
    body = SummaryOut.model_validate(response.json())
    assert body.method == "extractive" and body.fallback_reason
    assert "2 question(s) asked, 1 answered" in body.summary
    assert body.key_findings and body.key_findings[0].citations[0].pages == [1, 2]
    assert "[" not in body.key_findings[0].text
    assert body.open_questions == ["Quantum chromodynamics gluon confinement?"]


def test_empty_conversation_has_an_empty_summary_without_llm(client, replies) -> None:
    conversation_id = client.post("/conversations").json()["id"]

    body = client.get(f"/conversations/{conversation_id}/summary").json()

    assert body["method"] == "empty" and body["key_findings"] == []
    assert replies.summary_calls == 0


def test_summary_of_unknown_conversation_is_404(client) -> None:
    assert client.get(f"/conversations/{uuid.uuid4()}/summary").status_code == 404
