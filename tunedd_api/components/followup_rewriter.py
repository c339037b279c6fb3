"""Turns a follow-up ("what about its limitations?") into a standalone search query.

Cheap heuristics decide first: in a conversation with history, a short message with a pronoun
or a connective opener, a message pointing back ("the last of those"), or one naming a member of
what the previous question asked for ("What phases …?" then "In the learning phase, …") is
treated as a follow-up. Only then, and only in ``llm`` mode, the chat model rewrites it (short
prompt, tight token and time limits). A rewrite that is empty, rambling or shares no word with
the earlier turn is rejected, and so are model errors and timeouts: the fallback is the previous
question joined with the message, which keeps the referent in the embedding. Own component: the
stock query-rewriting recipes call the LLM on every turn, which costs ~6 s per message on the
embedded stack.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any, Literal

from haystack import component, default_from_dict, default_to_dict
from haystack.dataclasses import ChatMessage

from tunedd_api.components.nesting import nested_from_dict, nested_to_dict
from tunedd_api.components.generator import GuardedChatGenerator
from tunedd_api.components.grounding import content_words, word_stem
from tunedd_api.errors import TunedDError
from tunedd_api.prompts import load_prompt
from tunedd_api.turns import History

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
#: Pronouns standing for something said before, whatever the message's length: "the last of
#: those", "among them", "the latter", "what are its drawbacks?" at the end of a question.
_POINTS_BACK = re.compile(
    r"\b(of|among|from|between|each of|both of|all of)\s+(those|these|them)\b"
    r"|\bthe\s+(former|latter|same one|last one|first one)\b"
    r"|\b(those|these|them|it)\s*[?.!]\s*$",
    re.IGNORECASE,
)
#: "What phases", "which structural types": the words naming what a question asks for.
_ASKED_FOR = re.compile(r"\b(?:what|which)\s+((?:[a-z][\w-]*\s+){0,2}[a-z][\w-]*)", re.IGNORECASE)
#: A definite noun phrase: "the learning phase", "this second step".
_DEFINITE = re.compile(r"\b(?:the|this|that)\s+((?:[a-z][\w-]*\s+){0,1}[a-z][\w-]*)", re.IGNORECASE)
_SHORT_WORDS = 12
_ANSWER_CONTEXT_CHARS = 400
_PREFIX = re.compile(r"^\s*(standalone question|question|rewritten)\s*:\s*", re.IGNORECASE)
REWRITE_SYSTEM_PROMPT = load_prompt("rewrite_system.txt")


@dataclass(frozen=True)
class StandaloneQuery:
    """The text used for retrieval and how it was obtained."""

    text: str
    method: Literal["none", "heuristic", "llm"]


def needs_context(message: str, previous_question: str | None = None) -> bool:
    """True when the message is probably not understandable on its own."""
    if _POINTS_BACK.search(message) or names_one_of(message, previous_question or ""):
        return True
    if len(message.split()) > _SHORT_WORDS:
        return False
    return bool(_REFERRING.search(message) or _OPENERS.search(message))


def names_one_of(message: str, previous_question: str) -> bool:
    """True when ``message`` has a definite phrase with a word of what the previous question asked
    for: "In the learning phase, …" after "What phases make up …?" names one of those phases."""
    asked = {
        word_stem(w) for m in _ASKED_FOR.finditer(previous_question) for w in content_words(m[1])
    }
    named = {word_stem(w) for m in _DEFINITE.finditer(message) for w in content_words(m[1])}
    return bool(asked & named)


@component
class FollowUpRewriter:
    """Makes follow-up messages standalone for retrieval.

    :param generator: The chat generator asked to rewrite (only in ``llm`` mode).
    :param mode: ``llm``, ``heuristic`` (previous question + message) or ``off``.
    :param timeout_s: Deadline of the rewrite call.
    :param max_tokens: Longest rewrite.
    """

    def __init__(
        self,
        *,
        generator: GuardedChatGenerator,
        mode: RewriteMode = "llm",
        timeout_s: float = 30.0,
        max_tokens: int = 64,
    ) -> None:
        self.generator = generator
        self.mode = mode
        self.timeout_s = timeout_s
        self.max_tokens = max_tokens

    def to_dict(self) -> dict[str, Any]:
        """Serialise, including the generator."""
        return default_to_dict(
            self,
            generator=nested_to_dict(self.generator),
            mode=self.mode,
            timeout_s=self.timeout_s,
            max_tokens=self.max_tokens,
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "FollowUpRewriter":
        """Rebuild, including the generator."""
        return default_from_dict(cls, nested_from_dict(data, "generator"))

    @component.output_types(query=str, method=str, question=str)
    def run(self, question: str, history: History | None = None) -> dict[str, Any]:
        """The retrieval query for ``question``.

        :param question: The user's message.
        :param history: Earlier exchanges of the conversation.
        :returns: ``query``: text to retrieve with; ``method``: ``none``, ``heuristic`` or
            ``llm``; ``question``: the question the prompt should carry (the rewrite when the
            model made one, else the message itself).
        """
        rewritten = self.rewrite(question, history or History())
        prompt_question = rewritten.text if rewritten.method == "llm" else question
        return {"query": rewritten.text, "method": rewritten.method, "question": prompt_question}

    def rewrite(self, message: str, history: History) -> StandaloneQuery:
        """The standalone query for ``message`` (blocking when the LLM is asked)."""
        if self.mode == "off" or not history or not needs_context(message, history.last_question):
            return StandaloneQuery(message, "none")
        fallback = StandaloneQuery(f"{history.last_question} {message}", "heuristic")
        if self.mode == "heuristic":
            return fallback
        try:
            generation = self.generator.generate(
                self._prompt(message, history),
                timeout_s=self.timeout_s,
                max_tokens=self.max_tokens,
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
    def _prompt(message: str, history: History) -> list[ChatMessage]:
        transcript = (
            f"Previous question: {history.last_question}\n"
            f"Previous answer: {(history.last_answer or '')[:_ANSWER_CONTEXT_CHARS]}\n"
            f"Follow-up: {message}\n"
            "Standalone question:"
        )
        return [ChatMessage.from_system(REWRITE_SYSTEM_PROMPT), ChatMessage.from_user(transcript)]


def _clean(text: str) -> str:
    first_line = next((line for line in text.strip().splitlines() if line.strip()), "")
    return _PREFIX.sub("", first_line).strip().strip('"').strip()


def _acceptable(rewritten: str, message: str, history: History) -> bool:
    """Non-empty, not rambling, and it must name something from the earlier turn."""
    if not rewritten or len(rewritten) > max(300, 3 * len(message)):
        return False
    earlier = f"{history.last_question} {history.last_answer}"
    new_words = content_words(rewritten) - content_words(message)
    return bool(new_words & content_words(earlier))
