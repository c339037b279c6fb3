"""Server-Sent Events for answers: event order, final payload, errors, and client disconnects."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from pathlib import Path
from typing import Callable, Iterator

import pytest
from apps import volcano_client
from fakes import FakeStack, RecordingLLM
from fastapi.testclient import TestClient
from haystack.dataclasses import ChatMessage, StreamingChunk
from sse import parse_sse

from tunedd_api.turns import NOT_FOUND_ANSWER

ANSWER = "Volcanoes erupt molten basalt lava [1]. Pancakes need flour [1]."


@pytest.fixture()
def backend() -> FakeStack:
    return FakeStack(RecordingLLM(ANSWER))


@pytest.fixture()
def client(tmp_path: Path, backend: FakeStack) -> Iterator[TestClient]:
    with volcano_client(tmp_path, backend) as test_client:
        yield test_client


def new_conversation(client: TestClient) -> str:
    return client.post("/conversations").json()["id"]


def test_stream_sends_retrieval_tokens_then_the_verified_answer(client: TestClient) -> None:
    conversation_id = new_conversation(client)

    response = client.post(
        f"/conversations/{conversation_id}/messages",
        json={"message": "What do volcanoes erupt?", "stream": True},
    )

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = parse_sse(response.text)
    names = [name for name, _ in events]
    assert names[0] == "retrieval" and names[-1] == "done"
    assert set(names[1:-1]) == {"token"}
    assert events[0][1]["sources"][0]["file_name"] == "volcano.pdf"
    assert "".join(data["text"] for name, data in events if name == "token") == ANSWER
    done = events[-1][1]
    assert (
        done["answer"]
        == "Volcanoes erupt molten basalt lava [1]. Pancakes need flour [unverified]."
    )
    assert done["citations"][0]["pages"] == [1, 2]
    assert done["groundedness"] == 0.5
    assert done["unsupported_sentences"] == ["Pancakes need flour."]
    stored = client.get(f"/conversations/{conversation_id}").json()["messages"]
    assert [m["role"] for m in stored] == ["user", "assistant"]
    assert stored[1]["id"] == done["message_id"] and stored[1]["content"] == done["answer"]


def test_accept_header_selects_streaming(client: TestClient) -> None:
    conversation_id = new_conversation(client)

    response = client.post(
        f"/conversations/{conversation_id}/messages",
        json={"message": "What do volcanoes erupt?"},
        headers={"Accept": "text/event-stream"},
    )

    assert [name for name, _ in parse_sse(response.text)][-1] == "done"


def test_errors_before_the_stream_starts_keep_their_status(client: TestClient) -> None:
    missing = client.post(
        f"/conversations/{uuid.uuid4()}/messages", json={"message": "hi", "stream": True}
    )
    blank = client.post(
        f"/conversations/{new_conversation(client)}/messages",
        json={"message": "  ", "stream": True},
    )

    assert missing.status_code == 404 and missing.json()["code"] == "conversation_not_found"
    assert blank.status_code == 422


def test_off_topic_question_streams_not_found_without_tokens(client: TestClient) -> None:
    response = client.post(
        f"/conversations/{new_conversation(client)}/messages",
        json={"message": "Quantum chromodynamics gluon confinement?", "stream": True},
    )

    events = parse_sse(response.text)
    assert [name for name, _ in events] == ["retrieval", "done"]
    assert events[0][1]["sources"] == []
    assert events[-1][1]["answer"] == NOT_FOUND_ANSWER


def test_model_failure_mid_stream_is_an_error_event_and_stores_nothing(
    client: TestClient, backend: FakeStack
) -> None:
    def fail(_messages: list[ChatMessage]) -> str:
        raise RuntimeError("llama.cpp crashed")

    backend.llm.reply = fail
    conversation_id = new_conversation(client)

    response = client.post(
        f"/conversations/{conversation_id}/messages",
        json={"message": "What do volcanoes erupt?", "stream": True},
    )

    events = parse_sse(response.text)
    assert [name for name, _ in events] == ["retrieval", "error"]
    assert events[-1][1]["code"] == "backend_unavailable" and events[-1][1]["status"] == 503
    assert client.get(f"/conversations/{conversation_id}").json()["messages"] == []


class SlowStreamingGenerator:
    """Streams one word every 20 ms; records how many words it produced."""

    def __init__(self, words: int = 200) -> None:
        self.words = words
        self.produced = 0
        self.finished = threading.Event()

    def run(
        self,
        messages: list[ChatMessage],
        generation_kwargs: dict | None = None,
        streaming_callback: Callable[[StreamingChunk], None] | None = None,
    ) -> dict:
        try:
            for _ in range(self.words):
                time.sleep(0.02)
                self.produced += 1
                if streaming_callback is not None:
                    streaming_callback(StreamingChunk(content="lava "))
            return {"replies": [ChatMessage.from_assistant("lava " * self.words)]}
        finally:
            self.finished.set()


def test_client_disconnect_mid_stream_leaves_history_unchanged(
    client: TestClient, backend: FakeStack
) -> None:
    conversation_id = new_conversation(client)
    slow = SlowStreamingGenerator()
    backend.chat_model.generator = slow
    backend.chat_model.stops_by_raising = True  # stop producing once the request is cancelled
    body = json.dumps({"message": "What do volcanoes erupt?", "stream": True}).encode()

    async def request_then_disconnect() -> list[bytes]:
        chunks: list[bytes] = []
        disconnected = asyncio.Event()
        requested = False

        async def receive() -> dict:
            nonlocal requested
            if not requested:
                requested = True
                return {"type": "http.request", "body": body, "more_body": False}
            await disconnected.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict) -> None:
            if message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if b"event: token" in message.get("body", b""):
                    disconnected.set()  # the client goes away after its first token

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": f"/conversations/{conversation_id}/messages",
            "raw_path": f"/conversations/{conversation_id}/messages".encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [(b"content-type", b"application/json"), (b"host", b"test")],
            "client": ("127.0.0.1", 1),
            "server": ("test", 80),
        }
        await client.app(scope, receive, send)
        return chunks

    assert client.portal is not None
    chunks = client.portal.call(request_then_disconnect)

    assert b"event: done" not in b"".join(chunks)
    assert slow.finished.wait(timeout=10)
    assert slow.produced < slow.words  # generation stopped early
    assert client.get(f"/conversations/{conversation_id}").json()["messages"] == []
    backend.chat_model.generator = FakeStack(RecordingLLM(ANSWER)).chat_model.generator
    backend.chat_model.stops_by_raising = False
    follow = client.post(
        f"/conversations/{conversation_id}/messages", json={"message": "What do volcanoes erupt?"}
    )
    assert follow.status_code == 200
    messages = client.get(f"/conversations/{conversation_id}").json()["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant"]
