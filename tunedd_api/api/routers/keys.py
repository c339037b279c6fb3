"""/keys: admin keys create, list and revoke API keys (also `tunedd keys ...`)."""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends, Response

from tunedd_api.access.keys import KeyStore
from tunedd_api.api.dependencies import PrincipalDep, StateDep
from tunedd_api.api.key_schemas import CreateKeyIn, KeyCreatedOut, KeyListOut, KeyOut
from tunedd_api.api.schemas import ErrorOut
from tunedd_api.errors import ForbiddenError

router = APIRouter(prefix="/keys", tags=["keys"])

_ADMIN_ONLY = {403: {"model": ErrorOut, "description": "Not an admin key."}}


def admin_keys(state: StateDep, principal: PrincipalDep) -> KeyStore:
    """The key store, for admin callers only (keys off: the local user is the admin)."""
    if not principal.admin:
        raise ForbiddenError("only admin keys manage API keys")
    return state.access.keys


AdminKeysDep = Annotated[KeyStore, Depends(admin_keys)]


def _out(key) -> KeyOut:
    return KeyOut(**asdict(key))


@router.get("", response_model=KeyListOut, responses=_ADMIN_ONLY, summary="List API keys")
async def list_keys(store: AdminKeysDep) -> KeyListOut:
    """Every key, revoked ones included (never their secrets)."""
    return KeyListOut(keys=[_out(k) for k in await asyncio.to_thread(store.list)])


@router.post(
    "", status_code=201, response_model=KeyCreatedOut, responses=_ADMIN_ONLY, summary="Create"
)
async def create_key(body: CreateKeyIn, store: AdminKeysDep) -> KeyCreatedOut:
    """A new key; its secret is in this response only."""
    key, secret = await asyncio.to_thread(store.create, body.name, admin=body.admin)
    return KeyCreatedOut(**asdict(key), secret=secret)


@router.delete("/{key_id}", status_code=204, responses=_ADMIN_ONLY, summary="Revoke an API key")
async def revoke_key(key_id: str, store: AdminKeysDep) -> Response:
    """Revoke a key: its requests get 401 from now on."""
    await asyncio.to_thread(store.revoke, key_id)
    return Response(status_code=204)
