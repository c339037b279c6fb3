"""POST /search: semantic search over the chunks, with page numbers."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter

from tunedd_api.api.dependencies import DocumentAccessDep, PrincipalDep, ReadyStateDep
from tunedd_api.api.schemas import ErrorOut, SearchHitOut, SearchIn, SearchOut
from tunedd_api.errors import InvalidInputError

router = APIRouter(tags=["search"])


@router.post(
    "/search",
    response_model=SearchOut,
    responses={422: {"model": ErrorOut, "description": "Unknown documents or bad top_k."}},
    summary="Semantic search",
)
async def search(
    body: SearchIn, state: ReadyStateDep, principal: PrincipalDep, access: DocumentAccessDep
) -> SearchOut:
    """The chunks most similar to the query, best first."""
    settings = state.settings
    top_k = body.top_k or settings.top_k
    if top_k > settings.max_top_k:
        raise InvalidInputError(f"top_k must be at most {settings.max_top_k}")
    if not body.query.strip():
        raise InvalidInputError("query must not be blank")
    scope = await asyncio.to_thread(access.scope, principal, body.document_ids)
    hits = await asyncio.to_thread(
        state.retriever.retrieve, body.query, document_ids=scope, top_k=top_k
    )
    return SearchOut(
        query=body.query,
        results=[
            SearchHitOut(
                rank=rank,
                score=round(hit.similarity, 4),
                text=hit.document.content or "",
                document_id=hit.document.meta["document_id"],
                file_name=hit.document.meta["file_name"],
                title=hit.document.meta.get("title", ""),
                pages=hit.pages,
                chunk_index=int(hit.document.meta.get("chunk_index", 0)),
                sections=hit.sections,
                lines=hit.lines,
            )
            for rank, hit in enumerate(hits, 1)
        ],
    )
