"""SQLAlchemy engines for tunedd's databases: SQLite by default, PostgreSQL by URL."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import Engine, Table, create_engine, event
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

#: Seconds a SQLite writer waits for another process's write lock before failing.
SQLITE_BUSY_S = 60
#: Seconds to wait for a PostgreSQL connection before reporting the database unavailable.
CONNECT_TIMEOUT_S = 10


def open_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL, a busy timeout and foreign keys, so several
    processes can share one file and a process killed mid-write loses no committed row."""
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    options: dict = {"pool_pre_ping": True}
    if url.startswith("postgresql") and "connect_timeout" not in url:
        options["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT_S}  # fail fast: 503
    engine = create_engine(url, **options)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _pragmas(connection, _record) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_S * 1000}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

    return engine


def sqlite_file_exists(url: str) -> bool:
    """False for a SQLite URL whose file is not there yet (any other URL: True)."""
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        return Path(url.removeprefix("sqlite:///")).exists()
    return True


def dialect_insert(dialect_name: str, table: Table):
    """The dialect's INSERT for ``table``, which supports ``ON CONFLICT DO NOTHING``."""
    return (postgresql_insert if dialect_name == "postgresql" else sqlite_insert)(table)


def as_utc(moment: datetime | None) -> datetime | None:
    """A stored time with its zone: SQLite hands datetimes back without one, and every time
    tunedd stores is UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=timezone.utc)
