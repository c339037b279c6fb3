"""Builds the chat prompt: system rules, earlier turns under a token budget, sources, question.

Budgets are enforced here so prompt + history + sources + the answer always fit the model's
context window (llama.cpp errors and Ollama silently truncates when they do not).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

from haystack.components.builders import ChatPromptBuilder
from haystack.dataclasses import ChatMessage

from tunedd_api.backends.generation import ChatModel
from tunedd_api.chat.conversations import Message
from tunedd_api.chat.retrieval import RetrievedChunk

PROMPTS_DIR = Path(__file__).parent / "prompts"


def load_prompt(name: str) -> str:
    """A prompt file from ``chat/prompts`` (kept out of the code so it can be reviewed alone)."""
    return (PROMPTS_DIR / name).read_text(encoding="utf-8").strip()


SYSTEM_PROMPT = load_prompt("system.txt")
QUESTION_TEMPLATE = (PROMPTS_DIR / "question.jinja2").read_text(encoding="utf-8")
#: Chat-template control tokens (ChatML, Llama, Phi, Mistral). Text from a PDF or a user that
#: contains them could otherwise close the user turn and open a fake system turn, because
#: llama.cpp tokenizes the rendered template with special tokens enabled.
_CONTROL_TOKENS = re.compile(r"<\|[A-Za-z0-9_]{1,32}\|>|\[/?INST\]|<</?SYS>>|</?s>", re.IGNORECASE)


def strip_control_tokens(text: str) -> str:
    """``text`` without chat-template control tokens (the words around them stay)."""
    return _CONTROL_TOKENS.sub(" ", text)


#: Headroom for chat-template tokens and estimation error.
_SAFETY_TOKENS = 64


@dataclass(frozen=True)
class BuiltPrompt:
    """The messages for the LLM and what had to be left out to fit."""

    messages: list[ChatMessage]
    sources: list[RetrievedChunk]
    history_turns_used: int
    history_truncated: bool


class PromptBuilder:
    """Fits system prompt, history and sources into the chat model's context window."""

    def __init__(self, *, chat_model: ChatModel, history_max_turns: int, history_budget: int):
        self._model = chat_model
        self._history_max_turns = history_max_turns
        self._history_budget = history_budget
        self._question = ChatPromptBuilder(
            template=[ChatMessage.from_user(QUESTION_TEMPLATE)], required_variables="*"
        )

    def build(
        self, *, question: str, sources: list[RetrievedChunk], history: tuple[Message, ...]
    ) -> BuiltPrompt:
        """Prompt messages; drops the lowest-ranked sources, then the oldest turns, to fit."""
        available = (
            self._model.context_window
            - self._model.max_answer_tokens
            - self._model.estimate_tokens(SYSTEM_PROMPT)
            - _SAFETY_TOKENS
        )
        sources = list(sources)
        question_message = self._render(question, sources)
        while len(sources) > 1 and self._tokens(question_message) > available:
            sources.pop()
            question_message = self._render(question, sources)
        remaining = available - self._tokens(question_message)
        turns, truncated = self._fit_history(history, min(remaining, self._history_budget))
        messages = [ChatMessage.from_system(SYSTEM_PROMPT), *turns, question_message]
        return BuiltPrompt(
            messages=messages,
            sources=sources,
            history_turns_used=len(turns) // 2,
            history_truncated=truncated,
        )

    def _render(self, question: str, sources: list[RetrievedChunk]) -> ChatMessage:
        safe_sources = [
            replace(
                s,
                document=replace(
                    s.document, content=strip_control_tokens(s.document.content or "")
                ),
            )
            for s in sources
        ]
        return self._question.run(question=strip_control_tokens(question), sources=safe_sources)[
            "prompt"
        ][0]

    def _tokens(self, message: ChatMessage) -> int:
        return self._model.estimate_tokens(message.text or "")

    def _fit_history(
        self, history: tuple[Message, ...], budget: int
    ) -> tuple[list[ChatMessage], bool]:
        """Most recent question/answer pairs that fit ``budget``, oldest first."""
        pairs = [
            (history[i], history[i + 1])
            for i in range(0, len(history) - 1, 2)
            if history[i].role == "user" and history[i + 1].role == "assistant"
        ]
        kept: list[ChatMessage] = []
        used = 0
        for user, assistant in reversed(
            pairs[-self._history_max_turns :] if self._history_max_turns else []
        ):
            cost = self._model.estimate_tokens(user.content + assistant.content) + 8
            if used + cost > budget:
                break
            kept[:0] = [
                ChatMessage.from_user(strip_control_tokens(user.content)),
                ChatMessage.from_assistant(strip_control_tokens(assistant.content)),
            ]
            used += cost
        return kept, len(kept) // 2 < len(pairs)
