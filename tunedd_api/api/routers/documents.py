"""GET /documents: the collection and each file's indexing status."""

from __future__ import annotations

from fastapi import APIRouter

from tunedd_api.api.dependencies import ReadyStateDep
from tunedd_api.api.schemas import DocumentListOut, DocumentOut

router = APIRouter(tags=["documents"])


@router.get("/documents", response_model=DocumentListOut, summary="List documents")
def list_documents(state: ReadyStateDep) -> DocumentListOut:
    """Every PDF in the data folder: indexed ones, and failed ones with the reason."""
    return DocumentListOut(
        documents=[
            DocumentOut(
                id=r.document_id,
                file_name=r.file_name,
                title=r.title,
                page_count=r.page_count,
                chunk_count=r.chunk_count,
                status=r.status,
                error=r.error,
            )
            for r in state.catalog.all()
        ]
    )
