"""Request and response bodies of /keys (admin keys manage API keys)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class CreateKeyIn(BaseModel):
    """A key to create."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, description="Who or what uses the key.")
    admin: bool = Field(False, description="May manage keys and shared documents.")


class KeyOut(BaseModel):
    """An API key as listed (never its secret)."""

    id: str = Field(description="The key's id (for revoking it).")
    name: str = Field(description="Who or what uses the key.")
    prefix: str = Field(description="The secret's first characters, to recognise it.")
    admin: bool = Field(description="Whether it manages keys and shared documents.")
    created_at: datetime = Field(description="When it was created.")
    revoked_at: datetime | None = Field(description="When it was revoked; null while live.")


class KeyCreatedOut(KeyOut):
    """A new key, with its secret: shown this once, stored only hashed."""

    secret: str = Field(description="Send as `Authorization: Bearer <secret>`; shown once.")


class KeyListOut(BaseModel):
    """Every API key, oldest first."""

    keys: list[KeyOut] = Field(description="Live and revoked keys.")
