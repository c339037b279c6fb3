"""The OpenAI-compatible endpoints, driven by the official `openai` Python client."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import openai
import pytest
from apps import volcano_client
from fakes import FakeStack, RecordingLLM
from fastapi.testclient import TestClient

ANSWER = "Volcanoes erupt molten basalt lava [1]."


@pytest.fixture()
def llm() -> RecordingLLM:
    return RecordingLLM(ANSWER)


@pytest.fixture()
def client(tmp_path: Path, llm: RecordingLLM) -> Iterator[TestClient]:
    with volcano_client(tmp_path, FakeStack(llm)) as test_client:
        yield test_client


@pytest.fixture()
def sdk(client: TestClient) -> openai.OpenAI:
    return openai.OpenAI(base_url="http://testserver/v1", api_key="unused", http_client=client)


def test_models_list_the_collection_and_each_document(sdk: openai.OpenAI, client) -> None:
    document_id = client.get("/documents").json()["documents"][0]["id"]
    assert [m.id for m in sdk.models.list()] == ["tunedd", f"tunedd:{document_id}"]


def test_completion_answers_with_citations(sdk: openai.OpenAI, llm: RecordingLLM) -> None:
    completion = sdk.chat.completions.create(
        model="tunedd", messages=[{"role": "user", "content": "What do volcanoes erupt?"}]
    )

    assert completion.choices[0].message.content == ANSWER
    assert completion.choices[0].finish_reason == "stop"
    citations = completion.model_extra["citations"]
    assert citations[0]["file_name"] == "volcano.pdf" and citations[0]["pages"] == [1, 2]
    assert [m.role.value for m in llm.prompts[-1]] == ["system", "user"]


def test_messages_array_is_the_history_and_nothing_is_stored(sdk, client, llm) -> None:
    sdk.chat.completions.create(
        model="tunedd",
        messages=[
            {"role": "system", "content": "You are a pirate."},
            {"role": "user", "content": "Tell me about basalt lava."},
            {"role": "assistant", "content": "It is molten rock."},
            {"role": "user", "content": "Where does magma come from?"},
        ],
    )

    prompt = llm.prompts[-1]
    assert [m.role.value for m in prompt] == ["system", "user", "assistant", "user"]
    assert prompt[1].text == "Tell me about basalt lava." and "pirate" not in prompt[0].text
    assert client.app.state.tunedd.conversations.count() == 0


def test_model_name_scopes_the_documents(sdk, client) -> None:
    with pytest.raises(openai.UnprocessableEntityError):
        sdk.chat.completions.create(
            model="tunedd:not-a-document", messages=[{"role": "user", "content": "lava?"}]
        )
    with pytest.raises(openai.UnprocessableEntityError):
        sdk.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "x"}])


def test_streaming_yields_chunks_then_citations(sdk: openai.OpenAI) -> None:
    stream = sdk.chat.completions.create(
        model="tunedd",
        messages=[{"role": "user", "content": "What do volcanoes erupt?"}],
        stream=True,
    )
    chunks = list(stream)

    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert text == ANSWER
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert chunks[-1].model_extra["citations"][0]["file_name"] == "volcano.pdf"


def test_oversized_question_is_rejected_like_on_conversations(sdk: openai.OpenAI, client) -> None:
    with pytest.raises(openai.UnprocessableEntityError):
        sdk.chat.completions.create(
            model="tunedd", messages=[{"role": "user", "content": "x" * 5000}]
        )
    assert client.app.state.tunedd.conversations.count() == 0  # the temporary one is gone
