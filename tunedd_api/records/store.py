"""The records database (SQLAlchemy Core): SQLite by default, PostgreSQL by URL.

Inserts are idempotent (``ON CONFLICT DO NOTHING`` on the record id), so re-ingesting a file
adds nothing twice; each new record gets its pending job in the same transaction, so a record
is never stored without being queued. Rejected rows are kept with their reason.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Iterable

from sqlalchemy import Engine, and_, func, literal, or_, select
from sqlalchemy.exc import OperationalError

from tunedd_api.errors import BackendUnavailableError
from tunedd_api.records import migrate
from tunedd_api.records.model import TextRecord
from tunedd_api.records.schema import jobs, records, rejected_rows
from tunedd_api.storage.engine import dialect_insert, open_engine


class RecordStore:
    """Writes records through one SQLAlchemy engine; migrates the database on open."""

    def __init__(self, url: str, *, migrate_schema: bool = True) -> None:
        self.engine: Engine = open_engine(url)
        if migrate_schema:
            try:
                migrate.upgrade(self.engine)
            except OperationalError as error:
                raise BackendUnavailableError(
                    f"records database unavailable ({self.engine.url!r}): {error.orig}"
                ) from error

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    def insert(self, table):
        """The dialect's INSERT, which supports ``ON CONFLICT DO NOTHING``."""
        return dialect_insert(self.dialect, table)

    def add_records(self, batch: Iterable[TextRecord], source: str) -> int:
        """Insert new records and queue them; returns how many were new."""
        now = datetime.now(timezone.utc)
        rows = [{**r.model_dump(), "source": source, "ingested_at": now} for r in batch]
        if not rows:
            return 0
        statement = (
            self.insert(records)
            .on_conflict_do_nothing(index_elements=["id"])
            .returning(records.c.id)  # only the rows actually inserted come back
        )
        with self.engine.begin() as connection:
            new_ids = [row.id for row in connection.execute(statement, rows)]
            if new_ids:
                connection.execute(
                    self.insert(jobs).on_conflict_do_nothing(index_elements=["record_id"]),
                    [{"record_id": i, "status": "pending", "attempts": 0} for i in new_ids],
                )
        return len(new_ids)

    def add_rejected(self, rows: list[dict]) -> None:
        """Record rejected rows with their reason (once per source line)."""
        if not rows:
            return
        statement = self.insert(rejected_rows).on_conflict_do_nothing(
            index_elements=["source", "line"]
        )
        with self.engine.begin() as connection:
            connection.execute(statement, rows)

    def enqueue_missing(self) -> int:
        """Queue every record without a job (e.g. rows loaded by other tools); returns how many."""
        missing = select(records.c.id, literal("pending"), literal(0)).where(
            ~select(jobs.c.record_id).where(jobs.c.record_id == records.c.id).exists()
        )
        statement = (
            self.insert(jobs)
            .from_select(["record_id", "status", "attempts"], missing)
            .on_conflict_do_nothing(index_elements=["record_id"])
        )
        with self.engine.begin() as connection:
            return connection.execute(statement).rowcount or 0

    def requeue(self, *, failed: bool = False, not_prompt_version: str | None = None) -> int:
        """Put failed records, and/or results from another prompt version, back in the queue
        (attempts reset); returns how many."""
        conditions = []
        if failed:
            conditions.append(jobs.c.status == "failed")
        if not_prompt_version is not None:
            conditions.append(
                and_(jobs.c.status == "done", jobs.c.prompt_version != not_prompt_version)
            )
        if not conditions:
            return 0
        statement = (
            jobs.update()
            .where(or_(*conditions))
            .values(status="pending", attempts=0, error=None, lease_owner=None, lease_until=None)
        )
        with self.engine.begin() as connection:
            return connection.execute(statement).rowcount

    def count(self) -> int:
        """Records stored."""
        with self.engine.connect() as connection:
            return connection.execute(select(func.count()).select_from(records)).scalar_one()

    def rejected(self, limit: int | None = None) -> list[dict]:
        """Rejected rows, oldest first."""
        query = select(rejected_rows).order_by(rejected_rows.c.id).limit(limit)
        with self.engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(query)]

    def close(self) -> None:
        """Release the connection pool."""
        self.engine.dispose()
