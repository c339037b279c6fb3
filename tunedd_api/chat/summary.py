"""Conversation summaries: summary, key findings with citations, open questions, action items.

The LLM writes JSON shaped like :class:`SummaryDraft` through ``structured_output`` (schema as
a llama.cpp grammar or Ollama's ``format``, lenient parse, validation). On timeout, backend
error or invalid output the extractive summary is returned instead, with the reason. Either way
each key finding is a full sentence with the citations of the answer it comes from
(``chat.findings``: labels and unattributed findings are replaced or re-attributed). Summaries
are cached per conversation until it changes (a fallback only for a minute, so the LLM is tried
again).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Annotated, Callable, Literal

from haystack.dataclasses import ChatMessage
from pydantic import BaseModel, Field, WithJsonSchema

from tunedd_api.chat.conversations import Conversation, ConversationStore
from tunedd_api.chat.extractive import SummaryContent, exchanges, extractive_summary
from tunedd_api.chat.findings import Draft, complete_findings, ground_findings
from tunedd_api.components.generator import GuardedChatGenerator
from tunedd_api.prompts import load_prompt
from tunedd_api.turns import History, Message, estimate_tokens
from tunedd_api.errors import TunedDError
from tunedd_api.structured_output import generate_structured

logger = logging.getLogger(__name__)

SUMMARY_SYSTEM_PROMPT = load_prompt("summary_system.txt")
_ANSWER_CHARS = 600
#: A fallback summary is served again for this long before the LLM is retried.
_FALLBACK_TTL_S = 60.0
_MARKER = re.compile(r"\s*\[\d+\]")


class _DraftFinding(BaseModel):
    #: The number n of the answer An it comes from; asked for first, so the model picks the
    #: answer before writing about it. A backend without a grammar may omit it.
    answer: Annotated[int | None, WithJsonSchema({"type": "integer"})] = None
    finding: str = Field(min_length=1, max_length=600)


class SummaryDraft(BaseModel):
    """The JSON the LLM must produce."""

    summary: str = Field(min_length=1, max_length=1500)
    key_findings: list[_DraftFinding] = Field(default_factory=list, max_length=10)
    open_questions: list[str] = Field(default_factory=list, max_length=10)
    action_items: list[str] = Field(default_factory=list, max_length=10)


@dataclass(frozen=True)
class ConversationSummary(SummaryContent):
    """A summary and how it was made."""

    method: Literal["llm", "extractive", "empty"] = "llm"
    fallback_reason: str | None = None
    message_count: int = 0
    generated_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))


class Summarizer:
    """Summarises conversations with the LLM, falling back to the extractive summary."""

    def __init__(
        self,
        *,
        chat_model: GuardedChatGenerator,
        not_found_answer: str,
        timeout_s: float,
        max_tokens: int = 512,
    ) -> None:
        self._model = chat_model
        self._not_found = not_found_answer
        self._timeout_s = timeout_s
        self._max_tokens = max_tokens

    def summarize(self, conversation: Conversation) -> ConversationSummary:
        """A summary of ``conversation`` (blocking)."""
        messages = conversation.messages
        count = len(messages)
        if not exchanges(messages):
            empty = extractive_summary(messages, self._not_found)
            return ConversationSummary(**empty.__dict__, method="empty", message_count=count)
        try:
            content = self._llm_summary(messages)
            return ConversationSummary(**content.__dict__, method="llm", message_count=count)
        except TunedDError as error:  # timeout, backend down, unusable JSON
            reason = error.message
            logger.info("LLM summary unavailable (%s); using the extractive one", reason)
            fallback = self._extractive(messages)
            return ConversationSummary(
                **fallback.__dict__,
                method="extractive",
                fallback_reason=reason,
                message_count=count,
            )

    def _llm_summary(self, messages: tuple[Message, ...]) -> SummaryContent:
        pairs = list(self._fit(messages).exchanges)
        transcript = "\n".join(
            f"Q{i}: {q.content}\nA{i}: {_MARKER.sub('', a.content)[:_ANSWER_CHARS]}"
            for i, (q, a) in enumerate(pairs, 1)
        )
        draft = generate_structured(
            self._model,
            [ChatMessage.from_system(SUMMARY_SYSTEM_PROMPT), ChatMessage.from_user(transcript)],
            SummaryDraft,
            timeout_s=self._timeout_s,
            max_tokens=self._max_tokens,
        )
        findings = ground_findings([Draft(f.finding, f.answer) for f in draft.key_findings], pairs)
        if not findings:  # none given, or none the answers back: cited answer sentences
            findings = self._extractive(messages).key_findings
        return SummaryContent(
            summary=draft.summary.strip(),
            key_findings=findings,
            open_questions=[q.strip() for q in draft.open_questions if q.strip()],
            action_items=[a.strip() for a in draft.action_items if a.strip()],
        )

    def _extractive(self, messages: tuple[Message, ...]) -> SummaryContent:
        """The extractive summary, its findings completed with their answers' citations."""
        content = extractive_summary(messages, self._not_found)
        findings = complete_findings(content.key_findings, exchanges(messages))
        return replace(content, key_findings=findings)

    def _fit(self, messages: tuple[Message, ...]) -> History:
        """The most recent exchanges that fit the context window with the answer budget."""
        budget = (
            self._model.context_window
            - self._max_tokens
            - estimate_tokens(SUMMARY_SYSTEM_PROMPT)
            - 64
        )
        recent, _ = History.of(messages).recent(
            budget, estimate=estimate_tokens, answer_chars=_ANSWER_CHARS
        )
        return recent


class SummaryService:
    """Serves summaries, cached with the conversation until it gets new messages.

    :param clock: Monotonic seconds (injected by tests).
    """

    def __init__(
        self,
        *,
        conversations: ConversationStore,
        summarizer: Summarizer,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._conversations = conversations
        self._summarizer = summarizer
        self._clock = clock

    async def get(self, conversation_id: uuid.UUID) -> tuple[ConversationSummary, bool]:
        """The summary and whether it came from the cache."""
        # 404 before waiting; the store may be a database, so off the event loop.
        session = await asyncio.to_thread(self._conversations.session, conversation_id)
        async with session.summary_lock:
            conversation = await asyncio.to_thread(self._conversations.get, conversation_id)
            version = (
                len(conversation.messages),
                conversation.messages[-1].id if conversation.messages else None,
            )
            cached = session.summary
            if cached is not None and cached[0] == version and self._clock() < cached[1]:
                return cached[2], True
            summary = await asyncio.to_thread(self._summarizer.summarize, conversation)
            expires = self._clock() + (
                _FALLBACK_TTL_S if summary.method == "extractive" else float("inf")
            )
            session.summary = (version, expires, summary)
            return summary, False
