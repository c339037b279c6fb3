"""PostgreSQL session-level advisory locks, each held on a connection of its own.

``pg_advisory_lock(namespace, key)`` (the two-``int4`` form) is held by a database session, not
by a transaction: the connection runs in autocommit, so no transaction stays open while the
lock is held, and the lock is released by ``pg_advisory_unlock`` or, if the process dies, by
the server when the connection drops. ``lock_timeout`` bounds the wait.

Locks use a pool of their own (no pooling: one connection per hold), so holders waiting on
a lock never take the connections the lock's holder needs to finish its work.
"""

from __future__ import annotations

import logging

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.pool import NullPool

from tunedd_api.errors import BackendUnavailableError
from tunedd_api.storage.engine import CONNECT_TIMEOUT_S

logger = logging.getLogger(__name__)

#: SQLSTATE of "canceling statement due to lock timeout".
_LOCK_NOT_AVAILABLE = "55P03"


class LockTimeoutError(Exception):
    """The lock stayed taken for the whole wait (its users turn this into a domain error)."""


def int4(value: int) -> int:
    """``value`` folded into a signed 32-bit integer (an advisory lock key half)."""
    value &= 0xFFFF_FFFF
    return value - (1 << 32) if value >= 1 << 31 else value


class AdvisoryLocks:
    """Advisory locks in one key namespace of one PostgreSQL database (blocking calls).

    :param url: The database (its engine's URL).
    :param namespace: The first key half; each user of advisory locks picks its own.
    """

    def __init__(self, url: str, namespace: int) -> None:
        self._engine: Engine = create_engine(
            url, poolclass=NullPool, connect_args={"connect_timeout": CONNECT_TIMEOUT_S}
        )
        self._namespace = int4(namespace)

    def acquire(self, key: int, timeout_s: float) -> Connection:
        """Wait up to ``timeout_s`` for the lock on ``key``; returns the connection holding it
        (pass it to :meth:`release`). LockTimeoutError when it stays taken,
        BackendUnavailableError when the database cannot be reached."""
        try:
            connection = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        except OperationalError as error:
            raise BackendUnavailableError(f"database unavailable: {error.orig}") from error
        try:
            connection.execute(text(f"SET lock_timeout = {max(1, int(timeout_s * 1000))}"))
            connection.execute(
                text("SELECT pg_advisory_lock(:namespace, :key)"),
                {"namespace": self._namespace, "key": int4(key)},
            )
            connection.execute(text("SET lock_timeout = 0"))
        except DBAPIError as error:
            connection.invalidate()  # whatever happened, no lock may stay with this session
            connection.close()
            if getattr(error.orig, "sqlstate", None) == _LOCK_NOT_AVAILABLE:
                raise LockTimeoutError(f"still locked after {timeout_s:g} s") from error
            raise BackendUnavailableError(f"database unavailable: {error.orig}") from error
        return connection

    def release(self, connection: Connection, key: int) -> None:
        """Release the lock ``acquire`` returned ``connection`` for; closing the connection
        releases it anyway if the unlock itself fails."""
        try:
            connection.execute(
                text("SELECT pg_advisory_unlock(:namespace, :key)"),
                {"namespace": self._namespace, "key": int4(key)},
            )
        except DBAPIError:
            logger.warning("Advisory unlock of key %d failed; dropping the connection", key)
            connection.invalidate()
        finally:
            connection.close()

    def close(self) -> None:
        """Release the engine."""
        self._engine.dispose()
