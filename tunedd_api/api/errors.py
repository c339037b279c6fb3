"""Maps domain errors to HTTP responses, in this one place."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from tunedd_api.errors import (
    BackendUnavailableError,
    ConversationBusyError,
    ConversationCapacityError,
    ConversationFullError,
    ConversationNotFoundError,
    DocumentNotFoundError,
    DocumentsRemovedError,
    ReadOnlyDocumentError,
    RecordNotFoundError,
    GenerationTimeoutError,
    InvalidInputError,
    ModelBusyError,
    NotReadyError,
    StructuredOutputError,
    TunedDError,
    UnknownDocumentsError,
    UnsupportedFileTypeError,
    UploadQueueFullError,
    UploadTooLargeError,
    UnauthorizedError,
    ForbiddenError,
    KeyNotFoundError,
    RateLimitedError,
)
from tunedd_api.resilience import CircuitOpenError

logger = logging.getLogger(__name__)

#: Most specific class first.
_STATUS: list[tuple[type[TunedDError], int, str]] = [
    (UnauthorizedError, 401, "unauthorized"),
    (ForbiddenError, 403, "forbidden"),
    (KeyNotFoundError, 404, "key_not_found"),
    (RateLimitedError, 429, "rate_limited"),
    (ConversationNotFoundError, 404, "conversation_not_found"),
    (RecordNotFoundError, 404, "record_not_found"),
    (DocumentNotFoundError, 404, "document_not_found"),
    (ReadOnlyDocumentError, 409, "read_only_document"),
    (DocumentsRemovedError, 409, "documents_removed"),
    (UploadTooLargeError, 413, "upload_too_large"),
    (UnsupportedFileTypeError, 415, "unsupported_file_type"),
    (UploadQueueFullError, 503, "upload_queue_full"),
    (ConversationFullError, 409, "conversation_full"),
    (ConversationBusyError, 409, "conversation_busy"),
    (ConversationCapacityError, 503, "too_many_conversations"),
    (UnknownDocumentsError, 422, "unknown_documents"),
    (InvalidInputError, 422, "invalid_input"),
    (ModelBusyError, 503, "model_busy"),
    (NotReadyError, 503, "not_ready"),
    (CircuitOpenError, 503, "circuit_open"),
    (BackendUnavailableError, 503, "backend_unavailable"),
    (GenerationTimeoutError, 504, "generation_timeout"),
    # Only where no fallback catches it first (summaries and cluster labels have one).
    (StructuredOutputError, 502, "invalid_model_output"),
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
    if isinstance(error, (UnknownDocumentsError, DocumentsRemovedError)):
        body["document_ids"] = error.document_ids
    headers = {}
    retry_after = getattr(error, "retry_after_s", None)
    if retry_after is not None:  # model queue full, circuit open, store at capacity
        headers["Retry-After"] = str(retry_after)
    elif isinstance(error, NotReadyError):
        headers["Retry-After"] = "5"
    if isinstance(error, UnauthorizedError):
        headers["WWW-Authenticate"] = 'Bearer realm="tunedd"'
    return JSONResponse(status_code=status, content=body, headers=headers)


async def _handle_validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
    """422 in the same shape as every other error, plus pydantic's field-level details."""
    errors = jsonable_encoder(error.errors(), exclude={"input", "ctx", "url"})
    first = errors[0] if errors else {}
    where = ".".join(str(part) for part in first.get("loc", ()))
    detail = f"{where}: {first.get('msg', 'invalid request')}" if where else "invalid request"
    logger.info("%s %s -> 422 invalid_input: %s", request.method, request.url.path, detail)
    return JSONResponse(
        status_code=422, content={"detail": detail, "code": "invalid_input", "errors": errors}
    )


async def _handle_http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
    """Framework errors (unknown route, wrong method, unparsable body) in the same shape."""
    return JSONResponse(
        status_code=error.status_code,
        content={"detail": str(error.detail), "code": f"http_{error.status_code}"},
        headers=getattr(error, "headers", None),
    )


def register_error_handlers(app: FastAPI) -> None:
    """Install the error handlers on ``app``."""
    app.add_exception_handler(TunedDError, _handle_domain_error)
    app.add_exception_handler(RequestValidationError, _handle_validation_error)
    app.add_exception_handler(StarletteHTTPException, _handle_http_error)
