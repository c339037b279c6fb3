"""Maps domain errors to HTTP responses, in this one place."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tunedd_api.errors import (
    BackendUnavailableError,
    ConversationNotFoundError,
    GenerationTimeoutError,
    InvalidInputError,
    ModelBusyError,
    NotReadyError,
    TunedDError,
    UnknownDocumentsError,
)

logger = logging.getLogger(__name__)

#: Most specific class first.
_STATUS: list[tuple[type[TunedDError], int, str]] = [
    (ConversationNotFoundError, 404, "conversation_not_found"),
    (UnknownDocumentsError, 422, "unknown_documents"),
    (InvalidInputError, 422, "invalid_input"),
    (ModelBusyError, 503, "model_busy"),
    (NotReadyError, 503, "not_ready"),
    (BackendUnavailableError, 503, "backend_unavailable"),
    (GenerationTimeoutError, 504, "generation_timeout"),
]


def error_status(error: TunedDError) -> tuple[int, str]:
    """The HTTP status and stable code for a domain error."""
    for error_type, status, code in _STATUS:
        if isinstance(error, error_type):
            return status, code
    return 500, "internal_error"


async def _handle_domain_error(request: Request, error: TunedDError) -> JSONResponse:
    status, code = error_status(error)
    log = logger.warning if status >= 500 else logger.info
    log("%s %s -> %d %s: %s", request.method, request.url.path, status, code, error.message)
    body: dict = {"detail": error.message, "code": code}
    if isinstance(error, UnknownDocumentsError):
        body["document_ids"] = error.document_ids
    headers = {}
    if isinstance(error, ModelBusyError):
        headers["Retry-After"] = str(error.retry_after_s)
    elif isinstance(error, NotReadyError):
        headers["Retry-After"] = "5"
    return JSONResponse(status_code=status, content=body, headers=headers)


def register_error_handlers(app: FastAPI) -> None:
    """Install the domain-error handler on ``app``."""
    app.add_exception_handler(TunedDError, _handle_domain_error)
