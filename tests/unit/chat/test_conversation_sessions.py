"""Per-conversation state (turn lock, summary cache) lives and dies with its conversation."""

from __future__ import annotations

import pytest

from tunedd_api.chat.memory_conversations import InMemoryConversationStore
from tunedd_api.errors import ConversationNotFoundError


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_expiring_10000_conversations_leaves_no_per_conversation_state() -> None:
    clock = Clock()
    store = InMemoryConversationStore(max_conversations=20_000, ttl_s=60, clock=clock)
    ids = [store.create(None).id for _ in range(10_000)]
    for conversation_id in ids:
        store.session(conversation_id).summary = ("version", 0.0, "cached summary")
    assert store.sessions() == 10_000

    clock.now = 61.0
    assert store.count() == 0
    assert store.sessions() == 0


def test_delete_frees_the_session_and_a_new_one_starts_empty() -> None:
    store = InMemoryConversationStore()
    conversation = store.create(None)
    session = store.session(conversation.id)
    session.summary = "cached"
    assert store.session(conversation.id) is session  # one state per conversation

    store.delete(conversation.id)

    assert store.sessions() == 0
    with pytest.raises(ConversationNotFoundError):
        store.session(conversation.id)


def test_a_live_conversation_keeps_its_session_past_the_ttl_of_others() -> None:
    clock = Clock()
    store = InMemoryConversationStore(ttl_s=60, clock=clock)
    idle, active = store.create(None).id, store.create(None).id
    store.session(idle)
    clock.now = 50.0
    session = store.session(active)  # activity renews the TTL
    clock.now = 100.0

    assert store.session(active) is session
    assert store.sessions() == 1
