"""Alembic migrations of the records database, run from code (no alembic.ini to carry around).

``tunedd db upgrade`` runs them explicitly; :class:`~tunedd_api.records.store.RecordStore`
runs them on open, so a fresh SQLite file or an empty PostgreSQL database just works.
Concurrent upgrades of one PostgreSQL database are serialised by an advisory lock.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from tunedd_api.storage.migrate import Migrations

RECORDS_MIGRATIONS = Migrations(Path(__file__).with_name("migrations"), "alembic_version")


def head_revision() -> str:
    """The newest migration shipped with this code."""
    return RECORDS_MIGRATIONS.head_revision()


def current_revision(engine: Engine) -> str | None:
    """The database's migration, or None for an empty database."""
    return RECORDS_MIGRATIONS.current_revision(engine)


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database to ``revision`` (default: the newest); a no-op when current."""
    RECORDS_MIGRATIONS.upgrade(engine, revision)
