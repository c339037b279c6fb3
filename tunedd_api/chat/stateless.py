"""Answers a message whose history comes with the request (OpenAI-style), not from the store.

The history is loaded into a temporary conversation, the last user message is answered by the
same chat service as any other (rewrite, scoped retrieval, prompt budget, verified citations),
and the conversation is deleted afterwards, so nothing is kept.
"""

from __future__ import annotations

from dataclasses import dataclass

from tunedd_api.chat.conversations import ConversationStore, Message
from tunedd_api.chat.service import ChatService, ChatTurn, EmitEvent
from tunedd_api.errors import InvalidInputError

#: Messages of client-held history kept; the prompt uses far fewer (RAG_HISTORY_MAX_TURNS).
_MAX_HISTORY = 40


@dataclass(frozen=True)
class IncomingMessage:
    """One message of a client-held history."""

    role: str  # "system" | "user" | "assistant" | others, which are ignored
    content: str


def to_history(messages: list[IncomingMessage]) -> tuple[list[Message], str]:
    """(question/answer history, final question): system and tool messages are ignored
    (tunedd's own system prompt keeps the answer grounded), consecutive messages of one role
    are joined, and the history keeps only complete question/answer pairs."""
    turns: list[tuple[str, str]] = []
    for message in messages:
        if message.role not in ("user", "assistant") or not message.content.strip():
            continue
        if turns and turns[-1][0] == message.role:
            turns[-1] = (message.role, f"{turns[-1][1]}\n{message.content}")
        else:
            turns.append((message.role, message.content))
    if not turns or turns[-1][0] != "user":
        raise InvalidInputError("the last message must be a non-empty user message")
    question = turns.pop()[1]
    if turns and turns[0][0] == "assistant":
        turns.pop(0)  # a greeting before the first question carries no context
    history = [Message(role=role, content=content) for role, content in turns[-_MAX_HISTORY:]]
    return history, question


async def answer_with_history(
    *,
    chat: ChatService,
    conversations: ConversationStore,
    messages: list[IncomingMessage],
    document_ids: list[str] | None,
    emit: EmitEvent | None = None,
) -> ChatTurn:
    """Answer the last user message of ``messages`` within ``document_ids`` (None: all)."""
    history, question = to_history(messages)
    conversation = conversations.create(document_ids)
    try:
        if history:
            conversations.append(conversation.id, history)
        return await chat.send(conversation.id, question, emit=emit)
    finally:
        conversations.delete(conversation.id)
        chat.forget(conversation.id)
