"""Response schemas of the /records endpoints (batch scoring results)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

JobStatus = Literal["pending", "leased", "done", "failed"]
SentimentClass = Literal["negative", "neutral", "positive"]


class RecordOut(BaseModel):
    """One ingested record with its processing status and, once done, its result."""

    id: str = Field(description="The dataset's id of the record (e.g. the tweet id).")
    author_id: str = Field(description="Author / user id from the dataset.")
    created_at: datetime = Field(description="When the text was posted (UTC).")
    text: str = Field(description="The text that was scored.")
    label: str | None = Field(description="The dataset's own sentiment label, if it had one.")
    status: JobStatus | None = Field(description="Worker status of the record.")
    score: float | None = Field(description="Sentiment score from -1 (negative) to 1 (positive).")
    sentiment: SentimentClass | None = Field(description="Sentiment class derived from the score.")
    categories: list[str] = Field(description="Categories from the configured scheme.")
    model: str | None = Field(description="Model that produced the result.")
    prompt_version: str | None = Field(description="Prompt + category scheme version used.")
    processed_at: datetime | None = Field(description="When the result was stored.")
    attempts: int | None = Field(description="Scoring attempts so far.")
    error: str | None = Field(description="Last error (for failed or retried records).")


class RecordPageOut(BaseModel):
    """A page of records in id order."""

    records: list[RecordOut] = Field(description="The records of this page.")
    next_after: str | None = Field(
        description="Pass as `after` to get the next page; null on the last page."
    )


class ModelUsageOut(BaseModel):
    """How many results one model + prompt version produced."""

    model: str | None = Field(description="Model name.")
    prompt_version: str | None = Field(description="Prompt version.")
    records: int = Field(description="Records scored with them.")


class RecordStatsOut(BaseModel):
    """Aggregates over the whole records database."""

    records: int = Field(description="Records stored.")
    rejected_rows: int = Field(description="Input rows rejected by validation.")
    by_status: dict[str, int] = Field(description="Records per worker status.")
    by_sentiment: dict[str, int] = Field(description="Scored records per sentiment class.")
    by_category: dict[str, int] = Field(description="Scored records per category.")
    score_histogram: dict[str, int] = Field(description="Scored records per score step.")
    score_mean: float | None = Field(description="Mean score of scored records.")
    score_std: float | None = Field(description="Standard deviation of the scores.")
    models: list[ModelUsageOut] = Field(description="Models and prompt versions in the results.")


class QualityFlagOut(BaseModel):
    """One anomaly found by the quality checks."""

    code: str = Field(description="Stable code, e.g. one_class, scores_collapsed.")
    severity: Literal["warning", "info"] = Field(description="warning fails `ok`.")
    message: str = Field(description="What was seen.")


class QualityOut(BaseModel):
    """Quality report: flags, statistics and agreement checks."""

    ok: bool = Field(description="False when any warning flag fired.")
    flags: list[QualityFlagOut] = Field(description="Anomalies found.")
    stats: RecordStatsOut = Field(description="The aggregates the flags were computed from.")
    lexicon_check: dict = Field(
        description="Agreement with a sentiment lexicon on obviously polar texts, with examples "
        "of disagreement."
    )
    label_check: dict = Field(
        description="Agreement with the dataset's own labels where present, with a confusion "
        "count (label->model)."
    )
    checked_limit: int = Field(description="Most records the agreement checks read.")


class RejectedRowOut(BaseModel):
    """An input row that failed validation."""

    source: str = Field(description="File the row came from.")
    line: int = Field(description="Line (CSV/JSONL) or position (JSON array) in that file.")
    reason: str = Field(description="Why it was rejected.")
    raw: str = Field(description="The row as read (JSON, truncated to 2,000 characters).")
