"""The caller of a request: an API key, or anyone when keys are not required."""

from __future__ import annotations

from dataclasses import dataclass

#: Owner of documents an admin key uploads: shared with every key, like the startup folder's.
SHARED_OWNER = "shared"


@dataclass(frozen=True)
class Principal:
    """Who is calling.

    ``key_id`` None means authentication is off: the caller sees and may do everything, as a
    single local user does. ``admin`` keys manage keys and shared documents.
    """

    key_id: str | None
    admin: bool = False
    name: str = "anonymous"

    @classmethod
    def open_access(cls) -> "Principal":
        """The caller when API keys are not required."""
        return cls(key_id=None, admin=True)

    @property
    def owner(self) -> str | None:
        """The owner recorded on what this caller creates, and the filter on what it sees
        (None: no filter)."""
        return self.key_id

    @property
    def upload_owner(self) -> str | None:
        """Owner of documents this caller uploads: admin uploads are shared."""
        if self.key_id is None:
            return None
        return SHARED_OWNER if self.admin else self.key_id
