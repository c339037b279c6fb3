"""Read endpoints over the batch-scoring records database (ingest and worker are CLI jobs)."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Query

from tunedd_api.api.dependencies import StateDep
from tunedd_api.api.records_schemas import (
    JobStatus,
    QualityOut,
    RecordOut,
    RecordPageOut,
    RecordStatsOut,
    RejectedRowOut,
    SentimentClass,
)
from tunedd_api.errors import InvalidInputError, RecordNotFoundError
from tunedd_api.records.quality import quality_report
from tunedd_api.records.queries import (
    RecordFilter,
    list_records,
    list_records_by_id,
    record_stats,
    sample_records,
)

router = APIRouter(prefix="/records", tags=["records"])

_ERRORS = {503: {"description": "The records database is unavailable."}}


@router.get("", response_model=RecordPageOut, summary="List records", responses=_ERRORS)
async def get_records(
    state: StateDep,
    category: Annotated[str | None, Query(description="Only records in this category.")] = None,
    min_score: Annotated[float | None, Query(ge=-1, le=1, description="Lowest score.")] = None,
    max_score: Annotated[float | None, Query(ge=-1, le=1, description="Highest score.")] = None,
    sentiment: Annotated[SentimentClass | None, Query(description="Sentiment class.")] = None,
    status: Annotated[JobStatus | None, Query(description="Worker status.")] = None,
    after: Annotated[
        str | None, Query(max_length=64, description="Last id of the previous page.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500, description="Page size.")] = 50,
) -> RecordPageOut:
    """Records in id order with their scores and categories, filtered; keyset-paginated."""
    scheme = state.settings.records_categories
    if category is not None and category not in scheme:
        raise InvalidInputError(f"unknown category {category!r}; the scheme is {scheme}")
    if min_score is not None and max_score is not None and min_score > max_score:
        raise InvalidInputError("min_score is greater than max_score")
    where = RecordFilter(
        category=category,
        min_score=min_score,
        max_score=max_score,
        sentiment=sentiment,
        status=status,
        after=after,
        limit=limit + 1,  # one more tells whether there is a next page
    )
    store = await asyncio.to_thread(state.records)
    rows = await asyncio.to_thread(list_records, store, where)
    page = rows[:limit]
    return RecordPageOut(
        records=[RecordOut(**row) for row in page],
        next_after=page[-1]["id"] if len(rows) > limit else None,
    )


@router.get("/stats", response_model=RecordStatsOut, summary="Statistics", responses=_ERRORS)
async def get_stats(state: StateDep) -> RecordStatsOut:
    """Counts by status, sentiment and category, score distribution, models used."""
    store = await asyncio.to_thread(state.records)
    return RecordStatsOut(**await asyncio.to_thread(record_stats, store))


@router.get("/quality", response_model=QualityOut, summary="Quality report", responses=_ERRORS)
async def get_quality(state: StateDep) -> QualityOut:
    """Lexicon and dataset-label agreement, distribution checks and anomaly flags."""
    store = await asyncio.to_thread(state.records)
    scheme = tuple(state.settings.records_categories)
    return QualityOut(**await asyncio.to_thread(quality_report, store, scheme=scheme))


@router.get(
    "/sample", response_model=list[RecordOut], summary="Spot-check sample", responses=_ERRORS
)
async def get_sample(
    state: StateDep,
    n: Annotated[int, Query(ge=1, le=100, description="Sample size.")] = 10,
    seed: Annotated[int | None, Query(description="Seed for a reproducible sample.")] = None,
) -> list[RecordOut]:
    """A uniform random sample of scored records with their labels, for manual review."""
    store = await asyncio.to_thread(state.records)
    return [
        RecordOut(**row) for row in await asyncio.to_thread(sample_records, store, n, seed=seed)
    ]


@router.get(
    "/rejected", response_model=list[RejectedRowOut], summary="Rejected rows", responses=_ERRORS
)
async def get_rejected(
    state: StateDep,
    limit: Annotated[int, Query(ge=1, le=500, description="Most rows returned.")] = 50,
) -> list[RejectedRowOut]:
    """Input rows that failed validation, with the reason, oldest first."""
    store = await asyncio.to_thread(state.records)
    return [RejectedRowOut(**row) for row in await asyncio.to_thread(store.rejected, limit)]


@router.get(
    "/{record_id}",
    response_model=RecordOut,
    summary="One record",
    responses={404: {"description": "No such record."}, **_ERRORS},
)
async def get_record(state: StateDep, record_id: str) -> RecordOut:
    """One record with its status and result."""
    store = await asyncio.to_thread(state.records)
    rows = await asyncio.to_thread(list_records_by_id, store, [record_id])
    if not rows:
        raise RecordNotFoundError(record_id)
    return RecordOut(**rows[0])
