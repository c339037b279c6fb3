"""The upload jobs table on SQLite and PostgreSQL: one claimer per job, leases that expire and
are reclaimed, a give-up after repeated crashes, results written only under the lease."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest

from tunedd_api.documents import DocumentRecord
from tunedd_api.errors import UploadQueueFullError
from tunedd_api.indexing.jobs import IndexJobs
from tunedd_api.storage.migrate import open_app_database


class Clock:
    """A wall clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture()
def clock() -> Clock:
    return Clock()


@pytest.fixture()
def jobs(db_url: str, clock: Clock):
    table = IndexJobs(open_app_database(db_url), max_attempts=2, clock=clock)
    yield table
    table.engine.dispose()


def job(n: int) -> dict[str, str]:
    return {
        "document_id": f"{n:064x}",
        "path": f"/u/{n}.pdf",
        "format": "pdf",
        "file_name": "a.pdf",
    }


def indexed(n: int) -> DocumentRecord:
    return DocumentRecord(f"{n:064x}", "a.pdf", "A", 2, 5, status="indexed")


def test_jobs_are_claimed_oldest_first_and_each_by_one_claimer(jobs: IndexJobs, clock) -> None:
    for n in range(20):
        jobs.enqueue([job(n)], capacity=100)
        clock.now += timedelta(seconds=1)
    claimed: list[tuple[str, str]] = []
    lock = threading.Lock()

    def claimer(owner: str) -> None:
        while (row := jobs.claim(owner, lease_s=60)) is not None:
            with lock:
                claimed.append((owner, row.document_id))

    threads = [threading.Thread(target=claimer, args=(f"w{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert sorted(d for _, d in claimed) == [job(n)["document_id"] for n in range(20)]
    assert jobs.open_count() == 20  # all leased, none finished
    assert {row.status for row in jobs.all()} == {"indexing"}


def test_a_full_queue_refuses_the_whole_batch(jobs: IndexJobs) -> None:
    jobs.enqueue([job(0), job(1)], capacity=3)
    with pytest.raises(UploadQueueFullError) as refused:
        jobs.enqueue([job(2), job(3)], capacity=3)
    assert refused.value.retry_after_s >= 1
    assert [r.document_id for r in jobs.all()] == [job(0)["document_id"], job(1)["document_id"]]


def test_an_expired_lease_is_reclaimed_and_the_old_holder_cannot_write(
    jobs: IndexJobs, clock
) -> None:
    jobs.enqueue([job(1)], capacity=10)
    first = jobs.claim("dead", lease_s=5)
    assert first is not None and first.attempts == 1
    assert jobs.claim("alive", lease_s=5) is None  # leased: not claimable yet
    assert jobs.renew(first.document_id, "dead", 5, chunks_done=3, chunks_total=9)
    assert jobs.get(first.document_id).chunks_done == 3

    clock.now += timedelta(seconds=6)  # the holder stopped renewing (killed)
    second = jobs.claim("alive", lease_s=5)

    assert second is not None and second.document_id == first.document_id
    assert second.attempts == 2 and second.lease_owner == "alive" and second.chunks_done == 0
    assert not jobs.renew(first.document_id, "dead", 5)
    assert not jobs.finish(first.document_id, "dead", indexed(1))
    assert jobs.finish(second.document_id, "alive", indexed(1))
    stored = jobs.get(first.document_id)
    assert (stored.status, stored.chunk_count, stored.lease_owner) == ("indexed", 5, None)
    assert stored.record() == indexed(1)


def test_a_job_whose_runs_keep_dying_ends_failed(jobs: IndexJobs, clock) -> None:
    jobs.enqueue([job(1)], capacity=10)
    for _ in range(2):  # max_attempts
        assert jobs.claim("doomed", lease_s=5) is not None
        clock.now += timedelta(seconds=6)

    assert jobs.claim("next", lease_s=5) is None
    row = jobs.get(job(1)["document_id"])
    assert row.status == "failed" and "interrupted 2 times" in row.error
    assert jobs.open_count() == 0


def test_a_deleted_job_cannot_be_finished(jobs: IndexJobs) -> None:
    jobs.enqueue([job(1)], capacity=10)
    row = jobs.claim("w", lease_s=60)
    assert jobs.delete(row.document_id)
    assert not jobs.finish(row.document_id, "w", indexed(1))
    assert jobs.get(row.document_id) is None and not jobs.delete(row.document_id)


def test_startup_results_are_adopted_for_uploads_not_queued(jobs: IndexJobs) -> None:
    jobs.enqueue([job(1), job(3)], capacity=10)
    failed = jobs.claim("w", lease_s=60)  # job 1, the oldest
    jobs.finish(failed.document_id, "w", DocumentRecord.failed(failed.document_id, "a.pdf", "x"))
    folder = DocumentRecord("f" * 64, "folder.pdf", "Folder", 1, 1, status="indexed")
    paths = {indexed(n).document_id: f"/u/{n}.pdf" for n in (1, 2, 3)}

    jobs.adopt([indexed(1), indexed(2), indexed(3), folder], paths)

    rows = {row.document_id: row for row in jobs.all()}
    assert set(rows) == {indexed(n).document_id for n in (1, 2, 3)}
    assert rows[indexed(1).document_id].record() == indexed(1)  # the failed one was retried
    assert rows[indexed(3).document_id].status == "queued"  # left to its worker
    assert rows[indexed(2).document_id].record() == indexed(2)


def test_the_same_document_queued_twice_at_once_is_one_job(jobs: IndexJobs) -> None:
    jobs.enqueue([job(7), job(7)], capacity=100)  # as two replicas racing on one upload

    assert jobs.claim("a", lease_s=60).document_id == f"{7:064x}"
    assert jobs.claim("b", lease_s=60) is None
