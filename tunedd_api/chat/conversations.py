"""Conversations and their messages, kept in a thread-safe, bounded in-memory store.

`ConversationStore` is the interface the chat service depends on; a persistent store
(SQL, Redis) can replace `InMemoryConversationStore` without touching the service.

Per-conversation runtime state (the lock that serialises its turns, its cached summary) lives
in a :class:`ConversationSession` held with the conversation, so it goes when the conversation
is deleted or expires.

Limits (from settings) keep memory bounded: conversations idle longer than the TTL expire
(404 afterwards); at the maximum count, creating one more is refused with 503 + Retry-After
(nothing live is evicted); a conversation at its message limit refuses more with 409.
"""

from __future__ import annotations

import abc
import asyncio
import math
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Callable

from tunedd_api.turns import Message, utc_now
from tunedd_api.errors import (
    ConversationCapacityError,
    ConversationFullError,
    ConversationNotFoundError,
)


@dataclass(frozen=True)
class Conversation:
    """A conversation's scope (``None``: every document) and its messages, oldest first."""

    id: uuid.UUID
    document_ids: tuple[str, ...] | None
    created_at: datetime
    messages: tuple[Message, ...] = ()


@dataclass
class ConversationSession:
    """In-process state of one conversation: dropped with it (delete or expiry)."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    summary_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    #: The summary cache entry of :class:`~tunedd_api.chat.summary.SummaryService`.
    summary: Any = None


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
    def session(self, conversation_id: uuid.UUID) -> ConversationSession:
        """The conversation's in-process state; raises ConversationNotFoundError."""

    @abc.abstractmethod
    def sessions(self) -> int:
        """Number of in-process conversation states held (for leak checks)."""

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
        self._sessions: dict[uuid.UUID, ConversationSession] = {}
        self._lock = threading.Lock()

    def create(self, document_ids: list[str] | None) -> Conversation:
        """Start a conversation limited to ``document_ids`` (``None``: all documents)."""
        scope = tuple(dict.fromkeys(document_ids)) if document_ids is not None else None
        conversation = Conversation(id=uuid.uuid4(), document_ids=scope, created_at=utc_now())
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
            self._sessions.pop(conversation_id, None)

    def session(self, conversation_id: uuid.UUID) -> ConversationSession:
        """The conversation's in-process state (created on first use)."""
        with self._lock:
            self._touch(conversation_id)
            return self._sessions.setdefault(conversation_id, ConversationSession())

    def sessions(self) -> int:
        """Number of in-process conversation states held."""
        with self._lock:
            return len(self._sessions)

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
            self._sessions.pop(oldest_id, None)

    def _seconds_until_next_expiry(self) -> int:
        if self.ttl_s is None or not self._conversations:
            return 60
        _, last_active = next(iter(self._conversations.values()))
        return max(1, math.ceil(last_active + self.ttl_s - self._clock()))
