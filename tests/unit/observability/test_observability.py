"""Request ids, JSON logs and Prometheus metrics; and concurrency on one conversation."""

from __future__ import annotations

import json
import logging
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterator

import pytest
from apps import volcano_client
from fakes import FakeStack, RecordingLLM
from fastapi.testclient import TestClient
from haystack.dataclasses import ChatMessage

from tunedd_api.observability.logging import JsonFormatter, RequestIdFilter


def echo_question(messages: list[ChatMessage]) -> str:
    """Answers with the question's tag, so each answer can be matched to its question."""
    tag = re.search(r"volcano question (\d+)", messages[-1].text or "")
    return f"Volcanoes erupt molten basalt lava, answer {tag.group(1) if tag else '?'} [1]."


@pytest.fixture()
def client(tmp_path: Path) -> Iterator[TestClient]:
    backend = FakeStack(RecordingLLM(echo_question))
    with volcano_client(tmp_path, backend, llm_max_queue=64, followup_rewrite="off") as client:
        yield client


def test_request_id_is_echoed_or_generated(client: TestClient) -> None:
    given = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    generated = client.get("/healthz")
    hostile = client.get("/healthz", headers={"X-Request-ID": "bad id\nwith newline"})

    assert given.headers["x-request-id"] == "abc-123"
    assert re.fullmatch(r"[0-9a-f]{32}", generated.headers["x-request-id"])
    assert hostile.headers["x-request-id"] != "bad id\nwith newline"


def test_log_lines_are_json_with_the_request_id(client: TestClient) -> None:
    records: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Collect()
    handler.addFilter(RequestIdFilter())
    package_logger = logging.getLogger("tunedd_api")
    previous_level = package_logger.level
    package_logger.setLevel(logging.INFO)
    package_logger.addHandler(handler)
    try:
        client.post("/conversations/not-a-uuid/messages", json={"message": "hi"})
        conversation_id = client.post("/conversations").json()["id"]
        client.post(
            f"/conversations/{conversation_id}/messages",
            json={"message": "   "},
            headers={"X-Request-ID": "req-42"},
        )
    finally:
        package_logger.removeHandler(handler)
        package_logger.setLevel(previous_level)

    lines = [json.loads(JsonFormatter().format(r)) for r in records]
    tagged = [line for line in lines if line["request_id"] == "req-42"]
    assert tagged and tagged[0]["level"] == "INFO" and "invalid_input" in tagged[0]["message"]
    assert {"time", "level", "logger", "message", "request_id"} <= set(tagged[0])


def test_metrics_count_requests_by_route_template(client: TestClient) -> None:
    conversation_id = client.post("/conversations").json()["id"]
    client.post(
        f"/conversations/{conversation_id}/messages", json={"message": "volcano question 1"}
    )
    client.get(f"/conversations/{conversation_id}")

    text = client.get("/metrics").text

    assert re.search(
        r'tunedd_http_requests_total\{method="POST",route="/conversations/\{conversation_id\}'
        r'/messages",status="200"\} [1-9]',
        text,
    )
    assert conversation_id not in text  # ids never become labels
    for name in (
        "tunedd_retrieval_seconds_count",
        "tunedd_llm_seconds_count",
        'tunedd_embedding_seconds_count{kind="query"}',
        'tunedd_llm_tokens_total{direction="in"}',
        "tunedd_llm_queue_depth",
        "tunedd_conversations",
        'tunedd_indexing_documents_total{outcome="indexed"}',
    ):
        assert name in text, name


def test_parallel_messages_to_one_conversation_are_serialised(client: TestClient) -> None:
    conversation_id = client.post("/conversations").json()["id"]
    url = f"/conversations/{conversation_id}/messages"

    def send(i: int) -> int:
        return client.post(url, json={"message": f"volcano question {i}"}).status_code

    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(send, range(24)))

    assert statuses == [200] * 24
    messages = client.get(f"/conversations/{conversation_id}").json()["messages"]
    assert len(messages) == 48
    assert [m["role"] for m in messages] == ["user", "assistant"] * 24
    asked = []
    for question, answer in zip(messages[::2], messages[1::2]):
        number = question["content"].rsplit(" ", 1)[1]
        assert f"answer {number} " in answer["content"]  # each answer follows its own question
        asked.append(int(number))
    assert sorted(asked) == list(range(24))


def test_parallel_conversations_do_not_mix(client: TestClient) -> None:
    ids = [client.post("/conversations").json()["id"] for _ in range(8)]

    def send(i: int) -> None:
        client.post(f"/conversations/{ids[i]}/messages", json={"message": f"volcano question {i}"})

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(send, range(8)))

    for i, conversation_id in enumerate(ids):
        messages = client.get(f"/conversations/{conversation_id}").json()["messages"]
        assert [m["content"] for m in messages][0] == f"volcano question {i}"
        assert f"answer {i} " in messages[1]["content"]
