"""Tables of the application database (SQLAlchemy Core), mirrored by its migrations."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

#: One row per conversation; ``document_ids`` is the scope (NULL: every document).
conversations = sa.Table(
    "conversations",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("document_ids", sa.JSON, nullable=True),
    sa.Column("title", sa.String(200), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_active_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("message_count", sa.Integer, nullable=False, server_default="0"),
    sa.Index("ix_conversations_created", "created_at", "id"),
    sa.Index("ix_conversations_last_active", "last_active_at"),
)

#: Messages in order (``seq`` from 0); an answer's citations and grounding travel with it.
messages = sa.Table(
    "messages",
    metadata,
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
