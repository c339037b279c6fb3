"""Request and response bodies of the theme-discovery endpoints (`/insights/...`)."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from tunedd_api.api.schemas import StrictModel


class SentenceIn(StrictModel):
    """A sentence and the id of the comment it comes from (several may share one id)."""

    id: uuid.UUID = Field(description="The comment's UUID.")
    sentence: str = Field(min_length=1, max_length=1000, description="The sentence.")

    @field_validator("sentence")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("sentence must not be blank")
        return value


class ThemeRequestIn(StrictModel):
    """Sentences already filed under one theme."""

    theme: str = Field(min_length=1, max_length=200, description="The theme, e.g. `accounts`.")
    sentences: list[SentenceIn] = Field(
        min_length=1, description="The sentences (limit: RAG_INSIGHTS_MAX_SENTENCES)."
    )


class SentenceOut(BaseModel):
    """A sentence as sent."""

    id: uuid.UUID = Field(description="The comment's UUID.")
    sentence: str = Field(description="The sentence.")


class ClusterOut(BaseModel):
    """A discovered sub-theme."""

    title: str = Field(description="Short name of the sub-theme.")
    sentiment: Literal["positive", "neutral", "negative", "mixed"] = Field(
        description="Cluster-level sentiment."
    )
    sentiment_score: float = Field(description="Mean lexicon polarity of its sentences (-1..1).")
    size: int = Field(description="Number of sentences.")
    sentence_ids: list[uuid.UUID] = Field(description="Comment ids, in input order (may repeat).")
    sentences: list[SentenceOut] = Field(description="Its sentences, in input order.")
    key_insights: list[str] = Field(description="1-3 takeaways.")
    flags: list[str] = Field(
        description="Low-value signals: `tiny`, `near_duplicate`, `off_theme`, "
        "`possibly_non_english`."
    )


class ThemeAnalysisOut(BaseModel):
    """Sub-themes of a theme; every sentence is in one cluster or in `unclustered`."""

    theme: str = Field(description="The theme as sent.")
    clusters: list[ClusterOut] = Field(description="Largest first.")
    unclustered: list[SentenceOut] = Field(description="Sentences that joined no sub-theme.")
    flags: list[str] = Field(
        description="Request-level notes, e.g. `llm_skipped_time_budget` when titles and "
        "sentiment come from the deterministic fallback."
    )
    labels_by: Literal["llm", "keywords"] = Field(description="Who named the clusters.")
    seconds: float = Field(description="Processing time.")
