"""Alembic environment of the application database (run through tunedd_api.storage.migrate)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, text

from tunedd_api.storage.schema import metadata

#: Any fixed number (not the records history's): serialises concurrent upgrades on PostgreSQL.
_ADVISORY_LOCK = 0x7475_6E66


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER much
        compare_type=True,
        version_table=context.config.attributes["version_table"],
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK})
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = create_engine(context.config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()
