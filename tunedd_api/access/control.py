"""The request gate: who is calling (a Bearer API key, or anyone when keys are off), and
whether that key is within its rate limit.

Keys are required when ``RAG_REQUIRE_API_KEY`` is true or an admin key is configured
(``RAG_ADMIN_KEY``: a secret from the environment, e.g. a compose secret, accepted as an admin
key besides the stored ones). Health, readiness, the OpenAPI docs and the static chat page are
open; every other route goes through :meth:`AccessControl.authenticate`.
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass

from sqlalchemy import Engine

from tunedd_api.access.documents import DocumentAccess
from tunedd_api.access.keys import KeyStore, hash_secret
from tunedd_api.access.principal import Principal
from tunedd_api.access.rate_limit import RateLimiter
from tunedd_api.errors import UnauthorizedError
from tunedd_api.indexing.catalog import DocumentCatalog
from tunedd_api.indexing.intake import DocumentIntake
from tunedd_api.settings import Settings

logger = logging.getLogger(__name__)

#: Id of the configured admin key (RAG_ADMIN_KEY) in logs and as the owner of what it creates.
CONFIGURED_ADMIN_ID = "admin"


@dataclass
class AccessControl:
    """Authentication, rate limiting and per-key document visibility for one app."""

    required: bool
    keys: KeyStore
    limiter: RateLimiter
    documents: DocumentAccess
    admin_secret_hash: str | None = None

    @classmethod
    def build(
        cls,
        settings: Settings,
        *,
        engine: Engine,
        catalog: DocumentCatalog,
        intake: DocumentIntake,
    ) -> "AccessControl":
        """The access control the settings describe, over the application database."""
        admin = settings.admin_key.get_secret_value() if settings.admin_key else None
        return cls(
            required=settings.require_api_key or admin is not None,
            keys=KeyStore(engine=engine),
            limiter=RateLimiter(per_minute=settings.rate_limit_per_minute),
            documents=DocumentAccess(engine=engine, catalog=catalog, intake=intake),
            admin_secret_hash=hash_secret(admin) if admin else None,
        )

    def authenticate(self, authorization: str | None) -> Principal:
        """The caller of a request with this ``Authorization`` header (blocking: one indexed
        lookup); UnauthorizedError or RateLimitedError when it may not call."""
        if not self.required:
            return Principal.open_access()
        scheme, _, secret = (authorization or "").partition(" ")
        secret = secret.strip()
        if scheme.lower() != "bearer" or not secret:
            raise UnauthorizedError(
                "an API key is required: send `Authorization: Bearer <key>` "
                "(create one with `tunedd keys create --name NAME`)"
            )
        principal = self._principal(secret)
        if principal is None:
            raise UnauthorizedError("unknown or revoked API key")
        self.limiter.check(principal.key_id)
        return principal

    def _principal(self, secret: str) -> Principal | None:
        if self.admin_secret_hash is not None and hmac.compare_digest(
            hash_secret(secret), self.admin_secret_hash
        ):
            return Principal(key_id=CONFIGURED_ADMIN_ID, admin=True, name="configured admin")
        key = self.keys.authenticate(secret)
        if key is None:
            return None
        return Principal(key_id=key.id, admin=key.admin, name=key.name)
