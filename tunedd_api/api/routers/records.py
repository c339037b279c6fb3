"""Read endpoints over the batch-scoring records database (ingest and worker are CLI jobs)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Callable, TypeVar

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
from tunedd_api.records.store import RecordStore
from tunedd_api.state import AppState
from tunedd_api.records.queries import (
    RecordFilter,
    list_records,
    list_records_by_id,
    record_stats,
    sample_records,
)

router = APIRouter(prefix="/records", tags=["records"])
T = TypeVar("T")

_ERRORS = {503: {"description": "The records database is unavailable."}}


async def _query(state: AppState, read: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a blocking read on the records database (opened on first use) off the event loop."""
    return await asyncio.to_thread(lambda: read(state.records(), *args, **kwargs))


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
    rows = await _query(state, list_records, where)
    page = rows[:limit]
    return RecordPageOut(
        records=[RecordOut(**row) for row in page],
        next_after=page[-1]["id"] if len(rows) > limit else None,
    )


@router.get("/stats", response_model=RecordStatsOut, summary="Statistics", responses=_ERRORS)
async def get_stats(state: StateDep) -> RecordStatsOut:
    """Counts by status, sentiment and category, score distribution, models used."""
    return RecordStatsOut(**await _query(state, record_stats))


@router.get("/quality", response_model=QualityOut, summary="Quality report", responses=_ERRORS)
async def get_quality(state: StateDep) -> QualityOut:
    """Lexicon and dataset-label agreement, distribution checks and anomaly flags."""
    scheme = tuple(state.settings.records_categories)
    return QualityOut(**await _query(state, quality_report, scheme=scheme))


@router.get(
    "/sample", response_model=list[RecordOut], summary="Spot-check sample", responses=_ERRORS
)
async def get_sample(
    state: StateDep,
    n: Annotated[int, Query(ge=1, le=100, description="Sample size.")] = 10,
    seed: Annotated[int | None, Query(description="Seed for a reproducible sample.")] = None,
) -> list[RecordOut]:
    """A uniform random sample of scored records with their labels, for manual review."""
    return [RecordOut(**row) for row in await _query(state, sample_records, n, seed=seed)]


@router.get(
    "/rejected", response_model=list[RejectedRowOut], summary="Rejected rows", responses=_ERRORS
)
async def get_rejected(
    state: StateDep,
    limit: Annotated[int, Query(ge=1, le=500, description="Most rows returned.")] = 50,
) -> list[RejectedRowOut]:
    """Input rows that failed validation, with the reason, oldest first."""
    return [RejectedRowOut(**row) for row in await _query(state, RecordStore.rejected, limit)]


@router.get(
    "/{record_id}",
    response_model=RecordOut,
    summary="One record",
    responses={404: {"description": "No such record."}, **_ERRORS},
)
async def get_record(state: StateDep, record_id: str) -> RecordOut:
    """One record with its status and result."""
    rows = await _query(state, list_records_by_id, [record_id])
    if not rows:
        raise RecordNotFoundError(record_id)
    return RecordOut(**rows[0])
