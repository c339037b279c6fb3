"""/documents: the collection, each document's status, runtime uploads and their deletion."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from tunedd_api.api.dependencies import (
    DocumentAccessDep,
    IntakeDep,
    PrincipalDep,
    ReadyStateDep,
)
from tunedd_api.api.schemas import (
    DocumentListOut,
    DocumentOut,
    ErrorOut,
    IndexingProgressOut,
    UploadedDocumentOut,
    UploadOut,
)
from tunedd_api.api.upload_stream import receive_files
from tunedd_api.documents import DocumentRecord
from tunedd_api.errors import DocumentNotFoundError
from tunedd_api.indexing.queue import UploadProgress

router = APIRouter(tags=["documents"])

DocumentIdPath = Annotated[str, Path(min_length=1, max_length=64, description="Document id.")]

_UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {
                    "files": {"type": "array", "items": {"type": "string", "format": "binary"}}
                },
                "required": ["files"],
            }
        }
    },
}


def _document_out(
    record: DocumentRecord, uploaded: bool, progress: UploadProgress | None = None
) -> DocumentOut:
    return DocumentOut(
        id=record.document_id,
        file_name=record.file_name,
        title=record.title,
        page_count=record.page_count,
        chunk_count=record.chunk_count,
        status=record.status,
        error=record.error,
        source="upload" if uploaded else "folder",
        progress=IndexingProgressOut(**progress.__dict__) if progress is not None else None,
    )


@router.get("/documents", response_model=DocumentListOut, summary="List documents")
def list_documents(
    state: ReadyStateDep, principal: PrincipalDep, access: DocumentAccessDep
) -> DocumentListOut:
    """Every document the caller sees: the data folder's and uploads, with their status."""
    uploaded = state.intake.upload_ids()
    progress = state.intake.queue.progress_all()
    visible = access.visible_ids(principal)
    return DocumentListOut(
        documents=[
            _document_out(r, r.document_id in uploaded, progress.get(r.document_id))
            for r in state.catalog.all()
            if visible is None or r.document_id in visible
        ]
    )


@router.post(
    "/documents",
    status_code=202,
    response_model=UploadOut,
    openapi_extra={"requestBody": _UPLOAD_BODY},
    responses={
        413: {"model": ErrorOut, "description": "A file over the size limit, or too many."},
        415: {"model": ErrorOut, "description": "Not multipart, or a file that is not a PDF."},
        422: {"model": ErrorOut, "description": "Malformed multipart body or no file."},
        503: {"model": ErrorOut, "description": "The indexing queue is full (Retry-After)."},
    },
    summary="Upload documents",
)
async def upload_documents(
    request: Request,
    intake: IntakeDep,
    state: ReadyStateDep,
    principal: PrincipalDep,
    access: DocumentAccessDep,
) -> UploadOut:
    """Add PDFs to the collection: each is stored and indexed in the background (poll
    `GET /documents/{id}`). The same bytes again return the existing id and embed nothing."""
    settings = state.settings
    received = await receive_files(
        request.headers.get("content-type", ""),
        request.stream(),
        intake.store,
        max_bytes=settings.max_upload_bytes,
        max_files=settings.max_upload_files,
    )
    accepted = await asyncio.to_thread(intake.accept, received)
    await asyncio.to_thread(access.record_upload, principal, [a.document_id for a in accepted])
    return UploadOut(
        documents=[
            UploadedDocumentOut(
                id=a.document_id, file_name=a.file_name, status=a.status, duplicate=a.duplicate
            )
            for a in accepted
        ]
    )


@router.get(
    "/documents/{document_id}",
    response_model=DocumentOut,
    responses={404: {"model": ErrorOut, "description": "Unknown document."}},
    summary="Document status",
)
def get_document(
    document_id: DocumentIdPath,
    intake: IntakeDep,
    principal: PrincipalDep,
    access: DocumentAccessDep,
) -> DocumentOut:
    """One document: `queued`, `indexing` (with progress), `indexed` or `failed` + reason."""
    if not access.can_see(principal, document_id):
        raise DocumentNotFoundError(document_id)
    record, progress = intake.status(document_id)
    return _document_out(record, intake.is_upload(document_id), progress)


@router.delete(
    "/documents/{document_id}",
    status_code=204,
    responses={
        404: {"model": ErrorOut, "description": "Unknown document."},
        409: {"model": ErrorOut, "description": "A data-folder document (read-only)."},
    },
    summary="Delete an uploaded document",
)
async def delete_document(
    document_id: DocumentIdPath,
    intake: IntakeDep,
    principal: PrincipalDep,
    access: DocumentAccessDep,
) -> Response:
    """Remove an upload's chunks, stored file and record (waits for its indexing run to end);
    no later answer or search returns it. Data-folder documents are read-only (409). With API
    keys, a document uploaded with several keys goes when its last owner deletes it."""
    await asyncio.to_thread(access.delete, principal, document_id)
    return Response(status_code=204)
