"""Liveness and readiness probes."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from tunedd_api.api.dependencies import StateDep, get_principal
from tunedd_api.observability.metrics import REGISTRY
from tunedd_api.records.metrics import refresh_record_counts

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
    breakers = state.backend.guards.states()
    ready = state.ready and all(c.ok for c in checks)
    body = {
        "status": "ready" if ready else "not_ready",
        "indexing": "done" if state.ready else (state.startup_error or "in progress"),
        "backend": state.backend.name,
        "dependencies": dependencies,
        "circuit_breakers": breakers,
        "llm_queue_depth": state.backend.chat_model.queue_depth,
        "conversations": await asyncio.to_thread(state.conversations.count),
    }
    return JSONResponse(status_code=200 if ready else 503, content=body)


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    dependencies=[Depends(get_principal)],  # an API key when keys are required
)
def metrics(state: StateDep) -> Response:
    """Request counts and latencies by route, retrieval / embedding / LLM latency, tokens,
    indexing progress, queue depth, circuit breaker states and the records queue by status,
    in Prometheus text format."""
    refresh_record_counts(state)
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
