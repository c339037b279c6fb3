"""The inference worker: claims unprocessed records with a lease, scores and classifies them.

Claiming is one atomic statement (``UPDATE … WHERE record_id IN (SELECT … LIMIT n [FOR UPDATE
SKIP LOCKED]) RETURNING``), so several workers never take the same record. The lease is renewed
with each result; one that expires (worker killed) makes its records claimable again. A
result is written together with the lease check in one transaction, so it is stored once, by
the lease holder. After ``max_attempts`` failures a record is marked failed with its last error
(poison record). On a stop request the worker finishes the current record and hands the rest
of its batch back.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Callable, NamedTuple

from sqlalchemy import and_, delete, func, or_, select

from tunedd_api.records.metrics import (
    RECORD_SCORING_SECONDS,
    RECORDS_CLAIMED,
    RECORDS_PROCESSED,
)
from tunedd_api.records.schema import categories, jobs, records
from tunedd_api.records.scoring import Scored
from tunedd_api.records.store import RecordStore

logger = logging.getLogger(__name__)

Scorer = Callable[[str], Scored]


class Claimed(NamedTuple):
    """A leased record: its id, text, and attempts including this one."""

    record_id: str
    text: str
    attempts: int


def _now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class WorkerReport:
    """What one worker run did."""

    done: int = 0
    retried: int = 0
    failed: int = 0
    lost_lease: int = 0
    released: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict:
        """JSON-ready counts, with the throughput."""
        rate = self.done / self.seconds if self.seconds else 0.0
        return {**asdict(self), "seconds": round(self.seconds, 2), "records_per_s": round(rate, 3)}


@dataclass
class Worker:
    """One worker process's loop over the shared queue."""

    store: RecordStore
    scorer: Scorer
    model_name: str
    prompt_version: str
    batch: int = 16
    lease_s: float = 300.0
    max_attempts: int = 3
    owner: str = field(default_factory=lambda: uuid.uuid4().hex)
    #: Wall-clock time for leases and timestamps (tests inject a clock they move).
    clock: Callable[[], datetime] = _now

    def open_count(self) -> int:
        """Records still to do (pending or leased)."""
        query = select(func.count()).where(jobs.c.status.in_(("pending", "leased")))
        with self.store.engine.connect() as connection:
            return connection.execute(query).scalar_one()

    def claim(self) -> list[Claimed]:
        """Atomically lease up to ``batch`` claimable records, in id order."""
        now = self.clock()
        claimable = (
            select(jobs.c.record_id)
            .where(
                or_(
                    jobs.c.status == "pending",
                    and_(jobs.c.status == "leased", jobs.c.lease_until < now),
                )
            )
            .order_by(jobs.c.record_id)
            .limit(self.batch)
        )
        if self.store.dialect == "postgresql":
            claimable = claimable.with_for_update(skip_locked=True)
        statement = (
            jobs.update()
            .where(jobs.c.record_id.in_(claimable.scalar_subquery()))
            .values(
                status="leased",
                lease_owner=self.owner,
                lease_until=now + timedelta(seconds=self.lease_s),
                attempts=jobs.c.attempts + 1,
                started_at=now,
            )
            .returning(jobs.c.record_id, jobs.c.attempts)
        )
        with self.store.engine.begin() as connection:
            attempts = dict(connection.execute(statement).all())
            if not attempts:
                return []
            texts = connection.execute(
                select(records.c.id, records.c.text).where(records.c.id.in_(list(attempts)))
            )
            claimed = sorted(Claimed(row.id, row.text, attempts[row.id]) for row in texts)
        RECORDS_CLAIMED.inc(len(claimed))
        return claimed

    def _held(self, record_ids: list[str]):
        return and_(
            jobs.c.record_id.in_(record_ids),
            jobs.c.lease_owner == self.owner,
            jobs.c.status == "leased",
        )

    def _finish(self, record_id: str, values: dict, scored: Scored | None, rest: list[str]) -> bool:
        """Write a result (and its categories) only while this worker holds the lease, and
        renew the lease on the ``rest`` of the batch in the same transaction."""
        release = {"lease_owner": None, "lease_until": None}
        with self.store.engine.begin() as connection:
            if rest:
                until = self.clock() + timedelta(seconds=self.lease_s)
                connection.execute(jobs.update().where(self._held(rest)).values(lease_until=until))
            result = connection.execute(
                jobs.update().where(self._held([record_id])).values(**values, **release)
            )
            if result.rowcount != 1:
                return False
            if scored is not None:
                connection.execute(delete(categories).where(categories.c.record_id == record_id))
                connection.execute(
                    categories.insert(),
                    [{"record_id": record_id, "category": c} for c in scored.categories],
                )
        return True

    def _release(self, record_ids: list[str]) -> int:
        """Hand unstarted records back (a stop request); the claim's attempt is not counted."""
        if not record_ids:
            return 0
        with self.store.engine.begin() as connection:
            return connection.execute(
                jobs.update()
                .where(self._held(record_ids))
                .values(
                    status="pending",
                    lease_owner=None,
                    lease_until=None,
                    attempts=jobs.c.attempts - 1,
                )
            ).rowcount

    def _process(self, record: Claimed, rest: list[str]) -> str:
        record_id, attempts = record.record_id, record.attempts
        started = time.perf_counter()
        try:
            scored = self.scorer(record.text)
        except Exception as error:  # one bad record must not stop the batch
            poison = attempts >= self.max_attempts
            values = {"status": "failed" if poison else "pending", "error": str(error)[:1000]}
            outcome = "failed" if poison else "retried"
            logger.warning(
                "Record %s failed (attempt %d of %d): %s",
                record_id,
                attempts,
                self.max_attempts,
                error,
            )
            scored = None
        else:
            RECORD_SCORING_SECONDS.observe(time.perf_counter() - started)
            values = {
                "status": "done",
                "score": scored.score,
                "sentiment": scored.sentiment,
                "model": self.model_name,
                "prompt_version": self.prompt_version,
                "processed_at": self.clock(),
                "processed_by": self.owner,
                "error": None,
            }
            outcome = "done"
        if not self._finish(record_id, values, scored, rest):
            outcome = "lost_lease"
            logger.warning("Lease on record %s expired before its result was written", record_id)
        RECORDS_PROCESSED.labels(outcome=outcome).inc()
        return outcome

    def run(
        self,
        *,
        stop: threading.Event | None = None,
        follow: bool = False,
        poll_s: float = 5.0,
        on_record: Callable[[str], None] | None = None,
    ) -> WorkerReport:
        """Process until nothing is claimable (or, with ``follow``, until ``stop`` is set)."""
        stop = stop or threading.Event()
        report = WorkerReport()
        started = time.perf_counter()
        self.store.enqueue_missing()
        logger.info(
            "Worker %s started (batch %d, lease %.0f s)", self.owner, self.batch, self.lease_s
        )
        while not stop.is_set():
            claimed = self.claim()
            if not claimed:
                if not follow:
                    break
                stop.wait(poll_s)  # ingest queues new records itself: no re-scan needed
                continue
            for position, record in enumerate(claimed):
                if stop.is_set():
                    report.released += self._release([c.record_id for c in claimed[position:]])
                    break
                rest = [c.record_id for c in claimed[position + 1 :]]
                outcome = self._process(record, rest)
                setattr(report, outcome, getattr(report, outcome) + 1)
                if on_record is not None:
                    on_record(outcome)
        report.seconds = time.perf_counter() - started
        logger.info("Worker %s finished: %s", self.owner, report.as_dict())
        return report
