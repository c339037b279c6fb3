"""FastAPI dependencies, as `Annotated` aliases the routers declare in their signatures."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated

from fastapi import Depends, Request

from tunedd_api.access.documents import DocumentAccess
from tunedd_api.access.principal import Principal
from tunedd_api.chat.service import ChatService
from tunedd_api.errors import NotReadyError
from tunedd_api.indexing.intake import DocumentIntake
from tunedd_api.state import AppState


def get_state(request: Request) -> AppState:
    """The app's state, built in the lifespan."""
    return request.app.state.tunedd


def get_ready_state(state: Annotated[AppState, Depends(get_state)]) -> AppState:
    """The state, or 503 while startup indexing is still running."""
    if not state.ready:
        raise NotReadyError(state.startup_error or "documents are still being indexed")
    return state


def get_chat(state: Annotated[AppState, Depends(get_ready_state)]) -> ChatService:
    """The chat service (only once ready)."""
    return state.chat


def get_intake(state: Annotated[AppState, Depends(get_ready_state)]) -> DocumentIntake:
    """Runtime uploads (only once ready: the worker starts after startup indexing)."""
    return state.intake


StateDep = Annotated[AppState, Depends(get_state)]
ReadyStateDep = Annotated[AppState, Depends(get_ready_state)]
ChatDep = Annotated[ChatService, Depends(get_chat)]
IntakeDep = Annotated[DocumentIntake, Depends(get_intake)]


async def get_principal(request: Request, state: StateDep) -> Principal:
    """The caller: 401 without a valid API key when keys are required, 429 over its limit."""
    access = state.access
    if access is None or not access.required:
        return Principal.open_access()
    header = request.headers.get("authorization")
    return await asyncio.to_thread(access.authenticate, header)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def get_documents_access(state: StateDep) -> DocumentAccess:
    """Which documents each caller sees."""
    return state.access.documents


DocumentAccessDep = Annotated[DocumentAccess, Depends(get_documents_access)]


def owned_conversation(
    conversation_id: uuid.UUID, state: StateDep, principal: PrincipalDep
) -> uuid.UUID:
    """The path's conversation id, once checked to belong to the caller (else 404)."""
    state.conversations.check_owner(conversation_id, principal.owner)
    return conversation_id


OwnedConversationId = Annotated[uuid.UUID, Depends(owned_conversation)]
