"""Alembic environment of the records database (run through tunedd_api.records.migrate)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, text

from tunedd_api.records.schema import metadata

#: Any fixed number: serialises concurrent upgrades of one PostgreSQL database.
_ADVISORY_LOCK = 0x7475_6E65


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER much
        compare_type=True,
        version_table=context.config.attributes.get("version_table", "alembic_version"),
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
