"""Conversations and their messages.

Revision ID: app0001
Revises:
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "app0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the tables."""
    op.create_table(
        "conversations",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("document_ids", sa.JSON, nullable=True),
        sa.Column("title", sa.String(200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_active_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("message_count", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_index("ix_conversations_created", "conversations", ["created_at", "id"])
    op.create_index("ix_conversations_last_active", "conversations", ["last_active_at"])
    op.create_table(
        "messages",
        sa.Column(
            "conversation_id",
            sa.String(36),
            sa.ForeignKey("conversations.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("id", sa.String(36), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("citations", sa.JSON, nullable=False),
        sa.Column("retrieval_query", sa.Text, nullable=True),
        sa.Column("groundedness", sa.Float, nullable=True),
    )


def downgrade() -> None:
    """Drop the tables."""
    op.drop_table("messages")
    op.drop_table("conversations")
