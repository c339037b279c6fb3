"""The inference worker on SQLite and PostgreSQL: everything processed once, racing workers
(threads and processes), a killed worker's lease reclaimed, retries and poison records."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from tunedd_api.records.model import TextRecord
from tunedd_api.records.schema import categories, jobs
from tunedd_api.records.scoring import Scored
from tunedd_api.records.store import RecordStore
from tunedd_api.records.worker import Worker

TESTS = Path(__file__).resolve().parents[2]


@pytest.fixture()
def store(db_url: str) -> RecordStore:
    store = RecordStore(db_url)
    now = datetime(2024, 1, 1, tzinfo=timezone.utc)
    store.add_records(
        [
            TextRecord(id=f"{i:03d}", author_id="a", created_at=now, text=f"text {i}")
            for i in range(40)
        ],
        "test",
    )
    yield store
    store.close()


def worker(store: RecordStore, scorer, **options) -> Worker:
    return Worker(store=store, scorer=scorer, model_name="fake", prompt_version="v", **options)


def statuses(store: RecordStore) -> Counter:
    with store.engine.connect() as connection:
        return Counter(row.status for row in connection.execute(select(jobs.c.status)))


def test_every_record_is_scored_once_with_its_categories(store: RecordStore) -> None:
    seen: Counter = Counter()

    def scorer(text: str) -> Scored:
        seen[text] += 1
        return Scored(score=0.5, categories=("sports", "health"))

    report = worker(store, scorer, batch=7).run()

    assert report.done == 40 and set(seen.values()) == {1}
    assert statuses(store) == Counter({"done": 40})
    with store.engine.connect() as connection:
        row = connection.execute(select(jobs).where(jobs.c.record_id == "003")).one()
        stored = connection.execute(
            select(categories.c.category).where(categories.c.record_id == "003")
        )
        assert sorted(stored.scalars()) == ["health", "sports"]
    assert (row.sentiment, row.model, row.prompt_version) == ("positive", "fake", "v")
    assert row.processed_at is not None and row.lease_owner is None
    assert worker(store, scorer).run().done == 0  # nothing left


def test_racing_worker_threads_never_process_a_record_twice(store: RecordStore) -> None:
    seen: Counter = Counter()
    lock = threading.Lock()

    def scorer(text: str) -> Scored:
        time.sleep(0.002)
        with lock:
            seen[text] += 1
        return Scored(score=0.0, categories=("other",))

    threads = [threading.Thread(target=worker(store, scorer, batch=3).run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert len(seen) == 40 and set(seen.values()) == {1}
    assert statuses(store) == Counter({"done": 40})


def _spawn(db_url: str, owner: str, log: Path, pause: float, lease: float, batch: int, go=""):
    return subprocess.Popen(
        [sys.executable, str(TESTS / "worker_process.py"), db_url, owner, str(log)]
        + [str(pause), str(lease), str(batch)]
        + ([str(go)] if go else []),
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(TESTS.parent)},
    )


def _log(path: Path) -> list[tuple[str, str]]:
    if not path.exists():
        return []
    return [tuple(line.split("\t")) for line in path.read_text().splitlines()]


def test_two_worker_processes_racing_on_one_table_process_each_record_once(
    store: RecordStore, db_url: str, tmp_path: Path
) -> None:
    log, go = tmp_path / "calls.log", tmp_path / "go"
    processes = [_spawn(db_url, f"w{n}", log, 0.02, 60, 4, go) for n in range(2)]
    deadline = time.monotonic() + 60
    while len(list(tmp_path.glob("go.*.ready"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    go.touch()  # both are connected and waiting: start the race
    for process in processes:
        assert process.wait(timeout=120) == 0

    calls = _log(log)
    assert Counter(text for _, text in calls) == Counter({f"text {i}": 1 for i in range(40)})
    assert {owner for owner, _ in calls} == {"w0", "w1"}  # both really worked
    with store.engine.connect() as connection:
        stored_by = Counter(connection.execute(select(jobs.c.processed_by)).scalars())
    assert stored_by == Counter(owner for owner, _ in calls)


def test_a_killed_worker_process_loses_nothing_and_its_lease_is_reclaimed(
    store: RecordStore, db_url: str, tmp_path: Path
) -> None:
    log = tmp_path / "calls.log"
    dead = _spawn(db_url, "dead", log, 0.2, 1.5, 10)
    deadline = time.monotonic() + 60
    while len(_log(log)) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    dead.send_signal(signal.SIGKILL)  # mid-batch: it holds a lease on ~7 unfinished records
    dead.wait(timeout=10)
    started_by_dead = [text for owner, text in _log(log) if owner == "dead"]
    with store.engine.connect() as connection:
        held = connection.execute(
            select(jobs.c.record_id).where(jobs.c.lease_owner == "dead", jobs.c.status == "leased")
        ).all()
    assert 0 < len(held) < 10

    seen: Counter = Counter()

    def scorer(text: str) -> Scored:
        seen[text] += 1
        return Scored(score=-0.5, categories=("other",))

    now = datetime.now(timezone.utc)
    survivor = worker(store, scorer, batch=10, clock=lambda: now)
    first = survivor.run()  # the dead worker's lease has not expired yet: its records wait
    assert first.done == 40 - 10
    now += timedelta(seconds=1.6)  # past the dead worker's 1.5 s lease
    second = survivor.run()

    assert second.done == len(held)
    assert statuses(store) == Counter({"done": 40})
    with store.engine.connect() as connection:
        stored_by = Counter(connection.execute(select(jobs.c.processed_by)).scalars())
    assert stored_by[survivor.owner] == 40 - stored_by["dead"]
    # Only the record the dead worker was scoring when killed is scored twice (never stored twice).
    twice = [text for text in started_by_dead if seen[text]]
    assert len(twice) <= 1


def test_the_lease_is_renewed_so_a_slow_batch_is_not_stolen(store: RecordStore) -> None:
    seen: Counter = Counter()
    lock = threading.Lock()

    def slow(text: str) -> Scored:
        time.sleep(0.15)
        with lock:
            seen[text] += 1
        return Scored(score=0.0, categories=("other",))

    # Batch of 8 takes ~1.2 s, the lease is 0.5 s: only renewal keeps the rest of the batch.
    slow_worker = worker(store, slow, batch=8, lease_s=0.5)
    thief = worker(store, slow, batch=40, lease_s=60)
    runner = threading.Thread(target=slow_worker.run)
    runner.start()
    time.sleep(0.05)
    thief_report = thief.run()
    runner.join(timeout=120)

    assert set(seen.values()) == {1} and len(seen) == 40
    assert thief_report.lost_lease == 0


def test_failures_are_retried_then_marked_failed(store: RecordStore) -> None:
    calls: Counter = Counter()

    def scorer(text: str) -> Scored:
        calls[text] += 1
        if text == "text 3":
            raise ValueError("model returned garbage")
        if text == "text 4" and calls[text] == 1:
            raise TimeoutError("slow")
        return Scored(score=-0.5, categories=("other",))

    report = worker(store, scorer, max_attempts=3).run()

    assert calls["text 3"] == 3 and calls["text 4"] == 2
    assert statuses(store) == Counter({"done": 39, "failed": 1})
    with store.engine.connect() as connection:
        row = connection.execute(select(jobs).where(jobs.c.record_id == "003")).one()
    assert "garbage" in row.error and row.attempts == 3 and report.failed == 1


def test_a_stop_request_hands_the_rest_of_the_batch_back(store: RecordStore) -> None:
    stop = threading.Event()
    done: list[str] = []

    def scorer(text: str) -> Scored:
        done.append(text)
        if len(done) == 2:
            stop.set()  # e.g. SIGTERM while the second record is scored
        return Scored(score=0.25, categories=("other",))

    report = worker(store, scorer, batch=10).run(stop=stop)

    assert (report.done, report.released) == (2, 8)
    assert statuses(store) == Counter({"done": 2, "pending": 38})
    with store.engine.connect() as connection:
        attempts = set(
            connection.execute(select(jobs.c.attempts).where(jobs.c.status == "pending")).scalars()
        )
    assert attempts == {0}  # a handed-back claim is not counted as a failed attempt


def test_records_loaded_by_other_tools_are_queued(store: RecordStore) -> None:
    with store.engine.begin() as connection:
        connection.execute(jobs.delete().where(jobs.c.record_id.in_(["000", "001"])))
    assert worker(store, lambda text: Scored(0.0, ("other",))).run().done == 40


def test_a_following_worker_picks_up_records_ingested_while_it_runs(store: RecordStore) -> None:
    stop = threading.Event()
    seen: list[str] = []
    follower = worker(store, lambda text: seen.append(text) or Scored(0.0, ("other",)))
    runner = threading.Thread(
        target=follower.run, kwargs={"stop": stop, "follow": True, "poll_s": 0.05}
    )
    runner.start()
    deadline = time.monotonic() + 60
    while len(seen) < 40 and time.monotonic() < deadline:
        time.sleep(0.02)
    late = datetime(2024, 2, 1, tzinfo=timezone.utc)
    store.add_records([TextRecord(id="late", author_id="b", created_at=late, text="late one")], "s")
    while "late one" not in seen and time.monotonic() < deadline:
        time.sleep(0.02)
    stop.set()
    runner.join(timeout=30)

    assert not runner.is_alive() and seen.count("late one") == 1
    assert statuses(store) == Counter({"done": 41})


def test_rate_limits_and_transient_errors_are_retried_inside_the_guard(
    store: RecordStore,
) -> None:
    from fakes import FakeStack, HTTPStatusError, RecordingLLM

    from tunedd_api.records.scoring import CategoryScheme, LLMScorer
    from tunedd_api.resilience import Guards
    from tunedd_api.settings import Settings

    faults = [HTTPStatusError(429, retry_after="0"), HTTPStatusError(503), TimeoutError("slow")]

    def reply(messages) -> str:
        if faults:
            raise faults.pop(0)
        if messages[-1].text == "text 7":
            raise ValueError("model crashed")  # not transient: no retry, the record fails
        return '{"score": -0.25, "categories": ["other"]}'

    llm = RecordingLLM(reply)
    backend = FakeStack(llm)
    settings = Settings(_env_file=None, retry_attempts=4, retry_base_delay_s=0, retry_max_delay_s=0)
    backend.use_guards(Guards.from_settings(settings))
    scheme = CategoryScheme(("other", "sports"))

    report = worker(store, LLMScorer(backend.chat_model, scheme), max_attempts=2).run()

    assert (report.done, report.retried, report.failed) == (39, 1, 1)
    assert len(llm.prompts) == 3 + 39 + 2  # three faults retried invisibly, "text 7" twice
    with store.engine.connect() as connection:
        error = connection.execute(select(jobs.c.error).where(jobs.c.record_id == "007")).scalar()
    assert "model crashed" in error


def test_worker_outcomes_are_counted_in_the_metrics(store: RecordStore) -> None:
    from tunedd_api.observability.metrics import REGISTRY

    def value(name: str, **labels: str) -> float:
        return REGISTRY.get_sample_value(name, labels) or 0.0

    before = {o: value("tunedd_records_processed_total", outcome=o) for o in ("done", "failed")}
    claimed = value("tunedd_records_claimed_total")

    def scorer(text: str) -> Scored:
        if text == "text 5":
            raise ValueError("bad")
        return Scored(0.0, ("other",))

    worker(store, scorer, max_attempts=1).run()

    assert value("tunedd_records_processed_total", outcome="done") - before["done"] == 39
    assert value("tunedd_records_processed_total", outcome="failed") - before["failed"] == 1
    assert value("tunedd_records_claimed_total") - claimed == 40


def test_failed_and_stale_results_can_be_queued_again(store: RecordStore) -> None:
    def scorer(text: str) -> Scored:
        if text == "text 2":
            raise ValueError("bad")
        return Scored(0.0, ("other",))

    worker(store, scorer, max_attempts=1).run()
    assert store.requeue(failed=True) == 1
    assert statuses(store) == Counter({"done": 39, "pending": 1})
    worker(store, lambda text: Scored(0.5, ("other",))).run()  # prompt version "v"

    assert store.requeue(not_prompt_version="v") == 0  # all current
    assert store.requeue(not_prompt_version="v2") == 40  # a new scheme: everything again
    assert statuses(store) == Counter({"pending": 40})
