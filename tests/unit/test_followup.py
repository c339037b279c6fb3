"""Unit tests of follow-up detection: which messages are searched with the previous question."""

from __future__ import annotations

import pytest

from tunedd_api.chat.conversations import Message
from tunedd_api.chat.followup import needs_context, retrieval_query

FIRST_QUESTION = "How does the ReAct agent plan its actions?"
LAST_QUESTION = "Which benchmarks does the Voyager paper use?"

STANDALONE = (
    "Which benchmarks are used to evaluate large language model agents on web navigation "
    "tasks in recent papers?"
)


@pytest.fixture
def history() -> tuple[Message, ...]:
    return (
        Message(role="user", content=FIRST_QUESTION),
        Message(role="assistant", content="It interleaves reasoning and acting [1]."),
        Message(role="user", content=LAST_QUESTION),
        Message(role="assistant", content="Minecraft tasks [2]."),
    )


@pytest.mark.parametrize(
    "message",
    ["What are its limitations?", "And the benchmarks?", "What about memory?", "Why do they fail?"],
)
def test_follow_up_is_combined_with_previous_question(
    history: tuple[Message, ...], message: str
) -> None:
    assert needs_context(message)
    assert retrieval_query(message, history) == f"{LAST_QUESTION} {message}"


@pytest.mark.parametrize(
    "message", [STANDALONE, "Summarise the evaluation section of the WebArena paper please"]
)
def test_standalone_question_is_not_combined(history: tuple[Message, ...], message: str) -> None:
    assert not needs_context(message)
    assert retrieval_query(message, history) == message


def test_long_message_with_pronoun_is_standalone() -> None:
    message = "What are the main limitations of retrieval augmented agents and how do they differ"
    assert len(message.split()) > 12
    assert not needs_context(message)


@pytest.mark.parametrize(
    "message", ["What are its limitations?", STANDALONE, "And the benchmarks?", ""]
)
def test_without_history_message_is_unchanged(message: str) -> None:
    assert retrieval_query(message, ()) == message


def test_only_assistant_history_gives_no_context() -> None:
    history = (Message(role="assistant", content="Hello, ask me about the papers."),)
    assert retrieval_query("What are its limitations?", history) == "What are its limitations?"


def test_pronoun_inside_a_word_does_not_count() -> None:
    assert not needs_context("Explain iterative planning")
