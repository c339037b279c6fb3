"""Builds the chat prompt: system rules, earlier turns under a token budget, sources, question.

Budgets are enforced here so prompt + history + sources + the answer always fit the model's
context window (llama.cpp errors and Ollama silently truncates when they do not): the
lowest-ranked sources go first, then the oldest turns. The sources message is rendered by
Haystack's ``ChatPromptBuilder``; this component adds the budget, which it has no notion of.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any, Literal

from haystack import component
from haystack.components.builders import ChatPromptBuilder
from haystack.dataclasses import ChatMessage

from tunedd_api.prompts import load_prompt, load_template
from tunedd_api.turns import History, RetrievedChunk, estimate_tokens

#: System prompt variants compared in docs/EVALUATION.md (file names in tunedd_api/prompts/);
#: the rules with a worked citation example answered 43 of 61 answerable questions correctly,
#: the rules alone 35.
SYSTEM_PROMPTS = (
    "system_example.txt",
    "system.txt",
    "system_extractive.txt",
    "system_example_lists.txt",
)
DEFAULT_SYSTEM_PROMPT = SYSTEM_PROMPTS[0]
SYSTEM_PROMPT = load_prompt(DEFAULT_SYSTEM_PROMPT)
QUESTION_TEMPLATE = load_template("question.jinja2")
#: Chat-template control tokens (ChatML, Llama, Phi, Mistral). Text from a PDF or a user that
#: contains them could otherwise close the user turn and open a fake system turn, because
#: llama.cpp tokenizes the rendered template with special tokens enabled.
_CONTROL_TOKENS = re.compile(r"<\|[A-Za-z0-9_]{1,32}\|>|\[/?INST\]|<</?SYS>>|</?s>", re.IGNORECASE)
#: Headroom for chat-template tokens and estimation error.
_SAFETY_TOKENS = 64


def strip_control_tokens(text: str) -> str:
    """``text`` without chat-template control tokens (the words around them stay)."""
    return _CONTROL_TOKENS.sub(" ", text)


@component
class BudgetedPromptBuilder:
    """Fits system prompt, history and numbered sources into the model's context window.

    :param context_window: Tokens the model reads at most.
    :param max_answer_tokens: Tokens kept free for the answer.
    :param history_max_turns: Most earlier exchanges included.
    :param history_budget: Most tokens the earlier exchanges may take.
    :param system_prompt: The system prompt's file (one of ``SYSTEM_PROMPTS``).
    :param question_position: The question ``after`` the sources, or ``both`` before and after.
    """

    def __init__(
        self,
        *,
        context_window: int = 4096,
        max_answer_tokens: int = 384,
        history_max_turns: int = 3,
        history_budget: int = 1024,
        system_prompt: str = DEFAULT_SYSTEM_PROMPT,
        question_position: Literal["after", "both"] = "after",
    ) -> None:
        if system_prompt not in SYSTEM_PROMPTS:
            raise ValueError(f"unknown system prompt {system_prompt!r}; one of {SYSTEM_PROMPTS}")
        self.context_window = context_window
        self.max_answer_tokens = max_answer_tokens
        self.history_max_turns = history_max_turns
        self.history_budget = history_budget
        self.system_prompt = system_prompt
        self.question_position = question_position
        self._system = load_prompt(system_prompt)
        self._question = ChatPromptBuilder(
            template=[ChatMessage.from_user(QUESTION_TEMPLATE)], required_variables="*"
        )

    @component.output_types(
        prompt=list[ChatMessage],
        sources=list[RetrievedChunk],
        history_turns_used=int,
        history_truncated=bool,
    )
    def run(
        self, question: str, sources: list[RetrievedChunk], history: History | None = None
    ) -> dict[str, Any]:
        """The prompt messages.

        :param question: The question to answer.
        :param sources: Retrieved chunks, best first; numbered ``[1]``… in the prompt.
        :param history: Earlier exchanges.
        :returns: ``prompt``; ``sources``: those that fit (the numbering the answer cites);
            ``history_turns_used``; ``history_truncated``: whether turns were left out.
        """
        history = history or History()
        available = (
            self.context_window
            - self.max_answer_tokens
            - estimate_tokens(self._system)
            - _SAFETY_TOKENS
        )
        sources = list(sources)
        question_message = self._render(question, sources)
        while len(sources) > 1 and estimate_tokens(question_message.text or "") > available:
            sources.pop()
            question_message = self._render(question, sources)
        remaining = available - estimate_tokens(question_message.text or "")
        kept, truncated = history.recent(
            min(remaining, self.history_budget),
            estimate=estimate_tokens,
            max_turns=self.history_max_turns,
        )
        turns = [
            message
            for user, assistant in kept.exchanges
            for message in (
                ChatMessage.from_user(strip_control_tokens(user.content)),
                ChatMessage.from_assistant(strip_control_tokens(assistant.content)),
            )
        ]
        return {
            "prompt": [ChatMessage.from_system(self._system), *turns, question_message],
            "sources": sources,
            "history_turns_used": len(kept),
            "history_truncated": truncated,
        }

    @component.output_types(
        prompt=list[ChatMessage],
        sources=list[RetrievedChunk],
        history_turns_used=int,
        history_truncated=bool,
    )
    async def run_async(
        self, question: str, sources: list[RetrievedChunk], history: History | None = None
    ) -> dict[str, Any]:
        """Like ``run``, on the event loop: it is cheap, so a thread hop would cost more.

        :param question: The question to answer.
        :param sources: Retrieved chunks, best first.
        :param history: Earlier exchanges.
        :returns: As ``run``.
        """
        return self.run(question=question, sources=sources, history=history)

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
        rendered = self._question.run(
            question=strip_control_tokens(question),
            sources=safe_sources,
            question_first=self.question_position == "both",
        )
        return rendered["prompt"][0]
