"""What keeps a conversation's turns from interleaving: in one process, or across processes.

:class:`ProcessTurnLocks` (in-memory and SQLite stores) is the ``asyncio.Lock`` of the
conversation's :class:`~tunedd_api.chat.conversations.ConversationSession`: it serialises
turns within one API process only, so several processes serving from one SQLite file are not
supported. :class:`DatabaseTurnLocks` (PostgreSQL) holds a session-level advisory lock keyed by
the conversation for the whole turn, so turns sent to different replicas of the API run one
after the other, each seeing the previous one in its history. Its wait is bounded
(``RAG_TURN_LOCK_TIMEOUT_S``): past it the turn is refused with 409 ``conversation_busy`` and
``Retry-After``.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from contextlib import asynccontextmanager
from typing import AsyncIterator, Callable

from sqlalchemy import Connection

from tunedd_api.chat.conversations import ConversationSession, TurnLocks
from tunedd_api.errors import ConversationBusyError
from tunedd_api.storage.advisory_lock import AdvisoryLocks, LockTimeoutError

logger = logging.getLogger(__name__)

#: Advisory lock namespace of conversation turns ("turn"); the migrations use another key.
TURN_LOCK_NAMESPACE = 0x7475_726E
#: Seconds a client refused with ``conversation_busy`` is asked to wait.
RETRY_AFTER_S = 5


def conversation_key(conversation_id: uuid.UUID) -> int:
    """The lock key of a conversation: the first 32 bits of its id. Two conversations sharing
    a key (rare among random ids) only have their turns serialised together."""
    return conversation_id.int >> 96


class ProcessTurnLocks(TurnLocks):
    """The in-process lock of each conversation's session (one API process only)."""

    def __init__(self, session: Callable[[uuid.UUID], ConversationSession]) -> None:
        self._session = session

    @asynccontextmanager
    async def hold(self, conversation_id: uuid.UUID) -> AsyncIterator[None]:
        """Hold the session's lock (the session lookup may touch a database: off the loop)."""
        session = await asyncio.to_thread(self._session, conversation_id)
        async with session.lock:
            yield


class DatabaseTurnLocks(TurnLocks):
    """A PostgreSQL advisory lock per conversation, held on its own connection for the turn.

    :param url: The application database.
    :param timeout_s: Longest wait for a turn in progress before ConversationBusyError.
    """

    def __init__(self, url: str, timeout_s: float) -> None:
        self._locks = AdvisoryLocks(url, TURN_LOCK_NAMESPACE)
        self._timeout_s = timeout_s

    @asynccontextmanager
    async def hold(self, conversation_id: uuid.UUID) -> AsyncIterator[None]:
        """Wait for the lock in a thread, hold it for the block, release it in ``finally``."""
        key = conversation_key(conversation_id)
        acquiring = asyncio.get_running_loop().run_in_executor(None, self._acquire, key)
        try:
            connection = await asyncio.shield(acquiring)
        except asyncio.CancelledError:  # the client left while waiting: release once acquired
            acquiring.add_done_callback(lambda done: self._release_late(done, key))
            raise
        try:
            yield
        finally:
            await asyncio.to_thread(self._locks.release, connection, key)

    def close(self) -> None:
        """Release the lock engine."""
        self._locks.close()

    def _acquire(self, key: int) -> Connection:
        try:
            return self._locks.acquire(key, self._timeout_s)
        except LockTimeoutError as error:
            logger.info("Turn lock %d still taken after %.0f s", key, self._timeout_s)
            raise ConversationBusyError(
                "another message of this conversation is still being answered; retry later",
                retry_after_s=RETRY_AFTER_S,
            ) from error

    def _release_late(self, acquired: asyncio.Future, key: int) -> None:
        if not acquired.cancelled() and acquired.exception() is None:
            acquired.get_loop().run_in_executor(None, self._locks.release, acquired.result(), key)
