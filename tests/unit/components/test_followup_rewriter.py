"""Unit tests of follow-up handling: which messages need context, the LLM rewrite, its checks
and its fallback to the heuristic query."""

from __future__ import annotations

import pytest

from fakes import RecordingLLM, mock_chat_model
from tunedd_api.components.followup_rewriter import FollowUpRewriter, needs_context
from tunedd_api.turns import History, Message

FIRST_QUESTION = "How does the ReAct agent plan its actions?"
LAST_QUESTION = "Which benchmarks does the Voyager paper use?"

STANDALONE = (
    "Which benchmarks are used to evaluate large language model agents on web navigation "
    "tasks in recent papers?"
)


@pytest.fixture
def history() -> History:
    return History.of(
        (
            Message(role="user", content=FIRST_QUESTION),
            Message(role="assistant", content="It interleaves reasoning and acting [1]."),
            Message(role="user", content=LAST_QUESTION),
            Message(role="assistant", content="Minecraft tasks [2]."),
        )
    )


def rewriter(
    reply: str | Exception = "", mode: str = "llm"
) -> tuple[FollowUpRewriter, RecordingLLM]:
    def respond(_messages):
        if isinstance(reply, Exception):
            raise reply
        return reply

    llm = RecordingLLM(respond)
    model = mock_chat_model(llm)
    return FollowUpRewriter(generator=model, mode=mode, timeout_s=5), llm


@pytest.mark.parametrize(
    "message",
    ["What are its limitations?", "And the benchmarks?", "What about memory?", "Why do they fail?"],
)
def test_short_referring_messages_need_context(message: str) -> None:
    assert needs_context(message)


@pytest.mark.parametrize(
    "message", [STANDALONE, "Summarise the evaluation section of the WebArena paper please"]
)
def test_standalone_question_is_searched_as_is(history: History, message: str) -> None:
    rewrite, llm = rewriter("should not be called")
    query = rewrite.rewrite(message, history)
    assert (query.text, query.method) == (message, "none")
    assert llm.prompts == []  # the LLM is only asked when the heuristics say so


def test_llm_rewrite_is_used_for_a_follow_up(history: History) -> None:
    rewrite, llm = rewriter("Standalone question: What are the limitations of the Voyager paper?")
    query = rewrite.rewrite("What are its limitations?", history)
    assert (query.text, query.method) == ("What are the limitations of the Voyager paper?", "llm")
    [prompt] = llm.prompts
    assert LAST_QUESTION in prompt[-1].text and "What are its limitations?" in prompt[-1].text


@pytest.mark.parametrize(
    "bad_reply",
    [
        "",  # nothing
        "What are its limitations?",  # pronoun not resolved: no word from the earlier turn
        "Limitations " * 80,  # rambling
    ],
)
def test_unusable_rewrite_falls_back_to_heuristic(history: History, bad_reply: str) -> None:
    rewrite, _ = rewriter(bad_reply)
    query = rewrite.rewrite("What are its limitations?", history)
    assert (query.text, query.method) == (f"{LAST_QUESTION} What are its limitations?", "heuristic")


def test_model_failure_falls_back_to_heuristic(history: History) -> None:
    rewrite, _ = rewriter(RuntimeError("connection refused"))
    query = rewrite.rewrite("What are its limitations?", history)
    assert query.method == "heuristic"


def test_heuristic_mode_never_calls_the_llm(history: History) -> None:
    rewrite, llm = rewriter("unused", mode="heuristic")
    query = rewrite.rewrite("And the benchmarks?", history)
    assert (query.text, query.method) == (f"{LAST_QUESTION} And the benchmarks?", "heuristic")
    assert llm.prompts == []


def test_off_mode_searches_the_message(history: History) -> None:
    rewrite, _ = rewriter("unused", mode="off")
    assert rewrite.rewrite("And the benchmarks?", history).method == "none"


@pytest.mark.parametrize(
    "message",
    [
        "Why is the last of those so widely used in practice, and what are its drawbacks?",
        "Which of the techniques the survey lists is the latter one the authors prefer most?",
        "Could you explain in a bit more detail how the evaluation in the paper measures it?",
    ],
)
def test_long_message_pointing_back_needs_context(message: str) -> None:
    assert len(message.split()) > 12
    assert needs_context(message)


def test_long_message_with_pronoun_is_standalone() -> None:
    message = "What are the main limitations of retrieval augmented agents and how do they differ"
    assert len(message.split()) > 12
    assert not needs_context(message)


@pytest.mark.parametrize(
    "message", ["What are its limitations?", STANDALONE, "And the benchmarks?"]
)
def test_without_history_message_is_unchanged(message: str) -> None:
    rewrite, llm = rewriter("unused")
    assert rewrite.rewrite(message, History()).text == message
    assert llm.prompts == []


def test_only_assistant_history_gives_no_context() -> None:
    history = History.of((Message(role="assistant", content="Hello, ask me about the papers."),))
    rewrite, _ = rewriter("unused")
    assert rewrite.rewrite("What are its limitations?", history).method == "none"


def test_pronoun_inside_a_word_does_not_count() -> None:
    assert not needs_context("Explain iterative planning")


@pytest.mark.parametrize(
    ("previous", "message"),
    [
        (
            "What phases make up the general process of context-aware agents?",
            "In the learning phase, what categories of techniques are used to build"
            " representations?",
        ),
        (
            "Which benchmarks does the Voyager paper use?",
            "What does the second benchmark measure in the long-horizon planning evaluation"
            " of agents?",
        ),
        (
            "Into which memory categories do the authors sort agent memory?",
            "How is this episodic category stored and retrieved when conversations get very long?",
        ),
    ],
)
def test_long_message_naming_one_of_what_was_asked_for_needs_context(
    previous: str, message: str
) -> None:
    assert len(message.split()) > 12
    assert needs_context(message, previous)
    assert not needs_context(message)  # the same message opening a conversation


@pytest.mark.parametrize(
    "message",
    [
        "Summarise the evaluation section of the WebArena paper please, in a few short sentences",
        "Which benchmarks are used to evaluate the web navigation agents of recent papers?",
    ],
)
def test_definite_phrase_about_something_else_is_standalone(message: str) -> None:
    # "the ... paper" and a bare "benchmarks" do not name one of the benchmarks asked for
    assert not needs_context(message, LAST_QUESTION)


def test_message_naming_one_of_the_asked_for_items_is_rewritten(history: History) -> None:
    message = "What does the second benchmark measure in the long-horizon planning evaluation?"
    rewrite, llm = rewriter("What does the second benchmark of the Voyager paper measure?")
    query = rewrite.rewrite(message, history)
    assert (query.text, query.method) == (
        "What does the second benchmark of the Voyager paper measure?",
        "llm",
    )
    assert len(llm.prompts) == 1
