"""Conversations and their messages, kept in a thread-safe in-memory store.

`ConversationStore` is the interface the chat service depends on; a persistent store
(SQL, Redis) can replace `InMemoryConversationStore` without touching the service.
"""

from __future__ import annotations

import abc
import threading
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Literal

from tunedd_api.errors import ConversationNotFoundError


def _now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Citation:
    """A source the answer cites as ``[number]``."""

    number: int
    document_id: str
    file_name: str
    title: str
    pages: list[int]
    snippet: str
    score: float  # retrieval similarity of the passage to the query
    support: float | None = None  # how well the passage supports the sentences citing it
    added_by_verifier: bool = False  # the model did not cite it; the check found the support


@dataclass(frozen=True)
class Message:
    """One turn of a conversation."""

    role: Literal["user", "assistant"]
    content: str
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    created_at: datetime = field(default_factory=_now)
    citations: tuple[Citation, ...] = ()
    retrieval_query: str | None = None
    groundedness: float | None = None


@dataclass(frozen=True)
class Conversation:
    """A conversation's scope (``None``: every document) and its messages, oldest first."""

    id: uuid.UUID
    document_ids: tuple[str, ...] | None
    created_at: datetime
    messages: tuple[Message, ...] = ()


class ConversationStore(abc.ABC):
    """Where conversations live; implementations must be safe to call from several threads."""

    @abc.abstractmethod
    def create(self, document_ids: list[str] | None) -> Conversation:
        """Start a conversation limited to ``document_ids`` (``None``: all documents)."""

    @abc.abstractmethod
    def get(self, conversation_id: uuid.UUID) -> Conversation:
        """A snapshot of the conversation; raises ConversationNotFoundError."""

    @abc.abstractmethod
    def append(self, conversation_id: uuid.UUID, messages: list[Message]) -> Conversation:
        """Append messages in one step (a question and its answer are never split)."""

    @abc.abstractmethod
    def delete(self, conversation_id: uuid.UUID) -> None:
        """Forget a conversation; raises ConversationNotFoundError."""

    @abc.abstractmethod
    def list(self) -> list[Conversation]:
        """Snapshots of every conversation."""


class InMemoryConversationStore(ConversationStore):
    """A dict of immutable conversation snapshots guarded by one lock (non-durable)."""

    def __init__(self) -> None:
        self._conversations: dict[uuid.UUID, Conversation] = {}
        self._lock = threading.Lock()

    def create(self, document_ids: list[str] | None) -> Conversation:
        """Start a conversation limited to ``document_ids`` (``None``: all documents)."""
        scope = tuple(dict.fromkeys(document_ids)) if document_ids is not None else None
        conversation = Conversation(id=uuid.uuid4(), document_ids=scope, created_at=_now())
        with self._lock:
            self._conversations[conversation.id] = conversation
        return conversation

    def get(self, conversation_id: uuid.UUID) -> Conversation:
        """A snapshot of the conversation; raises ConversationNotFoundError."""
        with self._lock:
            try:
                return self._conversations[conversation_id]
            except KeyError:
                raise ConversationNotFoundError(str(conversation_id)) from None

    def append(self, conversation_id: uuid.UUID, messages: list[Message]) -> Conversation:
        """Append messages in one step (a question and its answer are never split)."""
        with self._lock:
            current = self._conversations.get(conversation_id)
            if current is None:
                raise ConversationNotFoundError(str(conversation_id))
            updated = replace(current, messages=current.messages + tuple(messages))
            self._conversations[conversation_id] = updated
            return updated

    def delete(self, conversation_id: uuid.UUID) -> None:
        """Forget a conversation; raises ConversationNotFoundError."""
        with self._lock:
            if self._conversations.pop(conversation_id, None) is None:
                raise ConversationNotFoundError(str(conversation_id))

    def list(self) -> list[Conversation]:
        """Snapshots of every conversation."""
        with self._lock:
            return list(self._conversations.values())
