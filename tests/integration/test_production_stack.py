"""The same app against real Weaviate and Ollama (the GitHub workflow starts them).

Skipped unless TUNEDD_INTEGRATION=1, with the services at RAG_WEAVIATE_URL / RAG_OLLAMA_URL.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sse import parse_sse

from tunedd_api.api.schemas import SummaryOut
from tunedd_api.main import create_app
from tunedd_api.settings import BackendKind, Settings

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        os.environ.get("TUNEDD_INTEGRATION") != "1",
        reason="needs running Weaviate and Ollama; set TUNEDD_INTEGRATION=1 (see the workflow)",
    ),
]


@pytest.fixture(scope="module")
def settings(sample_data_dir: Path) -> Settings:
    return Settings(
        backend=BackendKind.PRODUCTION,
        data_dir=sample_data_dir,
        weaviate_collection="TunedDIntegration",
        llm_timeout_s=600,
    )


@pytest.fixture(scope="module")
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        test_client.app.state.tunedd.backend.document_store.delete_all_documents()
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_chat_endpoint_end_to_end(client: TestClient) -> None:
    conversation = client.post("/conversations").json()["id"]

    response = client.post(
        f"/conversations/{conversation}/messages",
        json={"message": "How many hives does the Halvorsen Library rooftop apiary host?"},
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["answered_from_documents"] is True
    assert body["sources"][0]["file_name"] == "urban-beekeeping-guide.pdf"


def test_scoped_retrieval_is_a_weaviate_filter(client: TestClient) -> None:
    documents = {d["file_name"]: d["id"] for d in client.get("/documents").json()["documents"]}
    scope = [documents["sourdough-baking-notes.pdf"]]

    results = client.post(
        "/search", json={"query": "tidal barrage megawatts", "document_ids": scope}
    ).json()["results"]

    assert results and {r["document_id"] for r in results} == set(scope)


def test_restart_reindexes_nothing(settings: Settings, client: TestClient) -> None:
    with TestClient(create_app(settings)) as restarted:
        report = restarted.app.state.tunedd.index_report

    assert report.indexed == 0 and report.reused == 3


def test_onnx_embedder_matches_ollama(client: TestClient) -> None:
    from tunedd_api.embedding.onnx_encoder import OnnxMiniLMEncoder

    text = "Multi-agent systems coordinate specialised LLM agents."
    ollama = np.array(client.app.state.tunedd.backend.text_embedder.run(text=text)["embedding"])
    onnx = OnnxMiniLMEncoder().encode([text])[0]

    cosine = float(ollama @ onnx / np.linalg.norm(ollama) / np.linalg.norm(onnx))
    assert cosine > 0.99


def test_streaming_through_ollama(client: TestClient) -> None:
    conversation = client.post("/conversations").json()["id"]

    response = client.post(
        f"/conversations/{conversation}/messages",
        json={"message": "How many hives does the Halvorsen Library rooftop apiary host?"},
        headers={"Accept": "text/event-stream"},
    )

    events = parse_sse(response.text)
    names = [name for name, _ in events]
    assert names[0] == "retrieval" and "token" in names and names[-1] == "done"
    stored = client.get(f"/conversations/{conversation}").json()["messages"]
    assert stored[-1]["id"] == events[-1][1]["message_id"]


def test_summary_through_ollama_json_format(client: TestClient) -> None:
    conversation = client.post("/conversations").json()["id"]
    client.post(
        f"/conversations/{conversation}/messages",
        json={"message": "How many hives does the Halvorsen Library rooftop apiary host?"},
    )

    summary = SummaryOut.model_validate(client.get(f"/conversations/{conversation}/summary").json())

    assert summary.method == "llm", summary.fallback_reason
    assert summary.summary


def test_worker_scores_records_through_ollama(client: TestClient, tmp_path: Path) -> None:
    from tunedd_api.records.ingest import ingest_file
    from tunedd_api.records.queries import RecordFilter, list_records
    from tunedd_api.records.scoring import SCORE_SCALE, CategoryScheme, LLMScorer
    from tunedd_api.records.store import RecordStore
    from tunedd_api.records.worker import Worker

    sample = Path(__file__).resolve().parents[2] / "data" / "records" / "sample_tweets.csv"
    rows = sample.read_text(encoding="utf-8").splitlines()
    small = tmp_path / "tweets.csv"
    small.write_text("\n".join(rows[:9]) + "\n", encoding="utf-8")
    store = RecordStore(f"sqlite:///{tmp_path / 'records.db'}")
    ingest_file(small, store)
    state = client.app.state.tunedd
    scheme = CategoryScheme(tuple(state.settings.records_categories))
    model = state.backend.chat_model

    report = Worker(
        store=store,
        scorer=LLMScorer(model, scheme, timeout_s=300),
        model_name=model.model_name,
        prompt_version=scheme.prompt_version,
    ).run()

    assert report.done == 8 and report.failed == 0
    for record in list_records(store, RecordFilter(limit=10)):
        assert record["score"] in SCORE_SCALE and set(record["categories"]) <= set(scheme.names)
