"""The HTTP API over a fake backend: conversations, scoping, history, citations and errors."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Iterator

import pytest
from fakes import FakeStack, RecordingLLM
from fastapi.testclient import TestClient
from pdf_factory import make_corrupt_pdf, make_pdf

from tunedd_api.turns import NOT_FOUND_ANSWER
from tunedd_api.main import create_app
from tunedd_api.settings import Settings

VOLCANO = ["Volcanoes erupt molten basalt lava.", "Magma chambers feed volcano vents deep below."]
GLACIER = ["Glaciers carve valleys from granite.", "Ice sheets retreat as summers warm."]


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    data = tmp_path / "data"
    make_pdf(data / "volcano.pdf", VOLCANO, title="Volcano Notes")
    make_pdf(data / "glacier.pdf", GLACIER, title="Glacier Notes")
    make_corrupt_pdf(data / "broken.pdf")
    return Settings(
        _env_file=None,
        data_dir=data,
        index_dir=tmp_path / "index",
        index_workers=1,
        top_k=3,
        max_top_k=10,
        min_relevance=0.1,
        max_message_chars=500,
    )


@pytest.fixture()
def llm() -> RecordingLLM:
    return RecordingLLM("Basalt lava erupts from volcanoes [1]. Also see [9].")


@pytest.fixture()
def client(settings: Settings, llm: RecordingLLM) -> Iterator[TestClient]:
    with TestClient(create_app(settings, stack=FakeStack(llm))) as test_client:
        yield test_client


def _doc_ids(client: TestClient) -> dict[str, str]:
    documents = client.get("/documents").json()["documents"]
    return {d["file_name"]: d["id"] for d in documents if d["status"] == "indexed"}


def _new_conversation(client: TestClient, document_ids: list[str] | None = None) -> str:
    body = {"document_ids": document_ids} if document_ids is not None else {}
    response = client.post("/conversations", json=body)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_documents_lists_indexed_and_failed_files(client: TestClient) -> None:
    documents = {d["file_name"]: d for d in client.get("/documents").json()["documents"]}

    assert documents["volcano.pdf"]["status"] == "indexed"
    assert documents["volcano.pdf"]["title"] == "Volcano Notes"
    assert documents["volcano.pdf"]["page_count"] == 2
    assert documents["volcano.pdf"]["chunk_count"] >= 1
    assert documents["broken.pdf"]["status"] == "failed"
    assert "corrupt" in documents["broken.pdf"]["error"]


def test_message_answer_has_verified_citations_with_pages(client: TestClient) -> None:
    conversation_id = _new_conversation(client)

    response = client.post(
        f"/conversations/{conversation_id}/messages", json={"message": "Which lava is basalt?"}
    )

    assert response.status_code == 200, response.text
    body = response.json()
    # "Also see [9]." names no source: without its marker it says nothing and is dropped
    assert body["answer"] == "Basalt lava erupts from volcanoes [1]."
    assert body["answer_kind"] == "generated"
    assert [c["number"] for c in body["citations"]] == [1]
    citation = body["citations"][0]
    assert citation["file_name"] == "volcano.pdf"
    assert citation["pages"] == [1, 2]
    assert "basalt" in citation["snippet"].lower()
    assert body["answered_from_documents"] is True
    assert uuid.UUID(body["message_id"])


def test_a_marker_left_on_a_fragment_is_reported_not_a_server_error(
    client: TestClient, llm: RecordingLLM
) -> None:
    llm.reply = "Basalt lava erupts from volcanoes [1]. This is mentioned in [1]."
    conversation_id = _new_conversation(client)

    response = client.post(
        f"/conversations/{conversation_id}/messages", json={"message": "Which lava is basalt?"}
    )

    assert response.status_code == 200, response.text
    dropped = response.json()["dropped_citations"]
    assert {"number": 1, "reason": "fragment", "sentence": "This is mentioned in."} in dropped


def test_history_is_stored_and_reaches_the_next_prompt(client, llm: RecordingLLM) -> None:
    conversation_id = _new_conversation(client)
    url = f"/conversations/{conversation_id}/messages"
    client.post(url, json={"message": "Tell me about basalt lava."})

    client.post(url, json={"message": "Where does magma come from?"})

    second_prompt = llm.prompts[-1]
    assert [m.role.value for m in second_prompt] == ["system", "user", "assistant", "user"]
    assert second_prompt[1].text == "Tell me about basalt lava."
    assert second_prompt[2].text.startswith("Basalt lava erupts")
    messages = client.get(f"/conversations/{conversation_id}").json()["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "user", "assistant"]
    assert messages[2]["content"] == "Where does magma come from?"


def test_conversations_have_separate_histories(client, llm: RecordingLLM) -> None:
    first, second = _new_conversation(client), _new_conversation(client)
    client.post(f"/conversations/{first}/messages", json={"message": "Basalt lava?"})

    client.post(f"/conversations/{second}/messages", json={"message": "Magma chambers?"})

    assert [m.role.value for m in llm.prompts[-1]] == ["system", "user"]
    assert len(client.get(f"/conversations/{second}").json()["messages"]) == 2


def test_scoped_conversation_retrieves_only_its_documents(client, llm: RecordingLLM) -> None:
    ids = _doc_ids(client)
    conversation_id = _new_conversation(client, [ids["glacier.pdf"]])

    response = client.post(
        f"/conversations/{conversation_id}/messages",
        json={"message": "Volcanoes erupt basalt lava and ice glaciers carve valleys"},
    )

    sources = response.json()["sources"]
    assert sources and {s["file_name"] for s in sources} == {"glacier.pdf"}
    assert "molten" not in llm.prompts[-1][-1].text


def test_irrelevant_question_is_refused_without_calling_the_llm(client, llm) -> None:
    conversation_id = _new_conversation(client)

    response = client.post(
        f"/conversations/{conversation_id}/messages", json={"message": "Recipe for pancakes?"}
    )

    body = response.json()
    assert response.status_code == 200
    assert body["answer"] == NOT_FOUND_ANSWER
    assert body["answered_from_documents"] is False and body["citations"] == []
    assert llm.prompts == []


def test_unknown_document_ids_are_named_in_a_422(client: TestClient) -> None:
    ids = _doc_ids(client)

    response = client.post(
        "/conversations", json={"document_ids": [ids["volcano.pdf"], "nope", "missing"]}
    )

    assert response.status_code == 422
    assert response.json()["document_ids"] == ["nope", "missing"]
    assert response.json()["code"] == "unknown_documents"


def test_scope_is_returned_and_deduplicated(client: TestClient) -> None:
    volcano = _doc_ids(client)["volcano.pdf"]

    response = client.post("/conversations", json={"document_ids": [volcano, volcano]})

    assert response.json()["document_ids"] == [volcano]
    assert client.post("/conversations").json()["document_ids"] is None


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"message": ""}, 422),
        ({"message": "   "}, 422),
        ({"message": "x" * 501}, 422),
        ({"text": "hello"}, 422),
        ({"message": "hi", "unexpected": 1}, 422),
    ],
)
def test_bad_messages_are_rejected_and_history_unchanged(client, body, status) -> None:
    conversation_id = _new_conversation(client)

    response = client.post(f"/conversations/{conversation_id}/messages", json=body)

    assert response.status_code == status
    assert client.get(f"/conversations/{conversation_id}").json()["messages"] == []


def test_unknown_conversation_is_404(client: TestClient) -> None:
    missing = uuid.uuid4()

    assert client.get(f"/conversations/{missing}").status_code == 404
    response = client.post(f"/conversations/{missing}/messages", json={"message": "hi"})
    assert response.status_code == 404
    assert response.json()["code"] == "conversation_not_found"


def test_invalid_conversation_id_is_422(client: TestClient) -> None:
    assert client.get("/conversations/not-a-uuid").status_code == 422


def test_deleted_conversation_is_gone(client: TestClient) -> None:
    conversation_id = _new_conversation(client)

    assert client.delete(f"/conversations/{conversation_id}").status_code == 204
    assert client.get(f"/conversations/{conversation_id}").status_code == 404
    assert client.delete(f"/conversations/{conversation_id}").status_code == 404


def test_search_ranks_chunks_with_pages_and_respects_scope(client: TestClient) -> None:
    ids = _doc_ids(client)

    everything = client.post("/search", json={"query": "granite valleys glaciers"}).json()
    scoped = client.post(
        "/search",
        json={"query": "granite valleys glaciers", "document_ids": [ids["volcano.pdf"]]},
    ).json()

    assert everything["results"][0]["file_name"] == "glacier.pdf"
    assert everything["results"][0]["pages"] == [1, 2]
    assert {r["file_name"] for r in scoped["results"]} == {"volcano.pdf"}


@pytest.mark.parametrize("top_k", [0, 11, 10_000])
def test_search_rejects_out_of_range_top_k(client: TestClient, top_k: int) -> None:
    response = client.post("/search", json={"query": "lava", "top_k": top_k})

    assert response.status_code == 422


def test_health_and_readiness(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["dependencies"]["document_store"]["ok"] is True


def test_openapi_describes_every_schema_field(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    ours = {name: s for name, s in schemas.items() if not name.startswith(("HTTP", "Validation"))}

    undocumented = [
        f"{name}.{field}"
        for name, schema in ours.items()
        for field, spec in schema.get("properties", {}).items()
        if not spec.get("description")
        and not ("$ref" in spec and schemas[spec["$ref"].rsplit("/", 1)[1]].get("description"))
    ]
    assert undocumented == []
