"""Alembic migrations run from code (no alembic.ini to carry around), for each database.

Each migration history has its own scripts folder and version table, so the records
history and the application's history can share one PostgreSQL database. Concurrent upgrades
of one PostgreSQL database are serialised by an advisory lock (in each ``env.py``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

from tunedd_api.errors import BackendUnavailableError
from tunedd_api.storage.engine import open_engine

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Migrations:
    """One migration history: its scripts and the table recording the applied revision."""

    scripts: Path
    version_table: str = "alembic_version"

    def config(self, engine: Engine | None = None) -> Config:
        """An Alembic config over these scripts (migrating ``engine``'s database if given)."""
        config = Config()
        config.set_main_option("script_location", str(self.scripts))
        config.attributes["version_table"] = self.version_table
        if engine is not None:
            url = engine.url.render_as_string(hide_password=False).replace("%", "%%")
            config.set_main_option("sqlalchemy.url", url)
        return config

    def head_revision(self) -> str:
        """The newest migration shipped with this code."""
        return ScriptDirectory.from_config(self.config()).get_current_head()

    def current_revision(self, engine: Engine) -> str | None:
        """The database's revision, or None for a database this history never touched."""
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"version_table": self.version_table}
            )
            return context.get_current_revision()

    def upgrade(self, engine: Engine, revision: str = "head") -> None:
        """Migrate to ``revision`` (default: the newest); a no-op when current."""
        if revision == "head" and self.current_revision(engine) == self.head_revision():
            return
        config = self.config(engine)
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
        logger.info("%s migrated to %s", self.scripts.parent.name, self.current_revision(engine))


def run_environment(context, metadata, advisory_lock: int) -> None:
    """The body of a migrations folder's ``env.py``: migrate the connection the caller passed
    (or one to the configured URL), serialised on PostgreSQL by ``advisory_lock``."""

    def run(connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER much
            compare_type=True,
            version_table=context.config.attributes.get("version_table", "alembic_version"),
        )
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": advisory_lock}
                )
            context.run_migrations()

    connection = context.config.attributes.get("connection")
    if connection is not None:
        run(connection)
        return
    engine = create_engine(context.config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        run(connection)
    engine.dispose()


#: The application database's history (conversations, messages, ...).
APP_MIGRATIONS = Migrations(Path(__file__).with_name("migrations"), "tunedd_app_version")


def open_app_database(url: str) -> Engine:
    """The application database at ``url``, migrated to the newest revision (blocking);
    BackendUnavailableError if it cannot be reached."""
    engine = open_engine(url)
    try:
        APP_MIGRATIONS.upgrade(engine)
    except OperationalError as error:
        engine.dispose()
        raise BackendUnavailableError(
            f"application database unavailable ({engine.url!r}): {error.orig}"
        ) from error
    return engine
