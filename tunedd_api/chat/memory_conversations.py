"""Conversations in process memory (``RAG_CONVERSATION_STORE=memory``): nothing is written
anywhere and a restart forgets them all; for tests and throwaway local use."""

from __future__ import annotations

import math
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import replace
from typing import Callable

from tunedd_api.chat.conversations import (
    Conversation,
    ConversationPage,
    ConversationSession,
    ConversationStore,
    ConversationSummary,
    SessionRegistry,
    decode_cursor,
    encode_cursor,
    TurnLocks,
    title_of,
)
from tunedd_api.chat.turn_locks import ProcessTurnLocks
from tunedd_api.errors import (
    ConversationCapacityError,
    ConversationFullError,
    ConversationNotFoundError,
)
from tunedd_api.turns import Message, utc_now


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
        self._sessions = SessionRegistry()
        self._lock = threading.Lock()
        self._turn_locks = ProcessTurnLocks(self.session)

    @property
    def turn_locks(self) -> TurnLocks:
        """The in-process lock of each conversation."""
        return self._turn_locks

    def create(self, document_ids: list[str] | None, owner: str | None = None) -> Conversation:
        """Start a conversation limited to ``document_ids`` (``None``: all documents)."""
        scope = tuple(dict.fromkeys(document_ids)) if document_ids is not None else None
        conversation = Conversation(
            id=uuid.uuid4(), document_ids=scope, created_at=utc_now(), owner=owner
        )
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

    def append(self, conversation_id: uuid.UUID, messages: list[Message]) -> None:
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

    def delete(self, conversation_id: uuid.UUID) -> None:
        """Forget a conversation; raises ConversationNotFoundError."""
        with self._lock:
            self._touch(conversation_id)
            del self._conversations[conversation_id]
        self._sessions.drop([conversation_id])

    def session(self, conversation_id: uuid.UUID) -> ConversationSession:
        """The conversation's in-process state (created on first use)."""
        with self._lock:
            self._touch(conversation_id)
        return self._sessions.get(conversation_id)

    def sessions(self) -> int:
        """Number of in-process conversation states held."""
        return len(self._sessions)

    def page(
        self, *, limit: int, cursor: str | None = None, owner: str | None = None
    ) -> ConversationPage:
        """Conversations (of ``owner``) newest first, ``limit`` at a time, after ``cursor``."""
        after = decode_cursor(cursor) if cursor else None
        with self._lock:
            self._expire()
            entries = [c for c, _ in self._conversations.values() if _owned(c, owner)]
        summaries = sorted(
            (_summary(conversation) for conversation in entries),
            key=lambda s: (s.created_at, str(s.id)),
            reverse=True,
        )
        if after is not None:
            summaries = [
                s for s in summaries if (s.created_at, str(s.id)) < (after[0], str(after[1]))
            ]
        listed = summaries[:limit]
        more = len(summaries) > limit
        return ConversationPage(listed, encode_cursor(listed[-1]) if more else None)

    def recent_questions(self, limit: int, owner: str | None = None) -> list[tuple[uuid.UUID, str]]:
        """The newest user messages across conversations (of ``owner``; None: all)."""
        with self._lock:
            self._expire()
            questions = [
                (m.created_at, conversation.id, m.content)
                for conversation, _ in self._conversations.values()
                if _owned(conversation, owner)
                for m in conversation.messages
                if m.role == "user"
            ]
        questions.sort(key=lambda q: q[0], reverse=True)
        return [(conversation_id, text) for _, conversation_id, text in questions[:limit]]

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
        expired = []
        while self._conversations:
            oldest_id, (_, last_active) = next(iter(self._conversations.items()))
            if last_active > cutoff:
                break
            del self._conversations[oldest_id]
            expired.append(oldest_id)
        self._sessions.drop(expired)

    def _seconds_until_next_expiry(self) -> int:
        if self.ttl_s is None or not self._conversations:
            return 60
        _, last_active = next(iter(self._conversations.values()))
        return max(1, math.ceil(last_active + self.ttl_s - self._clock()))


def _summary(conversation: Conversation) -> ConversationSummary:
    last = conversation.messages[-1].created_at if conversation.messages else None
    return ConversationSummary(
        id=conversation.id,
        title=title_of(list(conversation.messages)),
        document_ids=conversation.document_ids,
        created_at=conversation.created_at,
        last_active_at=last or conversation.created_at,
        message_count=len(conversation.messages),
    )


def _owned(conversation: Conversation, owner: str | None) -> bool:
    return owner is None or conversation.owner == owner
