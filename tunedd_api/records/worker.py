"""The inference worker: claims unprocessed records with a lease, scores and classifies them.

Claiming is one atomic statement (``UPDATE … WHERE id IN (SELECT … LIMIT n [FOR UPDATE SKIP
LOCKED]) RETURNING``), so several workers never take the same record; a lease that expires
(worker killed) makes the record claimable again. Results are written with the lease check in
the same transaction, so a record is stored once. After ``max_attempts`` failures a record is
marked failed with its last error (poison record) instead of being retried forever.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable

from sqlalchemy import Column, DateTime, Float, Integer, String, Table, Text, and_, or_, select

from tunedd_api.records.store import RecordStore, metadata, records

logger = logging.getLogger(__name__)

PROMPT_VERSION = "score-v1"
CATEGORIES = ("positive", "neutral", "negative")

jobs = Table(
    "record_jobs",
    metadata,
    Column("record_id", String(64), primary_key=True),
    Column("status", String(16), nullable=False),  # pending | leased | done | failed
    Column("lease_owner", String(64)),
    Column("lease_until", DateTime(timezone=True)),
    Column("attempts", Integer, nullable=False, default=0),
    Column("error", Text),
    Column("score", Float),
    Column("category", String(32)),
    Column("model", String(128)),
    Column("prompt_version", String(32)),
    Column("processed_at", DateTime(timezone=True)),
)


@dataclass(frozen=True)
class Scored:
    """A model's judgement of one text."""

    score: float
    category: str


Scorer = Callable[[str], Scored]


def enqueue_new(store: RecordStore) -> int:
    """Create a pending job for every record without one; returns how many."""
    jobs.create(store.engine, checkfirst=True)
    missing = select(records.c.id).where(~records.c.id.in_(select(jobs.c.record_id)))
    with store.engine.begin() as connection:
        ids = [row.id for row in connection.execute(missing)]
        if ids:
            connection.execute(
                jobs.insert(), [{"record_id": i, "status": "pending", "attempts": 0} for i in ids]
            )
    return len(ids)


def claim(store: RecordStore, owner: str, batch: int, lease_s: float) -> list[tuple[str, str]]:
    """Atomically lease up to ``batch`` claimable records: (id, text) pairs."""
    now = datetime.now(timezone.utc)
    claimable = (
        select(jobs.c.record_id)
        .where(
            or_(
                jobs.c.status == "pending",
                and_(jobs.c.status == "leased", jobs.c.lease_until < now),
            )
        )
        .order_by(jobs.c.record_id)
        .limit(batch)
    )
    if store.engine.dialect.name == "postgresql":
        claimable = claimable.with_for_update(skip_locked=True)
    statement = (
        jobs.update()
        .where(jobs.c.record_id.in_(claimable.scalar_subquery()))
        .values(
            status="leased",
            lease_owner=owner,
            lease_until=now + timedelta(seconds=lease_s),
            attempts=jobs.c.attempts + 1,
        )
        .returning(jobs.c.record_id)
    )
    with store.engine.begin() as connection:
        ids = [row.record_id for row in connection.execute(statement)]
        if not ids:
            return []
        texts = connection.execute(
            select(records.c.id, records.c.text).where(records.c.id.in_(ids))
        )
        return sorted((row.id, row.text) for row in texts)


def _finish(store: RecordStore, owner: str, record_id: str, values: dict) -> bool:
    """Write a result only while this worker still holds the lease."""
    with store.engine.begin() as connection:
        result = connection.execute(
            jobs.update()
            .where(
                and_(
                    jobs.c.record_id == record_id,
                    jobs.c.lease_owner == owner,
                    jobs.c.status == "leased",
                )
            )
            .values(**values)
        )
        return result.rowcount == 1


def run_worker(
    store: RecordStore,
    scorer: Scorer,
    *,
    model_name: str,
    batch: int = 16,
    lease_s: float = 300.0,
    max_attempts: int = 3,
    owner: str | None = None,
) -> dict[str, int]:
    """Process until nothing is claimable; returns counts."""
    owner = owner or uuid.uuid4().hex
    counts = {"done": 0, "retried": 0, "failed": 0, "lost_lease": 0}
    enqueue_new(store)
    while claimed := claim(store, owner, batch, lease_s):
        for record_id, text in claimed:
            try:
                scored = scorer(text)
                values = {
                    "status": "done",
                    "score": scored.score,
                    "category": scored.category,
                    "model": model_name,
                    "prompt_version": PROMPT_VERSION,
                    "processed_at": datetime.now(timezone.utc),
                    "error": None,
                    "lease_owner": None,
                    "lease_until": None,
                }
                outcome = "done"
            except Exception as error:  # one bad record must not stop the batch
                with store.engine.connect() as connection:
                    attempts = connection.execute(
                        select(jobs.c.attempts).where(jobs.c.record_id == record_id)
                    ).scalar_one()
                poison = attempts >= max_attempts
                values = {
                    "status": "failed" if poison else "pending",
                    "error": str(error)[:1000],
                    "lease_owner": None,
                    "lease_until": None,
                }
                outcome = "failed" if poison else "retried"
                logger.warning("Record %s failed (attempt %d): %s", record_id, attempts, error)
            counts[outcome if _finish(store, owner, record_id, values) else "lost_lease"] += 1
    return counts
