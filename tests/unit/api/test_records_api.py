"""The /records read endpoints and the quality checks, over a database filled by the worker."""

from __future__ import annotations

from pathlib import Path

import pytest
from apps import volcano_client
from fakes import FakeStack

from tunedd_api.records.ingest import ingest_file
from tunedd_api.records.lexicon import lexicon_sentiment
from tunedd_api.records.quality import quality_report
from tunedd_api.records.scoring import Scored
from tunedd_api.records.store import RecordStore
from tunedd_api.records.worker import Worker

SAMPLE = Path(__file__).resolve().parents[3] / "data" / "records" / "sample_tweets.csv"


def lexicon_scorer(text: str) -> Scored:
    """A stand-in model: lexicon sentiment, a topic spread by text length."""
    score = {"positive": 0.75, "negative": -0.75, None: 0.0}[lexicon_sentiment(text)]
    return Scored(score=score, categories=(("sports", "weather", "food", "other")[len(text) % 4],))


@pytest.fixture()
def scored_db(db_url: str) -> str:
    store = RecordStore(db_url)
    ingest_file(SAMPLE, store)
    Worker(store=store, scorer=lexicon_scorer, model_name="fake", prompt_version="v").run()
    store.close()
    return db_url


@pytest.fixture()
def client(tmp_path, scored_db):
    with volcano_client(tmp_path, FakeStack(), records_db_url=scored_db) as client:
        yield client


def test_records_are_filtered_by_category_and_score_and_paginated(client) -> None:
    sports = client.get("/records", params={"category": "sports", "min_score": 0.5}).json()
    assert sports["records"] and all(
        r["categories"] == ["sports"] and r["score"] >= 0.5 for r in sports["records"]
    )
    first = client.get("/records", params={"limit": 100}).json()
    second = client.get("/records", params={"limit": 100, "after": first["next_after"]}).json()
    third = client.get("/records", params={"limit": 100, "after": second["next_after"]}).json()
    ids = [r["id"] for page in (first, second, third) for r in page["records"]]
    assert len(ids) == 240 == len(set(ids)) and ids == sorted(ids)
    assert third["next_after"] is None


def test_bad_filters_are_422_with_a_reason(client) -> None:
    unknown = client.get("/records", params={"category": "gardening"})
    assert unknown.status_code == 422 and "scheme" in unknown.json()["detail"]
    assert client.get("/records", params={"min_score": 2}).status_code == 422
    swapped = client.get("/records", params={"min_score": 0.5, "max_score": -0.5})
    assert swapped.status_code == 422
    assert client.get("/records", params={"sentiment": "angry"}).status_code == 422


def test_one_record_and_a_404_for_an_unknown_id(client) -> None:
    record = client.get("/records/1790000000").json()
    assert record["status"] == "done" and record["model"] == "fake" and record["label"]
    missing = client.get("/records/nope")
    assert missing.status_code == 404 and missing.json()["code"] == "record_not_found"


def test_stats_sample_rejected_and_metrics(client) -> None:
    stats = client.get("/records/stats").json()
    assert stats["records"] == 240 and stats["rejected_rows"] == 5
    assert stats["by_status"]["done"] == 240
    assert sum(stats["score_histogram"].values()) == 240
    sample = client.get("/records/sample", params={"n": 5, "seed": 3}).json()
    again = client.get("/records/sample", params={"n": 5, "seed": 3}).json()
    assert len(sample) == 5 and sample == again
    rejected = client.get("/records/rejected").json()
    assert {r["line"] for r in rejected} == {242, 243, 244, 245, 246}
    metrics = client.get("/metrics").text
    assert 'tunedd_records{status="done"} 240.0' in metrics


def test_quality_endpoint_reports_agreement(client) -> None:
    report = client.get("/records/quality").json()
    assert report["lexicon_check"]["agreement"] == 1.0  # the fake *is* the lexicon
    assert report["label_check"]["checked"] == 240
    assert "category_dominates" not in {f["code"] for f in report["flags"]}


def test_quality_flags_a_collapsed_one_class_model(db_url: str) -> None:
    store = RecordStore(db_url)
    ingest_file(SAMPLE, store)
    Worker(
        store=store,
        scorer=lambda text: Scored(score=0.5, categories=("sports",)),  # what SmolLM2 did
        model_name="stuck",
        prompt_version="v",
    ).run()

    report = quality_report(store, scheme=("sports", "other"))

    codes = {flag["code"] for flag in report["flags"]}
    assert {"one_class", "scores_collapsed", "category_dominates"} <= codes
    assert {"low_lexicon_agreement", "low_label_agreement"} <= codes
    assert report["ok"] is False and report["lexicon_check"]["disagreements"]


def test_an_empty_database_reports_no_results_not_an_error(tmp_path: Path) -> None:
    store = RecordStore(f"sqlite:///{tmp_path / 'empty.db'}")
    report = quality_report(store)
    assert report["ok"] and [f["code"] for f in report["flags"]] == ["no_results"]


def test_records_database_down_is_a_503(tmp_path: Path) -> None:
    url = "postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=2"
    with volcano_client(tmp_path, FakeStack(), records_db_url=url) as client:
        response = client.get("/records/stats")
        assert response.status_code == 503 and "records database" in response.json()["detail"]
        assert client.get("/metrics").status_code == 200  # a scrape never fails on it
        state = client.app.state.tunedd
        assert state.records_metrics_retry_at > 0  # and the next scrapes do not wait on it
