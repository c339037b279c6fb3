"""Upload indexing jobs, shared by every API process of one database.

Revision ID: app0003
Revises: app0002
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "app0003"
down_revision = "app0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the jobs table."""
    op.create_table(
        "index_jobs",
        sa.Column("document_id", sa.String(64), primary_key=True),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("file_name", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("lease_owner", sa.String(32), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pages_total", sa.Integer, nullable=True),
        sa.Column("chunks_done", sa.Integer, nullable=False, server_default="0"),
        sa.Column("chunks_total", sa.Integer, nullable=True),
        sa.Column("title", sa.String(300), nullable=True),
        sa.Column("page_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("chunk_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_index_jobs_status_created", "index_jobs", ["status", "created_at"])


def downgrade() -> None:
    """Drop it."""
    op.drop_index("ix_index_jobs_status_created", "index_jobs")
    op.drop_table("index_jobs")
