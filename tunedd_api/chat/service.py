"""The chat use case: one user message in, one grounded, cited answer out.

Message → history → scoped retrieval → prompt → LLM → verified citations → stored turn.
Blocking work (embedding, store queries, generation) runs in threads, off the event loop;
messages of one conversation are serialised so its history is never interleaved.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from dataclasses import dataclass

from tunedd_api.backends.generation import ChatModel
from tunedd_api.chat.citations import resolve_citations
from tunedd_api.chat.conversations import Citation, ConversationStore, Message
from tunedd_api.chat.followup import retrieval_query
from tunedd_api.chat.prompt import PromptBuilder
from tunedd_api.chat.retrieval import RetrievedChunk, Retriever
from tunedd_api.errors import InvalidInputError
from tunedd_api.settings import Settings

logger = logging.getLogger(__name__)

NOT_FOUND_ANSWER = "The selected documents do not contain this information."


@dataclass(frozen=True)
class ChatTurn:
    """The assistant's reply and how it was produced."""

    message: Message
    sources: list[RetrievedChunk]
    history_turns_used: int
    history_truncated: bool
    answered_from_documents: bool
    dropped_citations: list[int]


class ChatService:
    """Answers messages within a conversation's document scope."""

    def __init__(
        self,
        *,
        conversations: ConversationStore,
        retriever: Retriever,
        chat_model: ChatModel,
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
        self._locks: dict[uuid.UUID, asyncio.Lock] = {}

    def _lock_for(self, conversation_id: uuid.UUID) -> asyncio.Lock:
        return self._locks.setdefault(conversation_id, asyncio.Lock())

    def forget(self, conversation_id: uuid.UUID) -> None:
        """Drop per-conversation state after a delete."""
        self._locks.pop(conversation_id, None)

    async def send(self, conversation_id: uuid.UUID, text: str) -> ChatTurn:
        """Answer ``text`` in the conversation and store both turns together."""
        question = text.strip()
        if not question:
            raise InvalidInputError("message must not be blank")
        self._conversations.get(conversation_id)  # 404 before waiting on the lock
        async with self._lock_for(conversation_id):
            conversation = self._conversations.get(conversation_id)
            query = retrieval_query(question, conversation.messages)
            scope = (
                list(conversation.document_ids) if conversation.document_ids is not None else None
            )
            retrieved = await asyncio.to_thread(
                self._retriever.retrieve, query, document_ids=scope, top_k=self._settings.top_k
            )
            relevant = [c for c in retrieved if c.similarity >= self._settings.min_relevance]
            if relevant:
                turn = await self._generate(question, relevant, conversation.messages, query)
            else:
                logger.info(
                    "No chunk above %.2f for %r: not calling the LLM",
                    self._settings.min_relevance,
                    query,
                )
                turn = ChatTurn(
                    message=Message(
                        role="assistant", content=NOT_FOUND_ANSWER, retrieval_query=query
                    ),
                    sources=[],
                    history_turns_used=0,
                    history_truncated=False,
                    answered_from_documents=False,
                    dropped_citations=[],
                )
            self._conversations.append(
                conversation_id, [Message(role="user", content=question), turn.message]
            )
            return turn

    async def _generate(
        self,
        question: str,
        sources: list[RetrievedChunk],
        history: tuple[Message, ...],
        query: str,
    ) -> ChatTurn:
        prompt = self._prompts.build(question=question, sources=sources, history=history)
        cancel = threading.Event()
        try:
            generation = await asyncio.to_thread(
                self._model.generate, prompt.messages, cancel=cancel
            )
        except asyncio.CancelledError:
            cancel.set()  # the client went away: stop generating between tokens
            raise
        cited = resolve_citations(generation.text, prompt.sources)
        if cited.dropped_markers:
            logger.info("Dropped citation markers %s that match no source", cited.dropped_markers)
        message = Message(
            role="assistant",
            content=cited.text or NOT_FOUND_ANSWER,
            citations=tuple(cited.citations),
            retrieval_query=query,
        )
        return ChatTurn(
            message=message,
            sources=prompt.sources,
            history_turns_used=prompt.history_turns_used,
            history_truncated=prompt.history_truncated,
            answered_from_documents=True,
            dropped_citations=cited.dropped_markers,
        )


__all__ = ["ChatService", "ChatTurn", "Citation", "NOT_FOUND_ANSWER"]
