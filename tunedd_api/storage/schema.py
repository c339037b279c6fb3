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

#: Uploads to index, claimed by API processes under a renewed lease (several processes share
#: the queue); kept after indexing as the upload's status, deleted with the document.
index_jobs = sa.Table(
    "index_jobs",
    metadata,
    sa.Column("document_id", sa.String(64), primary_key=True),
    sa.Column("path", sa.Text, nullable=False),
    sa.Column("format", sa.String(16), nullable=False),
    sa.Column("file_name", sa.String(200), nullable=False),
    #: queued → indexing → indexed | failed
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("lease_owner", sa.String(32), nullable=True),
    sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
    sa.Column("pages_total", sa.Integer, nullable=True),
    sa.Column("chunks_done", sa.Integer, nullable=False, server_default="0"),
    sa.Column("chunks_total", sa.Integer, nullable=True),
    #: The indexed document as listed (title, pages and chunks), once indexed.
    sa.Column("title", sa.String(300), nullable=True),
    sa.Column("page_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("chunk_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_index_jobs_status_created", "status", "created_at"),
)
