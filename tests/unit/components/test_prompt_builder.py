"""Unit tests of PromptBuilder: message order, numbered sources, history and context budgets."""

from __future__ import annotations

import pytest
from haystack import Document
from haystack.components.generators.chat import MockChatGenerator
from haystack.dataclasses import ChatMessage

from dataclasses import dataclass

from tunedd_api.components.generator import GuardedChatGenerator
from tunedd_api.components.prompt_builder import SYSTEM_PROMPT, BudgetedPromptBuilder
from tunedd_api.turns import History, Message, RetrievedChunk

QUESTION = "How do agents use tools?"


@dataclass
class BuiltPrompt:
    messages: list[ChatMessage]
    sources: list[RetrievedChunk]
    history_turns_used: int
    history_truncated: bool


class PromptBuilder:
    """The component, called with a model's window and stored messages as the graph does."""

    def __init__(
        self, *, chat_model: GuardedChatGenerator, history_max_turns: int, history_budget: int
    ) -> None:
        self._component = BudgetedPromptBuilder(
            context_window=chat_model.context_window,
            max_answer_tokens=chat_model.max_answer_tokens,
            history_max_turns=history_max_turns,
            history_budget=history_budget,
        )

    def build(
        self, *, question: str, sources: list[RetrievedChunk], history: tuple[Message, ...]
    ) -> BuiltPrompt:
        out = self._component.run(question=question, sources=sources, history=History.of(history))
        return BuiltPrompt(
            out["prompt"], out["sources"], out["history_turns_used"], out["history_truncated"]
        )


def _model(context_window: int = 8192, max_answer_tokens: int = 256) -> GuardedChatGenerator:
    return GuardedChatGenerator(
        generator=MockChatGenerator(),
        model_name="mock",
        context_window=context_window,
        max_answer_tokens=max_answer_tokens,
        timeout_s=5,
    )


def _builder(
    context_window: int = 8192,
    max_answer_tokens: int = 256,
    history_max_turns: int = 6,
    history_budget: int = 1024,
) -> PromptBuilder:
    return PromptBuilder(
        chat_model=_model(context_window, max_answer_tokens),
        history_max_turns=history_max_turns,
        history_budget=history_budget,
    )


def _source(number: int, pages: list[int]) -> RetrievedChunk:
    content = f"Passage {number} says agents call tool number {number}. " + "Filler text. " * 40
    meta = {
        "document_id": f"doc-{number}",
        "file_name": f"paper-{number}.pdf",
        "title": f"Paper {number}",
        "pages": pages,
        "chunk_index": 0,
    }
    return RetrievedChunk(document=Document(content=content, meta=meta), similarity=1 - number / 10)


@pytest.fixture
def sources() -> list[RetrievedChunk]:
    return [_source(1, [2]), _source(2, [5, 6]), _source(3, [9]), _source(4, [1])]


def _history(turns: int) -> tuple[Message, ...]:
    """``turns`` question/answer pairs; each pair is 90 characters (30 estimated tokens)."""
    messages: list[Message] = []
    for i in range(turns):
        messages.append(Message(role="user", content=f"Question {i}?".ljust(30, "q")))
        messages.append(Message(role="assistant", content=f"Answer {i}.".ljust(60, "a")))
    return tuple(messages)


#: What one history pair of :func:`_history` costs in the builder's budget (30 tokens + 8).
TURN_COST = 38


def _estimated_tokens(model: GuardedChatGenerator, built: BuiltPrompt) -> int:
    return sum(model.estimate_tokens(m.text or "") for m in built.messages)


def test_system_first_question_last_with_numbered_sources(
    sources: list[RetrievedChunk],
) -> None:
    built = _builder().build(question=QUESTION, sources=sources, history=())
    assert [m.role.value for m in built.messages] == ["system", "user"]
    assert built.messages[0].text == SYSTEM_PROMPT
    question = built.messages[-1].text or ""
    assert QUESTION in question
    expected_headers = [
        '[1] "Paper 1", page 2',
        '[2] "Paper 2", page 5, 6',
        '[3] "Paper 3", page 9',
        '[4] "Paper 4", page 1',
    ]
    positions = [question.index(header) for header in expected_headers]
    assert positions == sorted(positions)
    for source in sources:
        assert source.document.content in question
    assert "[5]" not in question
    assert built.sources == sources
    assert built.history_turns_used == 0
    assert built.history_truncated is False


