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
    #: The API key that created it (NULL: created with authentication off).
    sa.Column("owner", sa.String(32), nullable=True),
    sa.Index("ix_conversations_created", "created_at", "id"),
    sa.Index("ix_conversations_owner_created", "owner", "created_at"),
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

#: API keys: only a hash of each secret is stored; ``prefix`` identifies a key in listings.
api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("prefix", sa.String(16), nullable=False),
    sa.Column("secret_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("admin", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
)

#: Which API key uploaded a document (documents of the startup folder have no row: shared).
document_owners = sa.Table(
    "document_owners",
    metadata,
    sa.Column("document_id", sa.String(64), primary_key=True),
    sa.Column("owner", sa.String(32), primary_key=True),
)
