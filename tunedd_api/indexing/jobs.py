"""Upload indexing jobs in the application database, shared by every API process using it.

The records worker's pattern: a job is claimed with one atomic ``UPDATE … WHERE document_id IN
(SELECT … LIMIT 1 [FOR UPDATE SKIP LOCKED]) RETURNING``, so two processes never take the same
one; the claimer holds a lease it renews while it indexes, and a lease that expires (the
process died) makes the job claimable again, up to ``max_attempts`` claims, after which it is
``failed``. Progress and the result are written only while the lease is held. The row stays
as the upload's status until the document is deleted, so every process answers the same.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable

from sqlalchemy import Engine, and_, delete, func, insert, or_, select, update

from tunedd_api.documents import DocumentRecord
from tunedd_api.errors import UploadQueueFullError
from tunedd_api.storage.engine import dialect_insert
from tunedd_api.storage.schema import index_jobs
from tunedd_api.turns import utc_now

logger = logging.getLogger(__name__)

#: Seconds a client is asked to wait when the queue is full.
RETRY_AFTER_S = 10
OPEN = ("queued", "indexing")


@dataclass(frozen=True)
class JobRow:
    """One upload's job as stored."""

    document_id: str
    path: str
    format: str
    file_name: str
    status: str
    error: str | None
    attempts: int
    lease_owner: str | None
    pages_total: int | None
    chunks_done: int
    chunks_total: int | None
    title: str | None
    page_count: int
    chunk_count: int

    def record(self) -> DocumentRecord:
        """The document as the API lists it."""
        title = self.title or self.file_name.rsplit(".", 1)[0]
        return DocumentRecord(
            self.document_id,
            self.file_name,
            title,
            self.page_count,
            self.chunk_count,
            status=self.status,
            error=self.error,
        )


