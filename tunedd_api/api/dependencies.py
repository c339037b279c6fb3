"""FastAPI dependencies, as `Annotated` aliases the routers declare in their signatures."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

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
