"""Alembic environment of the application database (run through tunedd_api.storage.migrate)."""

from __future__ import annotations

from alembic import context

from tunedd_api.storage.schema import metadata
from tunedd_api.storage.migrate import run_environment

#: Any fixed number, one per history: serialises concurrent upgrades of a PostgreSQL database.
_ADVISORY_LOCK = 0x7475_6E66

run_environment(context, metadata, _ADVISORY_LOCK)