class IndexJobs:
    """The ``index_jobs`` table (blocking calls: run them off the event loop).

    :param clock: The wall clock of leases (tests inject one they move).
    """

    def __init__(
        self, engine: Engine, *, max_attempts: int = 3, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self.engine = engine
        self.max_attempts = max_attempts
        self._clock = clock
        self._skip_locked = engine.dialect.name == "postgresql"

    def enqueue(self, jobs: list[dict[str, str]], capacity: int) -> None:
        """Queue every job (``document_id``, ``path``, ``format``, ``file_name``), or none when
        more than ``capacity`` would be waiting (UploadQueueFullError)."""
        now = self._clock()
        with self.engine.begin() as connection:
            waiting = connection.execute(
                select(func.count()).where(index_jobs.c.status == "queued")
            ).scalar_one()
            if waiting + len(jobs) > capacity:
                raise UploadQueueFullError(
                    f"the indexing queue has room for {max(capacity - waiting, 0)} more uploads",
                    retry_after_s=RETRY_AFTER_S,
                )
            ids = [job["document_id"] for job in jobs]
            connection.execute(delete(index_jobs).where(index_jobs.c.document_id.in_(ids)))
            if jobs:
                # Another process queueing the same bytes at the same moment wins: one job.
                connection.execute(
                    dialect_insert(connection.dialect.name, index_jobs).on_conflict_do_nothing(
                        index_elements=["document_id"]
                    ),
                    [
                        {**job, "status": "queued", "created_at": now, "updated_at": now}
                        for job in jobs
                    ],
                )

    def adopt(self, records: list[DocumentRecord], paths: dict[str, str]) -> None:
        """Take a startup run's results for the uploads in ``paths``: a row for those kept
        from before jobs were stored, the new outcome for finished ones (a failed upload is
        retried at each start); queued and running jobs are left to their workers."""
        now = self._clock()
        with self.engine.begin() as connection:
            status = dict(
                connection.execute(select(index_jobs.c.document_id, index_jobs.c.status)).all()
            )
            for record in records:
                if record.document_id not in paths or status.get(record.document_id) in OPEN:
                    continue
                row = _finished_row(record, paths[record.document_id], now)
                if record.document_id in status:
                    connection.execute(
                        update(index_jobs)
                        .where(index_jobs.c.document_id == record.document_id)
                        .values({k: v for k, v in row.items() if k != "created_at"})
                    )
                else:
                    connection.execute(insert(index_jobs), [row])

    def claim(self, owner: str, lease_s: float) -> JobRow | None:
        """Lease the oldest claimable job (queued, or its lease expired), if any."""
        now = self._clock()
        expired = and_(index_jobs.c.status == "indexing", index_jobs.c.lease_until < now)
        with self.engine.begin() as connection:
            connection.execute(
                update(index_jobs)
                .where(expired, index_jobs.c.attempts >= self.max_attempts)
                .values(
                    status="failed",
                    error=f"indexing was interrupted {self.max_attempts} times",
                    lease_owner=None,
                    lease_until=None,
                    updated_at=now,
                )
            )
            claimable = (
                select(index_jobs.c.document_id)
                .where(or_(index_jobs.c.status == "queued", expired))
                .order_by(index_jobs.c.created_at, index_jobs.c.document_id)
                .limit(1)
            )
            if self._skip_locked:
                claimable = claimable.with_for_update(skip_locked=True)
            row = connection.execute(
                update(index_jobs)
                .where(index_jobs.c.document_id.in_(claimable.scalar_subquery()))
                .values(
                    status="indexing",
                    lease_owner=owner,
                    lease_until=now + timedelta(seconds=lease_s),
                    attempts=index_jobs.c.attempts + 1,
                    chunks_done=0,
                    updated_at=now,
                )
                .returning(*index_jobs.c)
            ).first()
        return _job(row) if row is not None else None

    def renew(self, document_id: str, owner: str, lease_s: float, **progress: Any) -> bool:
        """Extend the lease (and store ``progress`` columns); False if it was lost or the job
        deleted."""
        now = self._clock()
        values = {"lease_until": now + timedelta(seconds=lease_s), "updated_at": now, **progress}
        with self.engine.begin() as connection:
            result = connection.execute(
                update(index_jobs).where(self._held(document_id, owner)).values(**values)
            )
        return result.rowcount == 1

    def finish(self, document_id: str, owner: str, record: DocumentRecord) -> bool:
        """Store the run's result while holding the lease; False if it was lost or deleted."""
        values = _finished_row(record, None, self._clock())
        values = {k: v for k, v in values.items() if k not in ("path", "format", "created_at")}
        with self.engine.begin() as connection:
            result = connection.execute(
                update(index_jobs).where(self._held(document_id, owner)).values(**values)
            )
        return result.rowcount == 1

    def get(self, document_id: str) -> JobRow | None:
        """The job of ``document_id``, if it is an upload the table knows."""
        query = select(index_jobs).where(index_jobs.c.document_id == document_id)
        with self.engine.connect() as connection:
            row = connection.execute(query).first()
        return _job(row) if row is not None else None

    def all(self) -> list[JobRow]:
        """Every job, oldest first."""
        query = select(index_jobs).order_by(index_jobs.c.created_at, index_jobs.c.document_id)
        with self.engine.connect() as connection:
            return [_job(row) for row in connection.execute(query)]

    def open_count(self) -> int:
        """Jobs queued or being indexed."""
        query = select(func.count()).where(index_jobs.c.status.in_(OPEN))
        with self.engine.connect() as connection:
            return connection.execute(query).scalar_one()

    def delete(self, document_id: str) -> bool:
        """Forget the job; whether there was one."""
        with self.engine.begin() as connection:
            result = connection.execute(
                delete(index_jobs).where(index_jobs.c.document_id == document_id)
            )
        return result.rowcount == 1

    def _held(self, document_id: str, owner: str) -> Any:
        return and_(
            index_jobs.c.document_id == document_id,
            index_jobs.c.lease_owner == owner,
            index_jobs.c.status == "indexing",
        )


def _finished_row(record: DocumentRecord, path: str | None, now: datetime) -> dict[str, Any]:
    return {
        "document_id": record.document_id,
        "path": path,
        "format": record.file_name.rsplit(".", 1)[-1],
        "file_name": record.file_name,
        "status": record.status,
        "error": record.error,
        "title": record.title,
        "page_count": record.page_count,
        "chunk_count": record.chunk_count,
        "lease_owner": None,
        "lease_until": None,
        "created_at": now,
        "updated_at": now,
    }


def _job(row: Any) -> JobRow:
    return JobRow(**{field: getattr(row, field) for field in JobRow.__dataclass_fields__})
