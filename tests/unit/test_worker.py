"""The inference worker on SQLite: everything processed once, racing workers, expired leases,
retries and poison records."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from tunedd_api.records.model import TextRecord
from tunedd_api.records.store import RecordStore
from tunedd_api.records.worker import Scored, claim, enqueue_new, jobs, run_worker


@pytest.fixture()
def store(tmp_path: Path) -> RecordStore:
    store = RecordStore(f"sqlite:///{tmp_path / 'records.db'}")
    now = datetime(2024, 1, 1, tzinfo=timezone.utc)
    store.add_records(
        [TextRecord(id=str(i), author_id="a", created_at=now, text=f"text {i}") for i in range(40)],
        "test",
    )
    return store


def statuses(store: RecordStore) -> Counter:
    with store.engine.connect() as connection:
        return Counter(row.status for row in connection.execute(select(jobs.c.status)))


def test_every_record_is_scored_once(store: RecordStore) -> None:
    seen: Counter = Counter()

    def scorer(text: str) -> Scored:
        seen[text] += 1
        return Scored(score=0.5, category="positive")

    counts = run_worker(store, scorer, model_name="fake", batch=7)

    assert counts["done"] == 40 and set(seen.values()) == {1}
    assert statuses(store) == Counter({"done": 40})
    assert run_worker(store, scorer, model_name="fake")["done"] == 0  # nothing left


def test_racing_workers_never_process_a_record_twice(store: RecordStore) -> None:
    seen: Counter = Counter()
    lock = threading.Lock()

    def scorer(text: str) -> Scored:
        time.sleep(0.002)
        with lock:
            seen[text] += 1
        return Scored(score=0.0, category="neutral")

    enqueue_new(store)
    workers = [
        threading.Thread(
            target=run_worker, args=(store, scorer), kwargs={"model_name": "f", "batch": 3}
        )
        for _ in range(4)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)

    assert len(seen) == 40 and set(seen.values()) == {1}
    assert statuses(store) == Counter({"done": 40})


def test_a_killed_workers_lease_expires_and_is_reclaimed(store: RecordStore) -> None:
    enqueue_new(store)
    taken = claim(store, "dead-worker", batch=5, lease_s=0.05)  # then it "dies"
    assert len(taken) == 5
    assert len(claim(store, "other", batch=40, lease_s=60)) == 35  # leased ones not offered
    time.sleep(0.1)

    counts = run_worker(store, lambda t: Scored(1.0, "positive"), model_name="f")

    assert counts["done"] == 5  # the expired leases came back
    assert run_worker(store, lambda t: Scored(1.0, "positive"), model_name="f")["done"] == 0


def test_failures_are_retried_then_marked_failed(store: RecordStore) -> None:
    calls: Counter = Counter()

    def scorer(text: str) -> Scored:
        calls[text] += 1
        if text == "text 3":
            raise ValueError("model returned garbage")
        if text == "text 4" and calls[text] == 1:
            raise TimeoutError("slow")
        return Scored(score=-0.5, category="negative")

    counts = run_worker(store, scorer, model_name="f", max_attempts=3)

    assert calls["text 3"] == 3 and calls["text 4"] == 2
    assert statuses(store) == Counter({"done": 39, "failed": 1})
    with store.engine.connect() as connection:
        error = connection.execute(select(jobs.c.error).where(jobs.c.record_id == "3")).scalar_one()
    assert "garbage" in error and counts["failed"] == 1


def test_llm_scorer_validates_the_models_json(store: RecordStore) -> None:
    from haystack.components.generators.chat import MockChatGenerator

    from tunedd_api.backends.generation import ChatModel
    from tunedd_api.records.scoring import LLMScorer

    replies = {"text 1": '{"score": 0.8, "category": "positive"}', "text 2": '{"score": 7}'}
    model = ChatModel(
        generator=MockChatGenerator(
            response_fn=lambda messages: replies.get(
                messages[-1].text, '{"score": 0, "category": "neutral"}'
            )
        ),
        model_name="mock",
        context_window=4096,
        max_answer_tokens=64,
        timeout_s=5,
    )
    scorer = LLMScorer(model)

    assert scorer("text 1") == Scored(0.8, "positive")
    with pytest.raises(ValueError, match="schema"):
        scorer("text 2")
    counts = run_worker(store, scorer, model_name="mock", max_attempts=2)
    assert counts["done"] == 39 and counts["failed"] == 1  # "text 2" is a poison record
