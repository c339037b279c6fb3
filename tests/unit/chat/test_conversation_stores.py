"""The contract every conversation store keeps: in memory, in SQLite and in PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

import pytest

from tunedd_api.chat.conversations import ConversationStore
from tunedd_api.chat.memory_conversations import InMemoryConversationStore
from tunedd_api.chat.sql_conversations import SqlConversationStore
from tunedd_api.errors import (
    ConversationCapacityError,
    ConversationFullError,
    ConversationNotFoundError,
    InvalidInputError,
)
from tunedd_api.storage.migrate import APP_MIGRATIONS, open_app_database
from tunedd_api.turns import Citation, Message


class WallClock:
    """A UTC wall clock the test moves by hand (the SQL store's clock)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class Monotonic:
    """The in-memory store's clock, driven by the same wall clock."""

    def __init__(self, wall: WallClock) -> None:
        self.wall = wall

    def __call__(self) -> float:
        return self.wall.now.timestamp()


StoreFactory = Callable[..., ConversationStore]


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def make_store(request, tmp_path: Path) -> StoreFactory:
    """A factory of empty stores of one kind sharing one test clock (``clock`` attribute)."""
    clock = WallClock()
    engines: list[Any] = []

    def make(**limits: Any) -> ConversationStore:
        if request.param == "memory":
            store = InMemoryConversationStore(clock=Monotonic(clock), **limits)
        else:
            if request.param == "sqlite":
                url = f"sqlite:///{tmp_path / f'app{len(engines)}.db'}"
            else:
                url = request.getfixturevalue("postgres_server").new_database()
            engine = open_app_database(url)
            engines.append(engine)
            store = SqlConversationStore(engine=engine, now=clock, **limits)
        store.clock = clock  # type: ignore[attr-defined]
        return store

    yield make
    for engine in engines:
        engine.dispose()


def _answer(text: str) -> Message:
    citation = Citation(
        number=1,
        document_id="doc",
        file_name="a.pdf",
        title="A",
        pages=[2, 3],
        snippet="lava",
        score=0.5,
        support=0.8,
        sections=["Guide > Install"],
        lines=[3, 9],
    )
    return Message(
        role="assistant",
        content=text,
        citations=(citation,),
        retrieval_query="what erupts",
        groundedness=1.0,
    )


def test_messages_round_trip_with_citations_in_order(make_store: StoreFactory) -> None:
    store = make_store()
    conversation = store.create(["doc", "doc", "other"])
    question, answer = Message(role="user", content="What erupts?"), _answer("Lava [1].")
    store.append(conversation.id, [question, answer])
    store.append(conversation.id, [Message(role="user", content="And?"), _answer("Ash [1].")])

    stored = store.get(conversation.id)

    assert stored.document_ids == ("doc", "other")
    assert [m.content for m in stored.messages] == ["What erupts?", "Lava [1].", "And?", "Ash [1]."]
    assert stored.messages[1] == answer  # citations, query, groundedness, id and time kept
    assert stored.created_at == conversation.created_at
    assert store.message_count(conversation.id) == 4


def test_unknown_and_deleted_conversations_are_not_found(make_store: StoreFactory) -> None:
    store = make_store()
    conversation = store.create(None)
    store.append(conversation.id, [Message(role="user", content="q"), _answer("a")])
    store.delete(conversation.id)

    for call in (store.get, store.delete, store.session, store.message_count):
        with pytest.raises(ConversationNotFoundError):
            call(conversation.id)
    with pytest.raises(ConversationNotFoundError):
        store.append(uuid.uuid4(), [Message(role="user", content="q")])
    assert store.count() == 0
    assert store.recent_questions(10) == []


def test_idle_conversations_expire_and_active_ones_stay(make_store: StoreFactory) -> None:
    store = make_store(ttl_s=100)
    idle, active = store.create(None), store.create(None)
    store.clock.advance(60)
    store.append(active.id, [Message(role="user", content="still here")])
    store.clock.advance(60)

    with pytest.raises(ConversationNotFoundError):
        store.get(idle.id)
    assert store.get(active.id).messages[0].content == "still here"
    assert store.count() == 1


def test_a_full_store_refuses_until_one_expires(make_store: StoreFactory) -> None:
    store = make_store(max_conversations=2, ttl_s=100)
    store.create(None)
    store.clock.advance(30)
    store.create(None)

    with pytest.raises(ConversationCapacityError) as refused:
        store.create(None)
    assert refused.value.retry_after_s == 70  # when the oldest idle one expires
    store.clock.advance(71)
    store.create(None)
    assert store.count() == 2


def test_the_message_limit_keeps_question_and_answer_together(make_store: StoreFactory) -> None:
    store = make_store(max_messages=3)
    conversation = store.create(None)
    pair = [Message(role="user", content="q"), _answer("a")]
    store.append(conversation.id, pair)

    with pytest.raises(ConversationFullError):
        store.append(conversation.id, pair)
    with pytest.raises(ConversationFullError):
        store.ensure_room(conversation.id, 2)
    assert len(store.get(conversation.id).messages) == 2


def test_pages_list_newest_first_with_titles(make_store: StoreFactory) -> None:
    store = make_store()
    created = []
    for number in range(5):
        conversation = store.create(None)
        created.append(conversation.id)
        question = f"Question {number} " + "about lava flows " * 10
        store.append(conversation.id, [Message(role="user", content=question), _answer("a")])
        store.clock.advance(1)

    first = store.page(limit=2)
    second = store.page(limit=2, cursor=first.next_cursor)
    last = store.page(limit=2, cursor=second.next_cursor)

    listed = first.conversations + second.conversations + last.conversations
    assert [c.id for c in listed] == created[::-1]
    assert last.next_cursor is None
    assert listed[0].title.startswith("Question 4 about lava")
    assert len(listed[0].title) <= 81 and listed[0].title.endswith("…")
    assert listed[0].message_count == 2


def test_a_forged_cursor_is_bad_input(make_store: StoreFactory) -> None:
    store = make_store()
    with pytest.raises(InvalidInputError):
        store.page(limit=10, cursor="not-a-cursor")


def test_recent_questions_are_the_newest_user_messages(make_store: StoreFactory) -> None:
    store = make_store()
    one, two = store.create(None), store.create(None)
    store.append(one.id, [Message(role="user", content="first"), _answer("a")])
    store.clock.advance(1)
    store.append(two.id, [Message(role="user", content="second"), _answer("b")])

    assert [text for _, text in store.recent_questions(10)] == ["second", "first"]
    assert store.recent_questions(1) == [(two.id, "second")]


def test_a_new_store_over_the_same_database_sees_every_conversation(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    first = SqlConversationStore(engine=open_app_database(url))
    conversation = first.create(None)
    first.append(conversation.id, [Message(role="user", content="q"), _answer("a")])
    first.close()

    reopened = SqlConversationStore(engine=open_app_database(url))  # e.g. after a restart

    assert [m.content for m in reopened.get(conversation.id).messages] == ["q", "a"]
    assert APP_MIGRATIONS.current_revision(reopened.engine) == APP_MIGRATIONS.head_revision()
    reopened.close()
