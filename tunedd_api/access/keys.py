"""API keys in the application database: created once (the secret is shown once and only its
SHA-256 is stored), listed, revoked, and checked on every request.

Secrets are 192 random bits, so a plain SHA-256 is enough (no password stretching: there is
nothing to brute-force) and lets a request find its key by an indexed lookup.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

from sqlalchemy import Engine, insert, select, update

from tunedd_api.errors import InvalidInputError, KeyNotFoundError
from tunedd_api.storage.engine import as_utc
from tunedd_api.storage.schema import api_keys

#: Every secret starts with this, so leaked keys are easy to recognise (and to scan for).
SECRET_PREFIX = "tdk_"


@dataclass(frozen=True)
class ApiKey:
    """A key as listed: never its secret."""

    id: str
    name: str
    prefix: str
    admin: bool
    created_at: datetime
    revoked_at: datetime | None = None


def hash_secret(secret: str) -> str:
    """The stored form of a secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


class KeyStore:
    """Creates, lists, revokes and checks API keys.

    :param engine: The application database (migrated).
    :param now: The wall clock.
    """

    def __init__(
        self, *, engine: Engine, now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)
    ) -> None:
        self.engine = engine
        self._now = now

    def create(self, name: str, *, admin: bool = False) -> tuple[ApiKey, str]:
        """A new key and its secret (shown to the caller once, stored only hashed)."""
        name = " ".join(name.split())
        if not name or len(name) > 100:
            raise InvalidInputError("a key needs a name of 1 to 100 characters")
        secret = SECRET_PREFIX + secrets.token_urlsafe(24)
        key = ApiKey(
            id=secrets.token_hex(8),
            name=name,
            prefix=secret[:10],
            admin=admin,
            created_at=self._now(),
        )
        with self.engine.begin() as connection:
            connection.execute(
                insert(api_keys).values(
                    id=key.id,
                    name=key.name,
                    prefix=key.prefix,
                    secret_hash=hash_secret(secret),
                    admin=admin,
                    created_at=key.created_at,
                )
            )
        return key, secret

    def list(self) -> list[ApiKey]:
        """Every key, revoked ones included, oldest first."""
        query = select(api_keys).order_by(api_keys.c.created_at, api_keys.c.id)
        with self.engine.connect() as connection:
            return [_key(row) for row in connection.execute(query)]

    def revoke(self, key_id: str) -> ApiKey:
        """Revoke a key (its requests get 401 from now on); KeyNotFoundError if unknown."""
        with self.engine.begin() as connection:
            connection.execute(
                update(api_keys)
                .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
                .values(revoked_at=self._now())
            )
            row = connection.execute(select(api_keys).where(api_keys.c.id == key_id)).first()
        if row is None:
            raise KeyNotFoundError(key_id)
        return _key(row)

    def authenticate(self, secret: str) -> ApiKey | None:
        """The live key with this secret, or None."""
        query = select(api_keys).where(
            api_keys.c.secret_hash == hash_secret(secret), api_keys.c.revoked_at.is_(None)
        )
        with self.engine.connect() as connection:
            row = connection.execute(query).first()
        return _key(row) if row is not None else None


def _key(row) -> ApiKey:
    return ApiKey(
        id=row.id,
        name=row.name,
        prefix=row.prefix,
        admin=bool(row.admin),
        created_at=as_utc(row.created_at),
        revoked_at=as_utc(row.revoked_at),
    )
