"""The chat use case: one question in, one grounded, cited answer out, through the chat graph.

``answer`` runs one turn of the chat pipeline (rewrite → scoped retrieval → gate → prompt →
LLM, streamed → verified citations) for a question, an explicit history and a document scope;
``/v1/chat/completions`` calls it with the client's history. ``send`` is the conversation
variant: it holds the conversation's turn lock (across API processes on PostgreSQL), loads the
stored history, and stores the question with its answer only once the answer is complete (a
client that leaves stores nothing).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import uuid
from typing import Any, Callable

from haystack import Pipeline
from haystack.core.errors import PipelineRuntimeError

from tunedd_api.chat.conversations import Conversation, ConversationStore
from tunedd_api.chat.events import ChatTurn, OnEvent, RetrievalDone, TokenStreamed
from tunedd_api.components.followup_rewriter import StandaloneQuery
from tunedd_api.components.generator import GuardedChatGenerator
from tunedd_api.errors import InvalidInputError, TunedDError
from tunedd_api.settings import Settings
from tunedd_api.turns import Answer, History, Message

logger = logging.getLogger(__name__)

#: C0/C1 control characters other than tab and line breaks (NUL, escape sequences, ...).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: Components whose outputs the turn reads besides the final answer.
_OBSERVED = {"rewriter", "retriever", "selector", "prompt_builder", "generator", "answer"}
#: Stage name of each observed component, in graph order.
_STAGES = {
    "rewriter": "rewrite_s",
    "retriever": "retrieval_s",
    "selector": "selection_s",
    "prompt_builder": "prompt_s",
    "generator": "generation_s",
    "answer": "verification_s",
}


class ChatService:
    """Answers questions within a document scope by running the chat pipeline."""

    def __init__(
        self,
        *,
        pipeline: Pipeline,
        conversations: ConversationStore,
        chat_model: GuardedChatGenerator,
        settings: Settings,
        check_scope: Callable[[list[str]], None] | None = None,
        default_scope: Callable[[str | None], list[str] | None] | None = None,
    ) -> None:
        self._pipeline = pipeline
        self._conversations = conversations
        self._model = chat_model
        self._settings = settings
        # Raises DocumentsRemovedError when a conversation's documents were deleted since.
        self._check_scope = check_scope
        # The documents an unscoped conversation of an API key may use (None: all).
        self._default_scope = default_scope

    @property
    def model(self) -> GuardedChatGenerator:
        """The chat model answering messages."""
        return self._model

    def clean_question(self, text: str) -> str:
        """The question without surrounding space; raises for a blank, oversized or
        control-character message."""
        question = text.strip()
        if not question:
            raise InvalidInputError("message must not be blank")
        limit = self._settings.max_message_chars
        if len(question) > limit:
            raise InvalidInputError(f"message is {len(question)} characters; the limit is {limit}")
        if _CONTROL.search(question):
            raise InvalidInputError("message contains control characters")
        return question

    def validate(self, conversation_id: uuid.UUID, text: str) -> str:
        """The cleaned question; raises for a bad message, a full conversation, an unknown
        one, or one scoped to documents that were removed since (409 documents_removed)."""
        question = self._admit(conversation_id, text)
        self._ensure_scope(self._conversations.get(conversation_id))
        return question

    def _admit(self, conversation_id: uuid.UUID, text: str) -> str:
        question = self.clean_question(text)
        self._conversations.ensure_room(conversation_id, 2)  # also 404 for unknown ids
        return question

    def _ensure_scope(self, conversation: Conversation) -> None:
        scope = conversation.document_ids
        if scope is not None and self._check_scope is not None:
            self._check_scope(list(scope))

    async def send(
        self, conversation_id: uuid.UUID, text: str, *, on_event: OnEvent | None = None
    ) -> ChatTurn:
        """Answer ``text`` in the conversation and store both turns together."""
        # The store may be a database: its calls run off the event loop.
        question = await asyncio.to_thread(self._admit, conversation_id, text)
        # Held across processes on PostgreSQL: a turn sent to another replica waits here and
        # then reads this turn in its history.
        async with self._conversations.turn_locks.hold(conversation_id):
            conversation = await asyncio.to_thread(self._conversations.get, conversation_id)
            self._ensure_scope(conversation)
            ids = conversation.document_ids
            scope = list(ids) if ids is not None else None
            if scope is None and self._default_scope is not None:
                scope = await asyncio.to_thread(self._default_scope, conversation.owner)
            turn = await self.answer(
                question, History.of(conversation.messages), scope, on_event=on_event
            )
            await asyncio.to_thread(
                self._conversations.append,
                conversation_id,
                [Message(role="user", content=question), turn.message],
            )
            return turn

    async def answer(
        self,
        question: str,
        history: History,
        scope: list[str] | None,
        *,
        on_event: OnEvent | None = None,
    ) -> ChatTurn:
        """Run one chat turn for ``question`` after ``history`` within ``scope`` (None: all).

        Events go to ``on_event`` as they happen: retrieval done, then streamed tokens.
        Domain errors (model busy or timed out, backend down) surface as themselves.
        """
        emit = on_event or _ignore
        data: dict[str, dict[str, Any]] = {
            "rewriter": {"question": self.clean_question(question), "history": history},
            "retriever": {"document_ids": scope},
            "prompt_builder": {"history": history},
            "generator": {"streaming_callback": lambda chunk: emit(TokenStreamed(chunk.content))},
        }
        outputs: dict[str, dict[str, Any]] = {}
        finished: dict[str, float] = {"start": time.perf_counter()}
        try:
            async for partial in self._pipeline.run_async_generator(
                data, include_outputs_from=_OBSERVED, concurrency_limit=1
            ):
                retrieved = "retriever" in partial and "retriever" not in outputs
                for name in partial:
                    finished.setdefault(name, time.perf_counter())
                outputs.update(partial)
                if retrieved:  # the last partial repeats earlier outputs
                    emit(RetrievalDone(_query(outputs), partial["retriever"]["relevant"]))
        except PipelineRuntimeError as error:
            cause = error.__cause__
            if isinstance(cause, TunedDError):
                raise cause from None
            raise
        return _turn(outputs, _timings(finished, outputs))


def _timings(finished: dict[str, float], outputs: dict[str, dict[str, Any]]) -> dict[str, float]:
    """Seconds each stage took (from the previous stage's end) and the model's counters."""
    timings: dict[str, float] = {}
    previous = finished["start"]
    for name, stage in _STAGES.items():
        if name in finished:
            timings[stage] = round(finished[name] - previous, 3)
            previous = finished[name]
    timings["total_s"] = round(previous - finished["start"], 3)
    replies = outputs.get("generator", {}).get("replies") or []
    meta = replies[0].meta if replies else {}
    if meta.get("first_token_s") is not None:
        timings["model_first_token_s"] = meta["first_token_s"]
    stats = meta.get("stats") or {}
    timings.update({key: value for key, value in stats.items()})
    if stats.get("prefill_ms"):
        timings["prefill_tok_s"] = round(
            stats["prompt_tokens_evaluated"] / (stats["prefill_ms"] / 1000), 1
        )
    if stats.get("decode_ms"):
        timings["decode_tok_s"] = round(stats["decode_tokens"] / (stats["decode_ms"] / 1000), 1)
    return timings


def _query(outputs: dict[str, dict[str, Any]]) -> StandaloneQuery:
    rewritten = outputs["rewriter"]
    return StandaloneQuery(rewritten["query"], rewritten["method"])


def _turn(outputs: dict[str, dict[str, Any]], timings: dict[str, float]) -> ChatTurn:
    answer: Answer = outputs["answer"]["value"]
    query = _query(outputs)
    built = outputs.get("prompt_builder", {})
    message = Message(
        role="assistant",
        content=answer.text,
        citations=answer.citations,
        retrieval_query=query.text,
        groundedness=answer.groundedness,
    )
    return ChatTurn(
        message=message,
        answer=answer,
        sources=built.get("sources", []),
        query=query,
        history_turns_used=built.get("history_turns_used", 0),
        history_truncated=built.get("history_truncated", False),
        timings=timings,
    )


def _ignore(_event: Any) -> None:
    return None
