"""The chat use case: one user message in, one grounded, cited answer out.

Message → standalone query → scoped retrieval → prompt → LLM (streamed) → verified citations
→ stored turn.
Blocking work (embedding, store queries, generation) runs in threads, off the event loop;
messages of one conversation are serialised so its history is never interleaved.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

from tunedd_api.backends.generation import ChatModel
from tunedd_api.chat.citations import DroppedCitation, verify_citations
from tunedd_api.chat.conversations import Citation, ConversationStore, Message
from tunedd_api.chat.followup import QueryRewriter, StandaloneQuery
from tunedd_api.chat.grounding import EmbedTexts, SupportScorer
from tunedd_api.chat.prompt import PromptBuilder
from tunedd_api.chat.retrieval import RetrievedChunk, Retriever
from tunedd_api.errors import InvalidInputError
from tunedd_api.settings import Settings

logger = logging.getLogger(__name__)

NOT_FOUND_ANSWER = "The selected documents do not contain this information."
#: The model's own ways of saying the sources do not answer (checked only when no sentence of
#: the answer is supported by a source).
_REFUSAL = re.compile(
    r"\b(do(es)?\s+not|don't|doesn't|cannot|can't|no)\s+"
    r"(contain|provide|mention|include|say|answer|information|specify|discuss|find|found)",
    re.IGNORECASE,
)

#: C0/C1 control characters other than tab and line breaks (NUL, escape sequences, ...).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

#: ``emit(event, data)`` receives progress events; it is called from worker threads too, so it
#: must be thread-safe. Events: ``retrieval`` (query and sources) and ``token`` (text).
EmitEvent = Callable[[str, dict[str, Any]], None]


@dataclass(frozen=True)
class ChatTurn:
    """The assistant's reply and how it was produced."""

    message: Message
    sources: list[RetrievedChunk]
    query: StandaloneQuery
    history_turns_used: int = 0
    history_truncated: bool = False
    answered_from_documents: bool = False
    dropped_citations: list[DroppedCitation] = field(default_factory=list)
    unsupported_sentences: list[str] = field(default_factory=list)


class ChatService:
    """Answers messages within a conversation's document scope."""

    def __init__(
        self,
        *,
        conversations: ConversationStore,
        retriever: Retriever,
        chat_model: ChatModel,
        embed_texts: EmbedTexts,
        settings: Settings,
    ) -> None:
        self._conversations = conversations
        self._retriever = retriever
        self._model = chat_model
        self._settings = settings
        self._prompts = PromptBuilder(
            chat_model=chat_model,
            history_max_turns=settings.history_max_turns,
            history_budget=settings.history_token_budget,
        )
        self._rewriter = QueryRewriter(
            chat_model=chat_model,
            mode=settings.followup_rewrite,
            timeout_s=settings.rewrite_timeout_s,
        )
        self._scorer = SupportScorer(embed_texts)
        self._locks: dict[uuid.UUID, asyncio.Lock] = {}

    @property
    def model(self) -> ChatModel:
        """The chat model answering messages."""
        return self._model

    def _lock_for(self, conversation_id: uuid.UUID) -> asyncio.Lock:
        return self._locks.setdefault(conversation_id, asyncio.Lock())

    def forget(self, conversation_id: uuid.UUID) -> None:
        """Drop per-conversation state after a delete."""
        self._locks.pop(conversation_id, None)

    def validate(self, conversation_id: uuid.UUID, text: str) -> str:
        """The cleaned question; raises for a blank, oversized or control-character message, a
        full conversation, or an unknown one."""
        question = text.strip()
        if not question:
            raise InvalidInputError("message must not be blank")
        limit = self._settings.max_message_chars
        if len(question) > limit:
            raise InvalidInputError(f"message is {len(question)} characters; the limit is {limit}")
        if _CONTROL.search(question):
            raise InvalidInputError("message contains control characters")
        self._conversations.ensure_room(conversation_id, 2)  # also 404 for unknown ids
        return question

    async def send(
        self, conversation_id: uuid.UUID, text: str, *, emit: EmitEvent | None = None
    ) -> ChatTurn:
        """Answer ``text`` in the conversation and store both turns together.

        Nothing is stored unless the answer completes: a cancelled request (client gone)
        leaves the history as it was.
        """
        question = self.validate(conversation_id, text)  # fail before waiting on the lock
        emit = emit or _ignore
        async with self._lock_for(conversation_id):
            conversation = self._conversations.get(conversation_id)
            query = await asyncio.to_thread(self._rewriter.rewrite, question, conversation.messages)
            scope = (
                list(conversation.document_ids) if conversation.document_ids is not None else None
            )
            retrieved = await asyncio.to_thread(
                self._retriever.retrieve, query.text, document_ids=scope, top_k=self._settings.top_k
            )
            relevant = [c for c in retrieved if c.similarity >= self._settings.min_relevance]
            emit("retrieval", {"query": query, "sources": relevant})
            if relevant:
                prompt_question = query.text if query.method == "llm" else question
                turn = await self._generate(
                    prompt_question, relevant, conversation.messages, query, emit
                )
            else:
                logger.info(
                    "No chunk above %.2f for %r: not calling the LLM",
                    self._settings.min_relevance,
                    query.text,
                )
                turn = _not_found(query)
            self._conversations.append(
                conversation_id, [Message(role="user", content=question), turn.message]
            )
            return turn

    async def _generate(
        self,
        question: str,
        sources: list[RetrievedChunk],
        history: tuple[Message, ...],
        query: StandaloneQuery,
        emit: EmitEvent,
    ) -> ChatTurn:
        prompt = self._prompts.build(question=question, sources=sources, history=history)
        cancel = threading.Event()
        try:
            generation = await asyncio.to_thread(
                self._model.generate,
                prompt.messages,
                cancel=cancel,
                on_token=lambda token: emit("token", {"text": token}),
            )
            verified = await asyncio.to_thread(
                verify_citations,
                generation.text,
                prompt.sources,
                scorer=self._scorer,
                min_support=self._settings.citation_min_support,
                refusal=_REFUSAL,
            )
        except asyncio.CancelledError:
            cancel.set()  # the client went away: stop generating between tokens
            raise
        if verified.dropped:
            logger.info(
                "Dropped citations %s",
                [(d.number, d.reason) for d in verified.dropped],
            )
        if not verified.citations and (not verified.text or _REFUSAL.search(verified.text)):
            return _not_found(query, sources=prompt.sources)
        message = Message(
            role="assistant",
            content=verified.text,
            citations=tuple(verified.citations),
            retrieval_query=query.text,
            groundedness=verified.groundedness,
        )
        return ChatTurn(
            message=message,
            sources=prompt.sources,
            query=query,
            history_turns_used=prompt.history_turns_used,
            history_truncated=prompt.history_truncated,
            answered_from_documents=True,
            dropped_citations=verified.dropped,
            unsupported_sentences=verified.unsupported_sentences,
        )


def _not_found(query: StandaloneQuery, sources: list[RetrievedChunk] | None = None) -> ChatTurn:
    message = Message(role="assistant", content=NOT_FOUND_ANSWER, retrieval_query=query.text)
    return ChatTurn(message=message, sources=sources or [], query=query)


def _ignore(_event: str, _data: dict[str, Any]) -> None:
    return None


__all__ = ["ChatService", "ChatTurn", "Citation", "NOT_FOUND_ANSWER"]
