"""Tables of the records database, in one place (queries use them; Alembic migrates them).

- ``records``: validated input rows, immutable once stored (id = the dataset's own id).
- ``rejected_rows``: rows that failed validation, with the reason and the raw row.
- ``record_jobs``: one row per record — the work queue (status, lease) and the result
  (score, sentiment, model, prompt version, timestamps).
- ``record_categories``: the categories a record was given (one row each, indexable).
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

records = Table(
    "records",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("author_id", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("text", Text, nullable=False),
    # The dataset's own label when it has one (Sentiment140's target); used only to check quality.
    Column("label", String(32)),
    Column("source", String(512), nullable=False),
    Column("ingested_at", DateTime(timezone=True), nullable=False),
)

rejected_rows = Table(
    "rejected_rows",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", String(512), nullable=False),
    Column("line", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    Column("raw", Text, nullable=False),
    UniqueConstraint("source", "line", name="uq_rejected_source_line"),
)

jobs = Table(
    "record_jobs",
    metadata,
    Column(
        "record_id",
        String(64),
        ForeignKey("records.id", ondelete="CASCADE", name="fk_record_jobs_record"),
        primary_key=True,
    ),
    Column("status", String(16), nullable=False),  # pending | leased | done | failed
    Column("lease_owner", String(64)),
    Column("lease_until", DateTime(timezone=True)),
    Column("attempts", Integer, nullable=False),
    Column("error", Text),
    Column("score", Float),
    Column("sentiment", String(16)),
    Column("model", String(128)),
    Column("prompt_version", String(64)),
    Column("started_at", DateTime(timezone=True)),
    Column("processed_at", DateTime(timezone=True)),
    Column("processed_by", String(64)),  # the worker that stored the result
    Index("ix_record_jobs_status_record", "status", "record_id"),
    Index("ix_record_jobs_score", "score"),
)

categories = Table(
    "record_categories",
    metadata,
    Column(
        "record_id",
        String(64),
        ForeignKey("records.id", ondelete="CASCADE", name="fk_record_categories_record"),
        primary_key=True,
    ),
    Column("category", String(64), primary_key=True),
    Index("ix_record_categories_category", "category"),
)
