"""Conversations and their messages: the model and the store interface the chat use cases use.

Two stores implement :class:`ConversationStore`: :class:`~tunedd_api.chat.sql_conversations.
SqlConversationStore` (the default: SQLite in the index directory, PostgreSQL in production;
survives restarts) and :class:`~tunedd_api.chat.memory_conversations.InMemoryConversationStore`
(``RAG_CONVERSATION_STORE=memory``: nothing is written anywhere).

Per-conversation runtime state (the in-process lock of its turns, its cached summary) lives
in a :class:`ConversationSession` held by the process, so it goes when the conversation is
deleted or expires. Each store picks its :class:`TurnLocks`: the in-process lock, or on
PostgreSQL a database lock that also serialises turns sent to other API processes
(:mod:`tunedd_api.chat.turn_locks`).

Limits (from settings) keep storage bounded: conversations idle longer than the TTL expire
(404 afterwards); at the maximum count, creating one more is refused with 503 + Retry-After
(nothing live is evicted); a conversation at its message limit refuses more with 409.
"""

from __future__ import annotations

import abc
import base64
import asyncio
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, AsyncContextManager

from tunedd_api.errors import (
    ConversationFullError,
    ConversationNotFoundError,
    InvalidInputError,
)
from tunedd_api.turns import Message

#: Characters of the first question kept as a conversation's title.
TITLE_CHARS = 80


@dataclass(frozen=True)
class Conversation:
    """A conversation's scope (``None``: every document) and its messages, oldest first."""

    id: uuid.UUID
    document_ids: tuple[str, ...] | None
    created_at: datetime
    messages: tuple[Message, ...] = ()
    #: The API key that created it (None: created with keys off).
    owner: str | None = None


@dataclass(frozen=True)
class ConversationSummary:
    """A conversation as listed: no messages, a title from its first question."""

    id: uuid.UUID
    title: str | None
    document_ids: tuple[str, ...] | None
    created_at: datetime
    last_active_at: datetime
    message_count: int


@dataclass(frozen=True)
class ConversationPage:
    """One page of conversations, newest first; ``next_cursor`` fetches the next one."""

    conversations: list[ConversationSummary]
    next_cursor: str | None


def encode_cursor(summary: ConversationSummary) -> str:
    """The cursor of the page after ``summary`` (opaque to clients)."""
    raw = f"{summary.created_at.isoformat()}|{summary.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    """The (created_at, id) a cursor points after; InvalidInputError if it is not one."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        created, conversation_id = raw.split("|")
        return datetime.fromisoformat(created), uuid.UUID(conversation_id)
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidInputError("cursor is not one this server issued") from error


def title_of(messages: list[Message]) -> str | None:
    """The first question, shortened on a word boundary, as a conversation's title."""
    question = next((m.content for m in messages if m.role == "user"), None)
    if question is None:
        return None
    text = " ".join(question.split())
    if len(text) <= TITLE_CHARS:
        return text
    return text[:TITLE_CHARS].rsplit(" ", 1)[0] + "…"


@dataclass
class ConversationSession:
    """In-process state of one conversation: dropped with it (delete or expiry)."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    summary_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    #: The summary cache entry of :class:`~tunedd_api.chat.summary.SummaryService`.
    summary: Any = None


class SessionRegistry:
    """The sessions of the conversations this process has touched (thread-safe)."""

    def __init__(self) -> None:
        self._sessions: dict[uuid.UUID, ConversationSession] = {}
        self._lock = threading.Lock()

    def get(self, conversation_id: uuid.UUID) -> ConversationSession:
        """The conversation's session, created on first use."""
        with self._lock:
            return self._sessions.setdefault(conversation_id, ConversationSession())

    def drop(self, conversation_ids: list[uuid.UUID]) -> None:
        """Forget the sessions of deleted or expired conversations."""
        with self._lock:
            for conversation_id in conversation_ids:
                self._sessions.pop(conversation_id, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._sessions)


class TurnLocks(abc.ABC):
    """Serialises the turns of each conversation (read history → answer → append)."""

    @abc.abstractmethod
    def hold(self, conversation_id: uuid.UUID) -> AsyncContextManager[None]:
        """Hold the conversation's turn lock for the ``async with`` block; waits for the turn in
        progress. Raises ConversationBusyError if the wait times out."""

    def close(self) -> None:
        """Release connections (nothing to release by default)."""


class ConversationStore(abc.ABC):
    """Where conversations live; implementations must be safe to call from several threads."""

    #: Most messages one conversation may hold (None: unlimited).
    max_messages: int | None = None

    def ensure_room(self, conversation_id: uuid.UUID, new_messages: int) -> None:
        """Raise ConversationFullError if ``new_messages`` more would exceed the limit."""
        if self.max_messages is None:
            return
        held = self.message_count(conversation_id)
        if held + new_messages > self.max_messages:
            raise ConversationFullError(
                f"conversation {conversation_id} holds {held} messages, the limit is "
                f"{self.max_messages}; start a new conversation"
            )

    def check_owner(self, conversation_id: uuid.UUID, owner: str | None) -> None:
        """ConversationNotFoundError unless it exists and ``owner`` (None: anyone) owns it:
        another key's conversation is "not found", so its existence is not leaked."""
        held_by = self.owner_of(conversation_id)  # raises for an unknown conversation
        if owner is not None and held_by != owner:
            raise ConversationNotFoundError(str(conversation_id))

    def owner_of(self, conversation_id: uuid.UUID) -> str | None:
        """The key that created the conversation; raises ConversationNotFoundError."""
        return self.get(conversation_id).owner

    def message_count(self, conversation_id: uuid.UUID) -> int:
        """Messages the conversation holds; raises ConversationNotFoundError."""
        return len(self.get(conversation_id).messages)

    @abc.abstractmethod
    def count(self) -> int:
        """Number of conversations held."""

    @abc.abstractmethod
    def create(self, document_ids: list[str] | None, owner: str | None = None) -> Conversation:
        """Start a conversation limited to ``document_ids`` (``None``: all documents), owned
        by ``owner`` (an API key id)."""

    @abc.abstractmethod
    def session(self, conversation_id: uuid.UUID) -> ConversationSession:
        """The conversation's in-process state; raises ConversationNotFoundError."""

    @property
    @abc.abstractmethod
    def turn_locks(self) -> TurnLocks:
        """What serialises each conversation's turns (in this process, or across processes)."""

    @abc.abstractmethod
    def sessions(self) -> int:
        """Number of in-process conversation states held (for leak checks)."""

    @abc.abstractmethod
    def get(self, conversation_id: uuid.UUID) -> Conversation:
        """A snapshot of the conversation; raises ConversationNotFoundError."""

    @abc.abstractmethod
    def append(self, conversation_id: uuid.UUID, messages: list[Message]) -> None:
        """Append messages in one step (a question and its answer are never split)."""

    @abc.abstractmethod
    def delete(self, conversation_id: uuid.UUID) -> None:
        """Forget a conversation; raises ConversationNotFoundError."""

    @abc.abstractmethod
    def page(
        self, *, limit: int, cursor: str | None = None, owner: str | None = None
    ) -> ConversationPage:
        """Conversations (of ``owner``; None: all) newest first, ``limit`` at a time, after
        ``cursor`` (a page's ``next_cursor``); InvalidInputError for a cursor it did not issue."""

    @abc.abstractmethod
    def recent_questions(self, limit: int, owner: str | None = None) -> list[tuple[uuid.UUID, str]]:
        """The newest user messages across conversations (of ``owner``; None: all)."""

    def close(self) -> None:
        """Release connections (nothing to release by default)."""
