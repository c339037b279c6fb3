"""Batch scoring end to end through the CLI, as a user runs it: `tunedd ingest`, `tunedd
worker` with the real embedded model (SmolLM2 GGUF through llama.cpp with a JSON-schema
grammar), `tunedd quality`; on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tunedd_api.records.queries import RecordFilter, list_records
from tunedd_api.records.scoring import SCORE_SCALE
from tunedd_api.records.store import RecordStore
from tunedd_api.settings import Settings

pytestmark = pytest.mark.e2e

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "records" / "sample_tweets.csv"


def tunedd(*args: str, db: str) -> str:
    env = {**os.environ, "RAG_LOCAL_CHAT_MODEL": "smollm2-135m", "RAG_LOG_LEVEL": "WARNING"}
    done = subprocess.run(
        [sys.executable, "-m", "tunedd_api.cli", *args, "--db", db],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_ingest_score_and_check_a_sample_with_the_real_model(db_url: str, tmp_path: Path) -> None:
    rows = SAMPLE.read_text(encoding="utf-8").splitlines()
    small = tmp_path / "tweets.csv"
    small.write_text("\n".join(rows[:25] + rows[-6:]) + "\n", encoding="utf-8")  # + bad rows

    ingested = json.loads(tunedd("ingest", str(small), db=db_url))
    worked = json.loads(tunedd("worker", "--no-progress", db=db_url).strip().splitlines()[-1])
    quality = json.loads(tunedd("quality", "--json", db=db_url))

    assert (ingested["inserted"], ingested["rejected"], ingested["duplicates"]) == (24, 5, 1)
    assert worked["done"] + worked["failed"] == 24 and worked["lost_lease"] == 0
    assert worked["done"] >= 20  # the grammar keeps replies on the schema
    scheme = set(Settings(_env_file=None).records_categories)
    store = RecordStore(db_url)
    done = list_records(store, RecordFilter(status="done", limit=100))
    store.close()
    assert len(done) == worked["done"]
    for record in done:
        assert record["score"] in SCORE_SCALE and record["model"] == "smollm2-135m"
        assert record["categories"] and set(record["categories"]) <= scheme
    assert quality["stats"]["by_status"]["done"] == worked["done"]
    assert quality["label_check"]["checked"] == worked["done"]
    assert {"ok", "flags", "lexicon_check"} <= set(quality)
