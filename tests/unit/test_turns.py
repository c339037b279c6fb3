"""History: one pairing, capping and budgeting of earlier turns for every caller."""

from __future__ import annotations

import pytest

from tunedd_api.errors import InvalidInputError
from tunedd_api.turns import History, Message, estimate_tokens


def _messages(pairs: int) -> list[Message]:
    out: list[Message] = []
    for i in range(pairs):
        out += [Message(role="user", content=f"q{i}"), Message(role="assistant", content=f"a{i}")]
    return out


def test_pairs_keep_only_question_answer_exchanges() -> None:
    messages = [Message(role="assistant", content="hello"), *_messages(2)]
    messages.append(Message(role="user", content="unanswered"))

    history = History.of(messages)

    assert [(q.content, a.content) for q, a in history.exchanges] == [("q0", "a0"), ("q1", "a1")]
    assert history.last_question == "q1" and history.last_answer == "a1"


@pytest.mark.parametrize(("max_turns", "kept"), [(None, 5), (3, 3), (0, 0)])
def test_turn_cap(max_turns: int | None, kept: int) -> None:
    recent, truncated = History.of(_messages(5)).recent(10_000, estimate=len, max_turns=max_turns)

    assert len(recent) == kept
    assert truncated is (kept < 5)
    if kept:
        assert recent.last_question == "q4"  # the most recent exchanges are kept


def test_token_budget_drops_the_oldest_first() -> None:
    history = History.of(_messages(4))
    cost = estimate_tokens("q0a0") + 8

    recent, truncated = history.recent(2 * cost, estimate=estimate_tokens)

    assert [q.content for q, _ in recent.exchanges] == ["q2", "q3"]
    assert truncated


def test_client_history_joins_roles_drops_system_and_needs_a_final_question() -> None:
    history, question = History.from_client(
        [
            ("system", "be nice"),
            ("assistant", "Hi! Ask me."),
            ("user", "first"),
            ("user", "part two"),
            ("assistant", "answer"),
            ("tool", "ignored"),
            ("user", "next?"),
        ]
    )

    assert question == "next?"
    assert [(q.content, a.content) for q, a in history.exchanges] == [("first\npart two", "answer")]
    with pytest.raises(InvalidInputError):
        History.from_client([("user", "q"), ("assistant", "a")])
