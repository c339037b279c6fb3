"""Conversations in SQL (SQLAlchemy Core): a SQLite file in the index directory by default,
PostgreSQL by URL. The default store: conversations survive restarts and crashes.

A question and its answer are written in one transaction after the answer is complete, so a
process killed mid-answer leaves every acknowledged turn and no partial one. Each access
touches ``last_active_at`` with a single ``UPDATE ... RETURNING`` that also applies the TTL
(an idle conversation is gone even before the sweep deletes its rows); expired rows are
swept when conversations are created, counted or listed.

Turns are serialised per conversation by a PostgreSQL advisory lock (so several API processes
can serve one database) or, on SQLite, by the in-process lock (one API process per file).
"""

from __future__ import annotations

import logging
import math
import uuid
from datetime import datetime, timedelta
from typing import Any, Callable

from sqlalchemy import Connection, Engine, delete, func, insert, or_, and_, select, update

from tunedd_api.chat.conversations import (
    Conversation,
    ConversationPage,
    ConversationSession,
    ConversationStore,
    SessionRegistry,
    decode_cursor,
    encode_cursor,
    TurnLocks,
    title_of,
)
from tunedd_api.chat.sql_rows import message_row, row_message, row_summary, scope_tuple
from tunedd_api.chat.turn_locks import DatabaseTurnLocks, ProcessTurnLocks
from tunedd_api.errors import (
    ConversationCapacityError,
    ConversationFullError,
    ConversationNotFoundError,
)
from tunedd_api.storage.engine import as_utc
from tunedd_api.storage.schema import conversations, messages
from tunedd_api.turns import Message, utc_now

logger = logging.getLogger(__name__)


