"""Turn locks: on PostgreSQL a database lock that two stores (two processes' worth of
connections) share; elsewhere the in-process lock."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

from tunedd_api.chat.sql_conversations import SqlConversationStore
from tunedd_api.chat.turn_locks import DatabaseTurnLocks, ProcessTurnLocks
from tunedd_api.errors import ConversationBusyError
from tunedd_api.storage.migrate import open_app_database


@pytest.fixture()
def two_stores(postgres_server):
    """Two stores over one PostgreSQL database, each with its own engines (like replicas);
    the second waits at most 0.3 s for a turn lock (``impatient``: 30 s for the first)."""
    url = postgres_server.new_database()
    stores = [
        SqlConversationStore(engine=open_app_database(url), turn_lock_timeout_s=timeout)
        for timeout in (30.0, 30.0, 0.3)
    ]
    yield stores
    for store in stores:
        store.close()


def waiting_advisory_locks(store: SqlConversationStore) -> int:
    query = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
    with store.engine.connect() as connection:
        return connection.execute(text(query)).scalar_one()


async def until(condition, timeout_s: float = 30.0) -> None:
    """Wait (bounded) until ``condition()`` holds, checked off the event loop."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not await asyncio.to_thread(condition):
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


def test_a_turn_on_another_store_waits_for_the_turn_in_progress(two_stores) -> None:
    first, second, _ = two_stores
    assert isinstance(first.turn_locks, DatabaseTurnLocks)
    conversation = first.create(None).id
    other = first.create(None).id
    order: list[str] = []

    async def scenario() -> None:
        release = asyncio.Event()

        async def turn_a() -> None:
            async with first.turn_locks.hold(conversation):
                order.append("a starts")
                await release.wait()
                order.append("a ends")

        async def turn_b() -> None:
            async with second.turn_locks.hold(conversation):
                order.append("b starts")

        a = asyncio.create_task(turn_a())
        await until(lambda: order == ["a starts"])
        b = asyncio.create_task(turn_b())
        await until(lambda: waiting_advisory_locks(second) == 1)  # b waits in the database
        async with second.turn_locks.hold(other):  # another conversation is not held up
            order.append("other conversation")
        release.set()
        await asyncio.wait_for(asyncio.gather(a, b), 30)

    asyncio.run(scenario())

    assert order == ["a starts", "other conversation", "a ends", "b starts"]


def test_a_wait_past_the_timeout_is_conversation_busy(two_stores) -> None:
    first, _, impatient = two_stores
    conversation = first.create(None).id

    async def scenario() -> None:
        async with first.turn_locks.hold(conversation):
            with pytest.raises(ConversationBusyError) as busy:
                async with impatient.turn_locks.hold(conversation):
                    pytest.fail("the lock was taken twice")
            assert busy.value.retry_after_s >= 1
        async with impatient.turn_locks.hold(conversation):  # free again afterwards
            pass

    asyncio.run(scenario())


def test_a_waiter_cancelled_while_waiting_leaves_no_lock_behind(two_stores) -> None:
    first, second, _ = two_stores
    conversation = first.create(None).id

    async def scenario() -> None:
        release = asyncio.Event()
        held = asyncio.Event()

        async def holder() -> None:
            async with first.turn_locks.hold(conversation):
                held.set()
                await release.wait()

        task = asyncio.create_task(holder())
        await held.wait()
        waiter = asyncio.create_task(second.turn_locks.hold(conversation).__aenter__())
        await until(lambda: waiting_advisory_locks(first) == 1)
        waiter.cancel()  # the client left while its turn waited
        with pytest.raises(asyncio.CancelledError):
            await waiter
        release.set()
        await task
        # The cancelled waiter got the lock once it was free and handed it straight back.
        await until(lambda: _lock_count(first) == 0)
        async with first.turn_locks.hold(conversation):
            pass

    asyncio.run(scenario())


def _lock_count(store: SqlConversationStore) -> int:
    query = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
    with store.engine.connect() as connection:
        return connection.execute(text(query)).scalar_one()


def test_sqlite_serialises_turns_within_the_process(tmp_path: Path) -> None:
    store = SqlConversationStore(engine=open_app_database(f"sqlite:///{tmp_path / 'app.db'}"))
    assert isinstance(store.turn_locks, ProcessTurnLocks)
    conversation = store.create(None).id
    order: list[str] = []

    async def turn(name: str, gate: asyncio.Event | None) -> None:
        async with store.turn_locks.hold(conversation):
            order.append(f"{name} starts")
            if gate is not None:
                await gate.wait()
            order.append(f"{name} ends")

    async def scenario() -> None:
        gate = asyncio.Event()
        a = asyncio.create_task(turn("a", gate))
        await until(lambda: order == ["a starts"])
        b = asyncio.create_task(turn("b", None))
        await asyncio.sleep(0)  # b runs up to the lock
        gate.set()
        await asyncio.gather(a, b)

    asyncio.run(scenario())
    store.close()

    assert order == ["a starts", "a ends", "b starts", "b ends"]
    assert uuid.UUID(str(conversation))
