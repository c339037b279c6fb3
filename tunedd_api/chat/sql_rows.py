"""Conversation rows ↔ domain objects for the SQL conversation store: messages with their
citations as JSON, conversation list entries, stored scopes."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import Any

from tunedd_api.chat.conversations import ConversationSummary
from tunedd_api.storage.engine import as_utc
from tunedd_api.turns import Citation, Message


def scope_tuple(document_ids: list[str] | None) -> tuple[str, ...] | None:
    """A stored scope as the conversation's tuple (``None``: every document)."""
    return tuple(document_ids) if document_ids is not None else None


def message_row(conversation_id: uuid.UUID, seq: int, message: Message) -> dict[str, Any]:
    """The ``messages`` row of one message, at position ``seq`` in its conversation."""
    return {
        "conversation_id": str(conversation_id),
        "seq": seq,
        "id": str(message.id),
        "role": message.role,
        "content": message.content,
        "created_at": message.created_at,
        "citations": [asdict(c) for c in message.citations],
        "retrieval_query": message.retrieval_query,
        "groundedness": message.groundedness,
    }


def row_message(row: Any) -> Message:
    """The message a ``messages`` row holds."""
    return Message(
        role=row["role"],
        content=row["content"],
        id=uuid.UUID(row["id"]),
        created_at=as_utc(row["created_at"]),
        citations=tuple(Citation(**c) for c in row["citations"]),
        retrieval_query=row["retrieval_query"],
        groundedness=row["groundedness"],
    )


def row_summary(row: Any) -> ConversationSummary:
    """A conversation list entry from a ``conversations`` row with its message count."""
    return ConversationSummary(
        id=uuid.UUID(row.id),
        title=row.title,
        document_ids=scope_tuple(row.document_ids),
        created_at=as_utc(row.created_at),
        last_active_at=as_utc(row.last_active_at),
        message_count=row.message_count,
    )
