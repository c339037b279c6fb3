"""API keys, and which key owns each conversation and uploaded document.

Revision ID: app0002
Revises: app0001
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "app0002"
down_revision = "app0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the key tables and the conversations' owner column."""
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("admin", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "document_owners",
        sa.Column("document_id", sa.String(64), primary_key=True),
        sa.Column("owner", sa.String(32), primary_key=True),
    )
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("owner", sa.String(32), nullable=True))
        batch.create_index("ix_conversations_owner_created", ["owner", "created_at"])


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table("conversations") as batch:
        batch.drop_index("ix_conversations_owner_created")
        batch.drop_column("owner")
    op.drop_table("document_owners")
    op.drop_table("api_keys")
