"""Theme discovery over the API with the fake backend: validation, accounting, determinism,
LLM fallback, and that nothing is kept."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Iterator

import pytest
from apps import volcano_client
from fakes import FakeStack, RecordingLLM
from fastapi.testclient import TestClient
from haystack.dataclasses import ChatMessage

from tunedd_api.insights.sentiment import cluster_sentiment, sentence_score

LOGIN = [
    "I cannot login, the login button gives an error",
    "Login fails with an error every morning",
    "The login error appears after the update",
    "Login error again, cannot get in",
]
REFUND = [
    "Refund took three weeks to arrive",
    "Still waiting for my refund after three weeks",
    "The refund never arrived, waiting weeks",
]
NOISE = ["My cat walked on the keyboard lol"]


def body(theme: str = "accounts") -> dict:
    shared = str(uuid.uuid4())
    sentences = [
        {"id": shared if i < 2 else str(uuid.uuid4()), "sentence": s}
        for i, s in enumerate(LOGIN + REFUND + NOISE)
    ]
    return {"theme": theme, "sentences": sentences}


def labels_reply(messages: list[ChatMessage]) -> str:
    clusters = (messages[-1].text or "").count("Cluster ")
    return json.dumps(
        {
            "clusters": [
                {"id": i, "title": f"Topic {i}", "sentiment": "negative", "insights": ["Fix it"]}
                for i in range(clusters)
            ]
        }
    )


@pytest.fixture()
def llm() -> RecordingLLM:
    return RecordingLLM(labels_reply)


@pytest.fixture()
def client(tmp_path: Path, llm: RecordingLLM) -> Iterator[TestClient]:
    with volcano_client(
        tmp_path,
        FakeStack(llm),
        insights_distance_threshold=0.8,
        insights_llm_min_s=0.0,
        insights_llm_labels=True,
    ) as test_client:
        yield test_client


def test_every_sentence_is_in_one_cluster_or_unclustered(client: TestClient) -> None:
    response = client.post("/insights/themes", json=body())

    assert response.status_code == 200, response.text
    result = response.json()
    placed = [s["sentence"] for c in result["clusters"] for s in c["sentences"]]
    placed += [s["sentence"] for s in result["unclustered"]]
    assert sorted(placed) == sorted(LOGIN + REFUND + NOISE)
    sizes = [c["size"] for c in result["clusters"]]
    assert sizes == sorted(sizes, reverse=True) and sizes[0] == len(LOGIN)
    login = result["clusters"][0]
    assert {s["sentence"] for s in login["sentences"]} == set(LOGIN)
    assert login["sentence_ids"][0] == login["sentence_ids"][1]  # one comment, two sentences
    assert result["labels_by"] == "llm" and login["title"] == "Topic 0", result["flags"]


def test_same_input_same_output(client: TestClient) -> None:
    request = body()
    first = client.post("/insights/themes", json=request).json()
    second = client.post("/insights/themes", json=request).json()
    first.pop("seconds"), second.pop("seconds")
    assert first == second


def test_llm_failure_falls_back_to_keywords_and_lexicon(client, llm) -> None:
    llm.reply = "this is not json"

    result = client.post("/insights/themes", json=body()).json()

    assert result["labels_by"] == "keywords"
    assert any(flag.startswith("llm_fallback") for flag in result["flags"])
    login = result["clusters"][0]
    assert "login" in login["title"] and login["sentiment"] == "negative"
    assert login["key_insights"]


@pytest.mark.parametrize(
    ("sentences", "field"),
    [
        ([{"id": "not-a-uuid", "sentence": "hi"}], "id"),
        ([{"id": str(uuid.uuid4()), "sentence": "   "}], "sentence"),
        ([{"id": str(uuid.uuid4()), "sentence": ""}], "sentence"),
        ([], "sentences"),
        ([{"id": str(uuid.uuid4()), "sentence": "x", "extra": 1}], "extra"),
    ],
)
def test_invalid_input_is_a_clear_422(client, sentences, field) -> None:
    response = client.post("/insights/themes", json={"theme": "accounts", "sentences": sentences})
    assert response.status_code == 422
    assert field in response.json()["detail"]


def test_nothing_is_kept_after_the_response(client: TestClient, tmp_path: Path) -> None:
    files_before = sorted(p.name for p in tmp_path.rglob("*"))
    client.post("/insights/themes", json=body())
    assert client.app.state.tunedd.conversations.count() == 0
    assert sorted(p.name for p in tmp_path.rglob("*")) == files_before


def test_conversation_insights_cluster_user_messages(client: TestClient) -> None:
    for question in ("What do volcanoes erupt?", "Which lava do volcanoes erupt?"):
        conversation_id = client.post("/conversations").json()["id"]
        client.post(f"/conversations/{conversation_id}/messages", json={"message": question})

    result = client.get("/insights/conversations").json()

    placed = [s["sentence"] for c in result["clusters"] for s in c["sentences"]]
    placed += [s["sentence"] for s in result["unclustered"]]
    assert sorted(placed) == ["What do volcanoes erupt?", "Which lava do volcanoes erupt?"]


def test_lexicon_handles_negation() -> None:
    assert sentence_score("Login works great") > 0
    assert sentence_score("Login is not great") < 0
    assert cluster_sentiment([0.8, -0.8, 0.8, -0.8])[0] == "mixed"
    assert cluster_sentiment([-0.5, -0.3, 0.1])[0] == "negative"


def test_text_without_words_stays_unclustered(client: TestClient) -> None:
    sentences = [{"id": str(uuid.uuid4()), "sentence": s} for s in (":", "0", "!!")]
    result = client.post("/insights/themes", json={"theme": "x", "sentences": sentences}).json()
    assert result["clusters"] == [] and len(result["unclustered"]) == 3


def test_embedded_default_names_clusters_without_the_llm(tmp_path: Path, llm) -> None:
    with volcano_client(tmp_path, FakeStack(llm), insights_distance_threshold=0.8) as client:
        result = client.post("/insights/themes", json=body()).json()
    assert result["labels_by"] == "keywords" and result["flags"] == ["llm_disabled"]
    assert llm.prompts == []
