"""The FastAPI application factory. Nothing is loaded or connected at import time."""

from __future__ import annotations

import asyncio
import logging
import time
from contextlib import asynccontextmanager
from typing import AsyncIterator, Callable

from fastapi import FastAPI

from tunedd_api import __version__
from tunedd_api.api.errors import register_error_handlers
from tunedd_api.api.middleware import RequestContextMiddleware
from tunedd_api.api.routers import (
    conversations,
    documents,
    health,
    insights,
    openai,
    records,
    search,
    web,
)
from tunedd_api.backends.base import Stack
from tunedd_api.observability.logging import configure_logging
from tunedd_api.runtime import build_runtime
from tunedd_api.settings import Settings
from tunedd_api.state import AppState, open_conversation_store
from tunedd_api.storage.migrate import open_app_database

logger = logging.getLogger(__name__)

DESCRIPTION = """
A RAG chatbot over a PDF collection. Create a conversation (optionally limited to some
documents), send messages, and get answers grounded in the documents with page-level citations.
Also: an OpenAI-compatible `/v1` API, theme discovery (`/insights`), and the results of batch
scoring jobs (`/records`; ingest and workers run as `tunedd` commands).
"""


def create_app(
    settings: Settings | None = None,
    *,
    stack: Stack | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> FastAPI:
    """Build the app; the runtime is built (from ``settings``) and started in the lifespan.

    ``stack`` replaces the configured stack (tests run the graphs over fakes) and ``clock`` the
    monotonic clock of the circuit breakers.
    """
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Built on the first start and kept: a stack's components join one graph only.
        runtime = getattr(app.state, "runtime", None)
        if runtime is None:
            runtime = await asyncio.to_thread(build_runtime, settings, stack=stack, clock=clock)
            app.state.runtime = runtime
        # Conversations (unless kept in memory) and upload jobs: shared by every API process
        # of one PostgreSQL database.
        database = await asyncio.to_thread(open_app_database, settings.app_database_url)
        conversations = await asyncio.to_thread(open_conversation_store, settings, database)
        state = AppState.build(runtime, conversations, database)
        app.state.tunedd = state
        logger.info("Starting tunedd %s on the %s stack", __version__, runtime.stack.name)
        if settings.startup_indexing == "background":
            state._startup_task = asyncio.create_task(state.start())
        else:
            await state.start()
        try:
            yield
        finally:
            await state.stop()

    app = FastAPI(
        title="tunedd",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.add_middleware(
        RequestContextMiddleware,
        max_body_bytes=settings.max_request_bytes,
        # Every file at its limit, plus room for the multipart headers.
        max_upload_body_bytes=settings.max_upload_files * (settings.max_upload_bytes + 65_536),
    )
    register_error_handlers(app)
    for module in (health, documents, conversations, search, insights, openai, records, web):
        app.include_router(module.router)
    app.mount("/ui", web.static_files(), name="ui")
    return app


def create_app_from_env() -> FastAPI:
    """Entry point for ``uvicorn --factory``: settings from the environment and `.env`."""
    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    return create_app(settings)
