"""Read side of the records database: filtered listing, aggregate statistics, random samples."""

from __future__ import annotations

import random
from dataclasses import dataclass

from sqlalchemy import func, select

from tunedd_api.records.schema import categories, jobs, records, rejected_rows
from tunedd_api.records.scoring import SCORE_SCALE
from tunedd_api.records.store import RecordStore

_COLUMNS = (
    records.c.id,
    records.c.author_id,
    records.c.created_at,
    records.c.text,
    records.c.label,
    jobs.c.status,
    jobs.c.score,
    jobs.c.sentiment,
    jobs.c.model,
    jobs.c.prompt_version,
    jobs.c.processed_at,
    jobs.c.attempts,
    jobs.c.error,
)


@dataclass(frozen=True)
class RecordFilter:
    """Which records to list; every field optional. ``after`` is the last id of the previous
    page (keyset pagination: stable and cheap at any depth)."""

    category: str | None = None
    min_score: float | None = None
    max_score: float | None = None
    sentiment: str | None = None
    status: str | None = None
    after: str | None = None
    limit: int = 50


def _with_categories(store: RecordStore, rows: list[dict]) -> list[dict]:
    ids = [row["id"] for row in rows]
    found: dict[str, list[str]] = {i: [] for i in ids}
    if ids:
        query = select(categories).where(categories.c.record_id.in_(ids))
        with store.engine.connect() as connection:
            for row in connection.execute(query.order_by(categories.c.category)):
                found[row.record_id].append(row.category)
    return [{**row, "categories": found[row["id"]]} for row in rows]


def list_records(store: RecordStore, where: RecordFilter) -> list[dict]:
    """Records with their job status and result, ordered by id."""
    query = select(*_COLUMNS).select_from(records.outerjoin(jobs)).order_by(records.c.id)
    if where.category is not None:
        query = query.where(
            select(categories.c.record_id)
            .where(categories.c.record_id == records.c.id, categories.c.category == where.category)
            .exists()
        )
    if where.min_score is not None:
        query = query.where(jobs.c.score >= where.min_score)
    if where.max_score is not None:
        query = query.where(jobs.c.score <= where.max_score)
    if where.sentiment is not None:
        query = query.where(jobs.c.sentiment == where.sentiment)
    if where.status is not None:
        query = query.where(jobs.c.status == where.status)
    if where.after is not None:
        query = query.where(records.c.id > where.after)
    with store.engine.connect() as connection:
        rows = [dict(row._mapping) for row in connection.execute(query.limit(where.limit))]
    return _with_categories(store, rows)


JOB_STATUSES = ("pending", "leased", "done", "failed")


def status_counts(store: RecordStore) -> dict[str, int]:
    """Records per job status (every status present, zero when empty)."""
    query = select(jobs.c.status, func.count()).group_by(jobs.c.status)
    with store.engine.connect() as connection:
        found = dict(connection.execute(query).all())
    return {status: found.get(status, 0) for status in JOB_STATUSES}


def record_stats(store: RecordStore) -> dict:
    """Counts by status, sentiment and category, the score distribution, models used."""
    done = jobs.c.status == "done"
    with store.engine.connect() as connection:

        def counts(column, *where) -> dict:
            query = select(column, func.count()).where(*where).group_by(column)
            return dict(connection.execute(query).all())

        total = connection.execute(select(func.count()).select_from(records)).scalar_one()
        rejected = connection.execute(select(func.count()).select_from(rejected_rows)).scalar_one()
        by_sentiment = counts(jobs.c.sentiment, done)
        by_score = counts(jobs.c.score, done)
        by_category = dict(sorted(counts(categories.c.category).items()))
        moments = connection.execute(
            select(
                func.avg(jobs.c.score), func.avg(jobs.c.score * jobs.c.score), func.count()
            ).where(done)
        ).one()
        models = connection.execute(
            select(jobs.c.model, jobs.c.prompt_version, func.count())
            .where(done)
            .group_by(jobs.c.model, jobs.c.prompt_version)
        ).all()
    mean, mean_square, scored = moments
    spread = max(0.0, (mean_square or 0.0) - (mean or 0.0) ** 2) ** 0.5 if scored else None
    return {
        "records": total,
        "rejected_rows": rejected,
        "by_status": status_counts(store),
        "by_sentiment": {s: by_sentiment.get(s, 0) for s in ("negative", "neutral", "positive")},
        "by_category": by_category,
        "score_histogram": {str(v): by_score.get(v, 0) for v in SCORE_SCALE},
        "score_mean": round(mean, 4) if mean is not None else None,
        "score_std": round(spread, 4) if spread is not None else None,
        "models": [{"model": m, "prompt_version": p, "records": n} for m, p, n in models],
    }


def sample_records(store: RecordStore, size: int, *, seed: int | None = None) -> list[dict]:
    """A uniform random sample of processed records, for spot-checking (reproducible by seed).

    Draws ids by position rather than ``ORDER BY random()``, which sorts the whole table."""
    with store.engine.connect() as connection:
        done = select(jobs.c.record_id).where(jobs.c.status == "done")
        count = connection.execute(select(func.count()).select_from(done.subquery())).scalar_one()
        picks = sorted(random.Random(seed).sample(range(count), min(size, count)))
        ids = [
            connection.execute(done.order_by(jobs.c.record_id).offset(p).limit(1)).scalar_one()
            for p in picks
        ]
    if not ids:
        return []
    rows = list_records_by_id(store, ids)
    order = {record_id: n for n, record_id in enumerate(ids)}
    return sorted(rows, key=lambda row: order[row["id"]])


def list_records_by_id(store: RecordStore, ids: list[str]) -> list[dict]:
    """The given records with status, result and categories."""
    query = select(*_COLUMNS).select_from(records.outerjoin(jobs)).where(records.c.id.in_(ids))
    with store.engine.connect() as connection:
        rows = [dict(row._mapping) for row in connection.execute(query)]
    return _with_categories(store, rows)
