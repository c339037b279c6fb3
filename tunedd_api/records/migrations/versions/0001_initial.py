"""Records, rejected rows, the job queue with results, and record categories.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the tables."""
    op.create_table(
        "records",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("author_id", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("label", sa.String(32)),
        sa.Column("source", sa.String(512), nullable=False),
        sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "rejected_rows",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(512), nullable=False),
        sa.Column("line", sa.Integer, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("raw", sa.Text, nullable=False),
        sa.UniqueConstraint("source", "line", name="uq_rejected_source_line"),
    )
    op.create_table(
        "record_jobs",
        sa.Column(
            "record_id",
            sa.String(64),
            sa.ForeignKey("records.id", ondelete="CASCADE", name="fk_record_jobs_record"),
            primary_key=True,
        ),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("lease_owner", sa.String(64)),
        sa.Column("lease_until", sa.DateTime(timezone=True)),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("score", sa.Float),
        sa.Column("sentiment", sa.String(16)),
        sa.Column("model", sa.String(128)),
        sa.Column("prompt_version", sa.String(64)),
        sa.Column("started_at", sa.DateTime(timezone=True)),
        sa.Column("processed_at", sa.DateTime(timezone=True)),
        sa.Column("processed_by", sa.String(64)),
    )
    op.create_index("ix_record_jobs_status_record", "record_jobs", ["status", "record_id"])
    op.create_index("ix_record_jobs_score", "record_jobs", ["score"])
    op.create_table(
        "record_categories",
        sa.Column(
            "record_id",
            sa.String(64),
            sa.ForeignKey("records.id", ondelete="CASCADE", name="fk_record_categories_record"),
            primary_key=True,
        ),
        sa.Column("category", sa.String(64), primary_key=True),
    )
    op.create_index("ix_record_categories_category", "record_categories", ["category"])


def downgrade() -> None:
    """Drop the tables."""
    op.drop_table("record_categories")
    op.drop_table("record_jobs")
    op.drop_table("rejected_rows")
    op.drop_table("records")