def test_history_turns_sit_between_system_and_question_in_order(
    sources: list[RetrievedChunk],
) -> None:
    history = _history(3)
    built = _builder().build(question=QUESTION, sources=sources, history=history)
    assert built.messages[0].role.value == "system"
    middle = built.messages[1:-1]
    assert [(m.role.value, m.text) for m in middle] == [(m.role, m.content) for m in history]
    assert QUESTION in (built.messages[-1].text or "")
    assert built.history_turns_used == 3
    assert built.history_truncated is False


@pytest.mark.parametrize(
    ("budget", "kept"),
    [(TURN_COST * 2, 2), (TURN_COST * 2 - 1, 1), (TURN_COST, 1), (TURN_COST - 1, 0)],
)
def test_small_history_budget_drops_oldest_turns_first(
    sources: list[RetrievedChunk], budget: int, kept: int
) -> None:
    history = _history(3)
    built = _builder(history_budget=budget).build(
        question=QUESTION, sources=sources, history=history
    )
    middle = built.messages[1:-1]
    expected = history[len(history) - 2 * kept :] if kept else ()
    assert [m.text for m in middle] == [m.content for m in expected]
    assert built.history_turns_used == kept
    assert built.history_truncated is True


@pytest.mark.parametrize(("max_turns", "kept"), [(0, 0), (1, 1), (2, 2), (5, 4)])
def test_history_max_turns_limits_turns(
    sources: list[RetrievedChunk], max_turns: int, kept: int
) -> None:
    history = _history(4)
    built = _builder(history_max_turns=max_turns).build(
        question=QUESTION, sources=sources, history=history
    )
    assert built.history_turns_used == kept
    assert len(built.messages) == 2 + 2 * kept
    if kept:
        assert built.messages[1].text == history[-2 * kept].content
    assert built.history_truncated is (kept < 4)


@pytest.mark.parametrize("context_window", [700, 900, 1100])
def test_tiny_context_window_drops_lowest_ranked_sources(
    sources: list[RetrievedChunk], context_window: int
) -> None:
    model = _model(context_window=context_window, max_answer_tokens=128)
    builder = PromptBuilder(chat_model=model, history_max_turns=6, history_budget=1024)
    built = builder.build(question=QUESTION, sources=sources, history=_history(2))

    kept = len(built.sources)
    assert 1 <= kept < len(sources)
    assert built.sources == sources[:kept]
    assert f"[{kept}]" in (built.messages[-1].text or "")
    assert f"[{kept + 1}]" not in (built.messages[-1].text or "")
    assert _estimated_tokens(model, built) + model.max_answer_tokens <= context_window

    # One more source would not have fitted.
    roomy = _builder().build(question=QUESTION, sources=sources[: kept + 1], history=())
    bigger_question = model.estimate_tokens(roomy.messages[-1].text or "")
    system = model.estimate_tokens(SYSTEM_PROMPT)
    assert system + bigger_question + model.max_answer_tokens > context_window - 64


def test_history_uses_only_room_left_by_sources(sources: list[RetrievedChunk]) -> None:
    model = _model(context_window=1500, max_answer_tokens=128)
    builder = PromptBuilder(chat_model=model, history_max_turns=20, history_budget=10_000)
    built = builder.build(question=QUESTION, sources=sources, history=_history(20))
    assert 0 < built.history_turns_used < 20
    assert built.history_truncated is True
    assert _estimated_tokens(model, built) + model.max_answer_tokens <= model.context_window


def test_history_messages_are_chat_messages(sources: list[RetrievedChunk]) -> None:
    built = _builder().build(question=QUESTION, sources=sources, history=_history(1))
    assert all(isinstance(m, ChatMessage) for m in built.messages)
    assert [m.role.value for m in built.messages] == ["system", "user", "assistant", "user"]


def test_prompt_variants_change_the_system_message_and_question_placement(
    sources: list[RetrievedChunk],
) -> None:
    builder = BudgetedPromptBuilder(system_prompt="system.txt", question_position="both")
    out = builder.run(question=QUESTION, sources=sources)
    system, user = out["prompt"][0].text or "", out["prompt"][-1].text or ""
    assert system != SYSTEM_PROMPT and "Example." not in system and "Example." in SYSTEM_PROMPT
    assert user.count(QUESTION) == 2
    assert user.index(QUESTION) < user.index("[1]") < user.rindex(QUESTION)
    plain = BudgetedPromptBuilder().run(question=QUESTION, sources=sources)["prompt"][-1].text
    assert (plain or "").count(QUESTION) == 1


def test_an_unknown_system_prompt_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown system prompt"):
        BudgetedPromptBuilder(system_prompt="../../etc/passwd")
