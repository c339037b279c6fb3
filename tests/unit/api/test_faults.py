"""Fault injection through the API: a backend that times out, errors, answers 429, then
recovers. Retries hide blips, the breaker fails fast while it is down and recovers by itself,
and no failure loses or corrupts stored history."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
from apps import volcano_client
from fakes import BowTextEmbedder, FakeStack, HTTPStatusError, ManualClock, RecordingLLM
from fastapi.testclient import TestClient

QUESTION = {"message": "What do volcanoes erupt?"}


class FlakyEmbedder:
    """The real (bag-of-words) query embedder behind a switchable fault."""

    def __init__(self) -> None:
        self.inner = BowTextEmbedder()
        self.failures: list[Exception] = []
        self.down = False
        self.calls = 0

    def run(self, text: str) -> dict:
        self.calls += 1
        if self.down:
            raise ConnectionError("embedder unreachable")
        if self.failures:
            raise self.failures.pop(0)
        return self.inner.run(text=text)


@pytest.fixture()
def backend() -> FakeStack:
    backend = FakeStack(RecordingLLM("Volcanoes erupt molten basalt lava [1]."))
    backend.text_embedder = FlakyEmbedder()
    return backend


@pytest.fixture()
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture()
def client(tmp_path: Path, backend: FakeStack, clock: ManualClock) -> Iterator[TestClient]:
    with volcano_client(
        tmp_path,
        backend,
        clock=clock,
        retry_attempts=3,
        retry_base_delay_s=0.0,
        retry_max_delay_s=0.05,
        breaker_failure_threshold=3,
        breaker_reset_s=0.3,
    ) as test_client:
        yield test_client


def history(client: TestClient, conversation_id: str) -> list[dict]:
    return client.get(f"/conversations/{conversation_id}").json()["messages"]


@pytest.mark.parametrize(
    "blips",
    [
        [TimeoutError("read timed out")],
        [HTTPStatusError(503), HTTPStatusError(502)],
        [HTTPStatusError(429, retry_after="0")],
    ],
)
def test_transient_faults_are_retried_invisibly(client, backend, blips) -> None:
    conversation_id = client.post("/conversations").json()["id"]
    backend.text_embedder.failures = list(blips)

    response = client.post(f"/conversations/{conversation_id}/messages", json=QUESTION)

    assert response.status_code == 200, response.text
    assert backend.text_embedder.calls == len(blips) + 1
    assert len(history(client, conversation_id)) == 2


def test_dead_backend_opens_the_breaker_then_recovers(client, backend, clock) -> None:
    conversation_id = client.post("/conversations").json()["id"]
    url = f"/conversations/{conversation_id}/messages"
    assert client.post(url, json=QUESTION).status_code == 200
    backend.text_embedder.down = True

    first = client.post(url, json=QUESTION)  # 3 tries, 3 failures: the breaker opens
    calls_when_open = backend.text_embedder.calls
    fast = client.post(url, json=QUESTION)

    assert first.status_code == 503 and first.json()["code"] == "backend_unavailable"
    assert fast.status_code == 503 and fast.json()["code"] == "circuit_open"
    assert int(fast.headers["Retry-After"]) >= 1
    assert backend.text_embedder.calls == calls_when_open  # failed fast, backend not called
    assert client.get("/readyz").json()["circuit_breakers"]["embedder"] == "open"
    metrics = client.get("/metrics").text
    assert 'tunedd_circuit_state{dependency="embedder"} 2.0' in metrics

    backend.text_embedder.down = False
    clock.advance(0.35)  # past breaker_reset_s: the next call is the half-open trial
    recovered = client.post(url, json=QUESTION)

    assert recovered.status_code == 200
    assert client.get("/readyz").json()["circuit_breakers"]["embedder"] == "closed"
    messages = history(client, conversation_id)
    assert [m["role"] for m in messages] == ["user", "assistant"] * 2  # nothing lost or half


def test_llm_errors_are_retried_and_failures_store_nothing(client, backend) -> None:
    conversation_id = client.post("/conversations").json()["id"]
    url = f"/conversations/{conversation_id}/messages"
    outcomes: list[Exception | None] = [HTTPStatusError(500), None]

    def reply(_messages):
        outcome = outcomes.pop(0) if outcomes else ValueError("model crashed for good")
        if outcome is not None:
            raise outcome
        return "Volcanoes erupt molten basalt lava [1]."

    backend.llm.reply = reply
    assert client.post(url, json=QUESTION).status_code == 200  # 500, then success
    failed = client.post(url, json=QUESTION)  # a non-transient error: not retried

    assert failed.status_code == 503 and failed.json()["code"] == "backend_unavailable"
    assert [m["role"] for m in history(client, conversation_id)] == ["user", "assistant"]
