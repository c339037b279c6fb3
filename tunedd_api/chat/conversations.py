"""Conversations and their messages, kept in a thread-safe, bounded in-memory store.

`ConversationStore` is the interface the chat service depends on; a persistent store
(SQL, Redis) can replace `InMemoryConversationStore` without touching the service.

Limits (from settings) keep memory bounded: conversations idle longer than the TTL expire
(404 afterwards); at the maximum count, creating one more is refused with 503 + Retry-After
(nothing live is evicted); a conversation at its message limit refuses more with 409.
"""

from __future__ import annotations

import abc
import math
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Callable, Literal

from tunedd_api.errors import (
    ConversationCapacityError,
    ConversationFullError,
    ConversationNotFoundError,
)


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

    #: Most messages one conversation may hold (None: unlimited).
    max_messages: int | None = None

    def ensure_room(self, conversation_id: uuid.UUID, new_messages: int) -> None:
        """Raise ConversationFullError if ``new_messages`` more would exceed the limit."""
        if self.max_messages is None:
            return
        held = len(self.get(conversation_id).messages)
        if held + new_messages > self.max_messages:
            raise ConversationFullError(
                f"conversation {conversation_id} holds {held} messages, the limit is "
                f"{self.max_messages}; start a new conversation"
            )

    @abc.abstractmethod
    def count(self) -> int:
        """Number of conversations held."""

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
    """Immutable conversation snapshots in activity order, guarded by one lock (non-durable)."""

    def __init__(
        self,
        *,
        max_conversations: int = 10_000,
        ttl_s: float | None = None,
        max_messages: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_conversations = max_conversations
        self.ttl_s = ttl_s
        self.max_messages = max_messages
        self._clock = clock
        # Least recently active first: expiry only ever looks at the front.
        self._conversations: OrderedDict[uuid.UUID, tuple[Conversation, float]] = OrderedDict()
        self._lock = threading.Lock()

    def create(self, document_ids: list[str] | None) -> Conversation:
        """Start a conversation limited to ``document_ids`` (``None``: all documents)."""
        scope = tuple(dict.fromkeys(document_ids)) if document_ids is not None else None
        conversation = Conversation(id=uuid.uuid4(), document_ids=scope, created_at=_now())
        with self._lock:
            self._expire()
            if len(self._conversations) >= self.max_conversations:
                raise ConversationCapacityError(
                    f"the server holds its maximum of {self.max_conversations} conversations; "
                    "retry later or delete finished ones",
                    retry_after_s=self._seconds_until_next_expiry(),
                )
            self._conversations[conversation.id] = (conversation, self._clock())
        return conversation

    def get(self, conversation_id: uuid.UUID) -> Conversation:
        """A snapshot of the conversation; raises ConversationNotFoundError."""
        with self._lock:
            return self._touch(conversation_id)

    def append(self, conversation_id: uuid.UUID, messages: list[Message]) -> Conversation:
        """Append messages in one step (a question and its answer are never split)."""
        with self._lock:
            current = self._touch(conversation_id)
            if self.max_messages is not None and (
                len(current.messages) + len(messages) > self.max_messages
            ):
                raise ConversationFullError(
                    f"conversation {conversation_id} reached its limit of {self.max_messages} "
                    "messages; start a new conversation"
                )
            updated = replace(current, messages=current.messages + tuple(messages))
            self._conversations[conversation_id] = (updated, self._clock())
            return updated

    def delete(self, conversation_id: uuid.UUID) -> None:
        """Forget a conversation; raises ConversationNotFoundError."""
        with self._lock:
            self._touch(conversation_id)
            del self._conversations[conversation_id]

    def list(self) -> list[Conversation]:
        """Snapshots of every live conversation."""
        with self._lock:
            self._expire()
            return [conversation for conversation, _ in self._conversations.values()]

    def count(self) -> int:
        """Number of conversations held (expired ones dropped first)."""
        with self._lock:
            self._expire()
            return len(self._conversations)

    def _touch(self, conversation_id: uuid.UUID) -> Conversation:
        self._expire()
        entry = self._conversations.get(conversation_id)
        if entry is None:
            raise ConversationNotFoundError(str(conversation_id))
        self._conversations[conversation_id] = (entry[0], self._clock())
        self._conversations.move_to_end(conversation_id)
        return entry[0]

    def _expire(self) -> None:
        if self.ttl_s is None:
            return
        cutoff = self._clock() - self.ttl_s
        while self._conversations:
            oldest_id, (_, last_active) = next(iter(self._conversations.items()))
            if last_active > cutoff:
                break
            del self._conversations[oldest_id]

    def _seconds_until_next_expiry(self) -> int:
        if self.ttl_s is None or not self._conversations:
            return 60
        _, last_active = next(iter(self._conversations.values()))
        return max(1, math.ceil(last_active + self.ttl_s - self._clock()))
