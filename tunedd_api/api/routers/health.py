"""Liveness and readiness probes."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from tunedd_api.api.dependencies import StateDep

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness")
def healthz() -> dict:
    """200 whenever the process serves requests."""
    return {"status": "ok"}


@router.get("/readyz", summary="Readiness", responses={503: {"description": "Not ready."}})
async def readyz(state: StateDep) -> JSONResponse:
    """200 once startup indexing is done and every dependency answers; 503 otherwise."""
    checks = await asyncio.to_thread(state.backend.check)
    dependencies = {c.name: {"ok": c.ok, "detail": c.detail} for c in checks}
    ready = state.ready and all(c.ok for c in checks)
    body = {
        "status": "ready" if ready else "not_ready",
        "indexing": "done" if state.ready else (state.startup_error or "in progress"),
        "backend": state.backend.name,
        "dependencies": dependencies,
    }
    return JSONResponse(status_code=200 if ready else 503, content=body)