class SqlConversationStore(ConversationStore):
    """Conversations and messages in two tables of the application database.

    :param engine: The application database (migrated by the caller).
    :param max_conversations: Most conversations held; more are refused (503).
    :param ttl_s: Idle seconds after which a conversation expires (None: never).
    :param max_messages: Most messages per conversation (None: unlimited).
    :param now: The wall clock (tests inject one).
    :param turn_lock_timeout_s: Longest wait for another turn of a conversation (PostgreSQL).
    """

    def __init__(
        self,
        *,
        engine: Engine,
        max_conversations: int = 10_000,
        ttl_s: float | None = None,
        max_messages: int | None = None,
        now: Callable[[], datetime] = utc_now,
        turn_lock_timeout_s: float = 300.0,
    ) -> None:
        self.engine = engine
        self.max_conversations = max_conversations
        self.ttl_s = ttl_s
        self.max_messages = max_messages
        self._now = now
        self._sessions = SessionRegistry()
        self._turn_locks: TurnLocks
        if engine.dialect.name == "postgresql":
            url = engine.url.render_as_string(hide_password=False)
            self._turn_locks = DatabaseTurnLocks(url, turn_lock_timeout_s)
        else:
            self._turn_locks = ProcessTurnLocks(self.session)

    @property
    def turn_locks(self) -> TurnLocks:
        """A database lock on PostgreSQL (across processes), else the in-process lock."""
        return self._turn_locks

    def create(self, document_ids: list[str] | None, owner: str | None = None) -> Conversation:
        """Start a conversation limited to ``document_ids`` (``None``: all documents)."""
        scope = tuple(dict.fromkeys(document_ids)) if document_ids is not None else None
        now = self._now()
        conversation = Conversation(
            id=uuid.uuid4(), document_ids=scope, created_at=now, owner=owner
        )
        with self.engine.begin() as connection:
            self._expire(connection)
            held = connection.execute(select(func.count()).select_from(conversations)).scalar()
            if held >= self.max_conversations:
                raise ConversationCapacityError(
                    f"the server holds its maximum of {self.max_conversations} conversations; "
                    "retry later or delete finished ones",
                    retry_after_s=self._seconds_until_next_expiry(connection),
                )
            connection.execute(
                insert(conversations).values(
                    id=str(conversation.id),
                    document_ids=list(scope) if scope is not None else None,
                    created_at=now,
                    last_active_at=now,
                    message_count=0,
                    owner=owner,
                )
            )
        return conversation

    def get(self, conversation_id: uuid.UUID) -> Conversation:
        """The conversation with its messages; raises ConversationNotFoundError."""
        with self.engine.begin() as connection:
            row = self._touch(connection, conversation_id)
            rows = connection.execute(
                select(messages)
                .where(messages.c.conversation_id == str(conversation_id))
                .order_by(messages.c.seq)
            )
            history = tuple(row_message(r._mapping) for r in rows)
        return Conversation(
            id=conversation_id,
            document_ids=scope_tuple(row.document_ids),
            created_at=as_utc(row.created_at),
            messages=history,
            owner=row.owner,
        )

    def owner_of(self, conversation_id: uuid.UUID) -> str | None:
        """The key that created the conversation; raises ConversationNotFoundError."""
        with self.engine.begin() as connection:
            return self._touch(connection, conversation_id).owner

    def message_count(self, conversation_id: uuid.UUID) -> int:
        """Messages the conversation holds; raises ConversationNotFoundError."""
        with self.engine.begin() as connection:
            return self._touch(connection, conversation_id).message_count

    def append(self, conversation_id: uuid.UUID, new: list[Message]) -> None:
        """Append messages in one transaction (a question and its answer are never split)."""
        with self.engine.begin() as connection:
            row = self._touch(connection, conversation_id)
            held = row.message_count
            if self.max_messages is not None and held + len(new) > self.max_messages:
                raise ConversationFullError(
                    f"conversation {conversation_id} reached its limit of {self.max_messages} "
                    "messages; start a new conversation"
                )
            connection.execute(
                insert(messages),
                [message_row(conversation_id, held + i, message) for i, message in enumerate(new)],
            )
            connection.execute(
                update(conversations)
                .where(conversations.c.id == str(conversation_id))
                .values(message_count=held + len(new), title=row.title or title_of(new))
            )

    def delete(self, conversation_id: uuid.UUID) -> None:
        """Forget a conversation and its messages; raises ConversationNotFoundError."""
        with self.engine.begin() as connection:
            self._touch(connection, conversation_id)
            _delete(connection, [str(conversation_id)])
        self._sessions.drop([conversation_id])

    def session(self, conversation_id: uuid.UUID) -> ConversationSession:
        """The conversation's in-process state (created on first use)."""
        with self.engine.begin() as connection:
            self._touch(connection, conversation_id)
        return self._sessions.get(conversation_id)

    def sessions(self) -> int:
        """Number of in-process conversation states held."""
        return len(self._sessions)

    def count(self) -> int:
        """Number of live conversations (expired ones swept first)."""
        with self.engine.begin() as connection:
            self._expire(connection)
            return connection.execute(select(func.count()).select_from(conversations)).scalar()

    def page(
        self, *, limit: int, cursor: str | None = None, owner: str | None = None
    ) -> ConversationPage:
        """Conversations (of ``owner``) newest first, ``limit`` at a time, after ``cursor``."""
        query = select(conversations).order_by(
            conversations.c.created_at.desc(), conversations.c.id.desc()
        )
        if owner is not None:
            query = query.where(conversations.c.owner == owner)
        if cursor:
            created, after_id = decode_cursor(cursor)
            query = query.where(
                or_(
                    conversations.c.created_at < created,
                    and_(
                        conversations.c.created_at == created,
                        conversations.c.id < str(after_id),
                    ),
                )
            )
        with self.engine.begin() as connection:
            self._expire(connection)
            rows = connection.execute(query.limit(limit + 1)).fetchall()
        listed = [row_summary(r) for r in rows[:limit]]
        more = len(rows) > limit
        return ConversationPage(listed, encode_cursor(listed[-1]) if more else None)

    def recent_questions(self, limit: int, owner: str | None = None) -> list[tuple[uuid.UUID, str]]:
        """The newest user messages across conversations (of ``owner``; None: all)."""
        mine = [conversations.c.owner == owner] if owner is not None else []
        query = (
            select(messages.c.conversation_id, messages.c.content)
            .join(conversations, conversations.c.id == messages.c.conversation_id)
            .where(messages.c.role == "user", *self._live(), *mine)
            .order_by(messages.c.created_at.desc())
            .limit(limit)
        )
        with self.engine.connect() as connection:
            return [(uuid.UUID(r.conversation_id), r.content) for r in connection.execute(query)]

    def close(self) -> None:
        """Release the connection pools."""
        self._turn_locks.close()
        self.engine.dispose()

    def _live(self) -> list[Any]:
        if self.ttl_s is None:
            return []
        return [conversations.c.last_active_at >= self._now() - timedelta(seconds=self.ttl_s)]

    def _touch(self, connection: Connection, conversation_id: uuid.UUID) -> Any:
        """Mark the conversation active and return its row; not found if absent or expired."""
        row = connection.execute(
            update(conversations)
            .where(conversations.c.id == str(conversation_id), *self._live())
            .values(last_active_at=self._now())
            .returning(
                conversations.c.document_ids,
                conversations.c.created_at,
                conversations.c.message_count,
                conversations.c.title,
                conversations.c.owner,
            )
        ).first()
        if row is None:
            raise ConversationNotFoundError(str(conversation_id))
        return row

    def _expire(self, connection: Connection) -> None:
        if self.ttl_s is None:
            return
        cutoff = self._now() - timedelta(seconds=self.ttl_s)
        expired = (
            connection.execute(
                select(conversations.c.id).where(conversations.c.last_active_at < cutoff)
            )
            .scalars()
            .all()
        )
        if expired:
            _delete(connection, list(expired))
            self._sessions.drop([uuid.UUID(i) for i in expired])
            logger.info("Expired %d idle conversations", len(expired))

    def _seconds_until_next_expiry(self, connection: Connection) -> int:
        oldest = connection.execute(select(func.min(conversations.c.last_active_at))).scalar()
        if self.ttl_s is None or oldest is None:
            return 60
        remaining = as_utc(oldest) + timedelta(seconds=self.ttl_s) - self._now()
        return max(1, math.ceil(remaining.total_seconds()))


def _delete(connection: Connection, ids: list[str]) -> None:
    # Explicit, not only ON DELETE CASCADE: a SQLite connection without the pragma skips it.
    connection.execute(delete(messages).where(messages.c.conversation_id.in_(ids)))
    connection.execute(delete(conversations).where(conversations.c.id.in_(ids)))
