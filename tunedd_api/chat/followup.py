"""Turns a follow-up ("what about its limitations?") into a standalone search query.

Cheap heuristics decide first: only a short message with a pronoun or a connective opener, in a
conversation with history, is treated as a follow-up. Only then, and only in ``llm`` mode, the
chat model rewrites it (short prompt, tight token and time limits). A rewrite that is empty,
rambling or shares no word with the earlier turn is rejected, and so are model errors and
timeouts: the fallback is the previous question joined with the message, which keeps the
referent in the embedding.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Literal

from haystack.dataclasses import ChatMessage

from tunedd_api.backends.generation import ChatModel
from tunedd_api.chat.conversations import Message
from tunedd_api.chat.grounding import content_words
from tunedd_api.chat.prompt import load_prompt
from tunedd_api.errors import TunedDError

logger = logging.getLogger(__name__)

RewriteMode = Literal["llm", "heuristic", "off"]

_REFERRING = re.compile(
    r"\b(it|its|they|them|their|this|that|these|those|he|she|his|her|the paper|the authors"
    r"|the former|the latter|the same|above|there)\b",
    re.IGNORECASE,
)
_OPENERS = re.compile(
    r"^\s*(and|also|what about|how about|why|so|then|more|but|or|which one|what else)\b",
    re.IGNORECASE,
)
_SHORT_WORDS = 12
_ANSWER_CONTEXT_CHARS = 400
_PREFIX = re.compile(r"^\s*(standalone question|question|rewritten)\s*:\s*", re.IGNORECASE)
REWRITE_SYSTEM_PROMPT = load_prompt("rewrite_system.txt")


@dataclass(frozen=True)
class StandaloneQuery:
    """The text used for retrieval and how it was obtained."""

    text: str
    method: Literal["none", "heuristic", "llm"]


def needs_context(message: str) -> bool:
    """True when the message is probably not understandable on its own."""
    if len(message.split()) > _SHORT_WORDS:
        return False
    return bool(_REFERRING.search(message) or _OPENERS.search(message))


class QueryRewriter:
    """Makes follow-up messages standalone for retrieval."""

    def __init__(
        self,
        *,
        chat_model: ChatModel,
        mode: RewriteMode = "llm",
        timeout_s: float = 30.0,
        max_tokens: int = 64,
    ) -> None:
        self._model = chat_model
        self._mode = mode
        self._timeout_s = timeout_s
        self._max_tokens = max_tokens

    def rewrite(self, message: str, history: tuple[Message, ...]) -> StandaloneQuery:
        """The standalone query for ``message`` (blocking when the LLM is asked)."""
        questions = [m for m in history if m.role == "user"]
        if self._mode == "off" or not questions or not needs_context(message):
            return StandaloneQuery(message, "none")
        fallback = StandaloneQuery(f"{questions[-1].content} {message}", "heuristic")
        if self._mode == "heuristic":
            return fallback
        try:
            generation = self._model.generate(
                self._prompt(message, history),
                timeout_s=self._timeout_s,
                max_tokens=self._max_tokens,
            )
        except TunedDError as error:
            logger.info("Query rewrite failed (%s); using the heuristic query", error.message)
            return fallback
        rewritten = _clean(generation.text)
        if not _acceptable(rewritten, message, history):
            logger.info("Rejected query rewrite %r for %r", rewritten, message)
            return fallback
        return StandaloneQuery(rewritten, "llm")

    @staticmethod
    def _prompt(message: str, history: tuple[Message, ...]) -> list[ChatMessage]:
        last_question = next(m.content for m in reversed(history) if m.role == "user")
        last_answer = next((m.content for m in reversed(history) if m.role == "assistant"), "")
        transcript = (
            f"Previous question: {last_question}\n"
            f"Previous answer: {last_answer[:_ANSWER_CONTEXT_CHARS]}\n"
            f"Follow-up: {message}\n"
            "Standalone question:"
        )
        return [ChatMessage.from_system(REWRITE_SYSTEM_PROMPT), ChatMessage.from_user(transcript)]


def _clean(text: str) -> str:
    first_line = next((line for line in text.strip().splitlines() if line.strip()), "")
    return _PREFIX.sub("", first_line).strip().strip('"').strip()


def _acceptable(rewritten: str, message: str, history: tuple[Message, ...]) -> bool:
    """Non-empty, not rambling, and it must name something from the earlier turn."""
    if not rewritten or len(rewritten) > max(300, 3 * len(message)):
        return False
    earlier = " ".join(m.content for m in history[-2:])
    new_words = content_words(rewritten) - content_words(message)
    return bool(new_words & content_words(earlier))
