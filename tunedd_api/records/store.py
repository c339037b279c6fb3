"""The records database (SQLAlchemy Core): SQLite by default, PostgreSQL by URL.

Inserts are idempotent (``ON CONFLICT DO NOTHING`` on the record id), so re-ingesting a file
adds nothing twice; rejected rows are kept with their reason, never dropped silently.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Iterable

from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from tunedd_api.records.model import TextRecord

metadata = MetaData()

records = Table(
    "records",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("author_id", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("text", Text, nullable=False),
    Column("source", String(512), nullable=False),
    Column("ingested_at", DateTime(timezone=True), nullable=False),
)

rejected_rows = Table(
    "rejected_rows",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", String(512), nullable=False),
    Column("line", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    Column("raw", Text, nullable=False),
    UniqueConstraint("source", "line", name="uq_rejected_source_line"),
)


class RecordStore:
    """Writes and reads records through one SQLAlchemy engine."""

    def __init__(self, url: str) -> None:
        self.engine: Engine = create_engine(url, future=True)
        metadata.create_all(self.engine)

    def _insert(self, table: Table):
        dialect = self.engine.dialect.name
        builder = postgresql_insert if dialect == "postgresql" else sqlite_insert
        return builder(table)

    def add_records(self, batch: Iterable[TextRecord], source: str) -> int:
        """Insert new records; returns how many were new."""
        now = datetime.now(timezone.utc)
        rows = [{**r.model_dump(), "source": source, "ingested_at": now} for r in batch]
        if not rows:
            return 0
        statement = (
            self._insert(records)
            .on_conflict_do_nothing(index_elements=["id"])
            .returning(records.c.id)  # only the rows actually inserted come back
        )
        with self.engine.begin() as connection:
            return len(connection.execute(statement, rows).all())

    def add_rejected(self, rows: list[dict]) -> None:
        """Record rejected rows with their reason (once per source line)."""
        if not rows:
            return
        statement = self._insert(rejected_rows).on_conflict_do_nothing(
            index_elements=["source", "line"]
        )
        with self.engine.begin() as connection:
            connection.execute(statement, rows)

    def count(self) -> int:
        """Records stored."""
        with self.engine.connect() as connection:
            return connection.execute(select(func.count()).select_from(records)).scalar_one()

    def rejected(self) -> list[dict]:
        """Every rejected row, oldest first."""
        with self.engine.connect() as connection:
            result = connection.execute(select(rejected_rows).order_by(rejected_rows.c.id))
            return [dict(row._mapping) for row in result]
