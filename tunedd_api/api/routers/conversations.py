"""Conversations: create, read, delete, and send messages."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response, status
from fastapi.responses import StreamingResponse

from tunedd_api.api.dependencies import (
    ChatDep,
    OwnedConversationId,
    PrincipalDep,
    ReadyStateDep,
    StateDep,
)
from tunedd_api.api.schemas import (
    AnswerOut,
    CitationOut,
    ConversationCreatedOut,
    ConversationListItemOut,
    ConversationListOut,
    ConversationOut,
    CreateConversationIn,
    DroppedCitationOut,
    ErrorOut,
    FindingOut,
    MessageIn,
    MessageOut,
    SourceOut,
    SummaryOut,
)
from tunedd_api.api.sse import sse_event, stream_answer
from tunedd_api.chat.conversations import Conversation
from tunedd_api.chat.events import ChatEvent, ChatTurn, RetrievalDone, TokenStreamed
from tunedd_api.errors import InvalidInputError
from tunedd_api.turns import Citation, Message, RetrievedChunk

router = APIRouter(prefix="/conversations", tags=["conversations"])

_NOT_FOUND = {404: {"model": ErrorOut, "description": "Unknown conversation."}}


def _citation_out(citation: Citation) -> CitationOut:
    return CitationOut(**asdict(citation))


def _message_out(message: Message) -> MessageOut:
    return MessageOut(
        id=message.id,
        role=message.role,
        content=message.content,
        created_at=message.created_at,
        citations=[_citation_out(c) for c in message.citations],
        groundedness=message.groundedness,
    )


def _scope(conversation: Conversation) -> list[str] | None:
    return list(conversation.document_ids) if conversation.document_ids is not None else None


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ConversationCreatedOut,
    responses={422: {"model": ErrorOut, "description": "Unknown document ids."}},
    summary="Create a conversation",
)
def create_conversation(
    state: ReadyStateDep, principal: PrincipalDep, body: CreateConversationIn | None = None
) -> ConversationCreatedOut:
    """Start a conversation, optionally limited to some documents."""
    document_ids = body.document_ids if body else None
    if document_ids is not None:
        if not document_ids:
            raise InvalidInputError("document_ids must not be empty; omit it to use all documents")
        state.access.documents.require_visible(principal, document_ids)
    conversation = state.conversations.create(document_ids, owner=principal.owner)
    return ConversationCreatedOut(
        id=conversation.id, document_ids=_scope(conversation), created_at=conversation.created_at
    )


@router.get("", response_model=ConversationListOut, summary="List conversations")
def list_conversations(
    state: StateDep,
    principal: PrincipalDep,
    limit: Annotated[int, Query(ge=1, le=100, description="Conversations per page.")] = 20,
    cursor: Annotated[
        str | None, Query(max_length=200, description="`next_cursor` of the previous page.")
    ] = None,
) -> ConversationListOut:
    """Stored conversations, newest first, with a title from each one's first question."""
    page = state.conversations.page(limit=limit, cursor=cursor, owner=principal.owner)
    return ConversationListOut(
        conversations=[
            ConversationListItemOut(
                id=c.id,
                document_ids=list(c.document_ids) if c.document_ids is not None else None,
                created_at=c.created_at,
                title=c.title,
                last_active_at=c.last_active_at,
                message_count=c.message_count,
            )
            for c in page.conversations
        ],
        next_cursor=page.next_cursor,
    )


@router.get(
    "/{conversation_id}",
    response_model=ConversationOut,
    responses=_NOT_FOUND,
    summary="Get a conversation",
)
def get_conversation(conversation_id: OwnedConversationId, state: StateDep) -> ConversationOut:
    """The conversation's scope and full message history."""
    conversation = state.conversations.get(conversation_id)
    return ConversationOut(
        id=conversation.id,
        document_ids=_scope(conversation),
        created_at=conversation.created_at,
        messages=[_message_out(m) for m in conversation.messages],
    )


@router.delete(
    "/{conversation_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=_NOT_FOUND,
    summary="Delete a conversation",
)
def delete_conversation(conversation_id: OwnedConversationId, state: StateDep) -> Response:
    """Forget the conversation and its history."""
    state.conversations.delete(conversation_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{conversation_id}/summary",
    response_model=SummaryOut,
    responses=_NOT_FOUND,
    summary="Summarise a conversation",
)
async def get_summary(conversation_id: OwnedConversationId, state: ReadyStateDep) -> SummaryOut:
    """Summary, key findings with citations, open questions and action items.

    Cached until the conversation changes. If the model fails or exceeds
    `RAG_SUMMARY_TIMEOUT_S`, an extractive summary is returned with `method: extractive`.
    """
    summary, cached = await state.summaries.get(conversation_id)
    return SummaryOut(
        conversation_id=conversation_id,
        summary=summary.summary,
        key_findings=[
            FindingOut(text=f.text, citations=[_citation_out(c) for c in f.citations])
            for f in summary.key_findings
        ],
        open_questions=summary.open_questions,
        action_items=summary.action_items,
        method=summary.method,
        fallback_reason=summary.fallback_reason,
        message_count=summary.message_count,
        generated_at=summary.generated_at,
        cached=cached,
    )


@router.post(
    "/{conversation_id}/messages",
    response_model=AnswerOut,
    responses={
        200: {
            "content": {"text/event-stream": {"description": "With `stream` or that Accept."}},
            "description": "The answer (JSON), or its Server-Sent Events stream.",
        },
        **_NOT_FOUND,
        422: {"model": ErrorOut, "description": "Empty or oversized message."},
        503: {"model": ErrorOut, "description": "Model busy or backend down."},
        504: {"model": ErrorOut, "description": "The model did not answer in time."},
    },
    summary="Send a message",
)
async def send_message(
    conversation_id: OwnedConversationId,
    body: MessageIn,
    chat: ChatDep,
    accept: Annotated[str, Header()] = "application/json",
) -> AnswerOut | StreamingResponse:
    """Answer the message from the conversation's documents, with verified page citations.

    With `"stream": true` or `Accept: text/event-stream` the answer streams as Server-Sent
    Events; the exchange is stored only once the answer is complete.
    """
    if not (body.stream or "text/event-stream" in accept):
        turn = await chat.send(conversation_id, body.message)
        return _answer_out(conversation_id, turn)
    await asyncio.to_thread(chat.validate, conversation_id, body.message)
    chat.model.ensure_capacity()
    return await stream_answer(
        lambda on_event: chat.send(conversation_id, body.message, on_event=on_event),
        ConversationStream(conversation_id),
    )


def _source_out(number: int, source: RetrievedChunk) -> SourceOut:
    return SourceOut(
        number=number,
        document_id=source.document.meta["document_id"],
        file_name=source.document.meta["file_name"],
        pages=source.pages,
        score=round(source.similarity, 4),
    )


class ConversationStream:
    """tunedd's own SSE: ``retrieval``, ``token``…, then ``done`` (the answer JSON) or
    ``error``."""

    def __init__(self, conversation_id: uuid.UUID) -> None:
        self._conversation_id = conversation_id

    def opening(self) -> list[str]:
        """Nothing before the first event."""
        return []

    def event(self, event: ChatEvent) -> str | None:
        """``retrieval`` with the query and sources, or ``token`` with raw text."""
        if isinstance(event, TokenStreamed):
            return sse_event("token", {"text": event.text})
        if isinstance(event, RetrievalDone):
            sources = [
                _source_out(i, s).model_dump(mode="json") for i, s in enumerate(event.sources, 1)
            ]
            return sse_event(
                "retrieval",
                {
                    "retrieval_query": event.query.text,
                    "query_rewrite": event.query.method,
                    "sources": sources,
                },
            )
        return None

    def done(self, turn: ChatTurn) -> str:
        """The full answer, as the JSON endpoint returns it."""
        return sse_event("done", _answer_out(self._conversation_id, turn).model_dump(mode="json"))

    def error(self, detail: str, code: str, status: int) -> str:
        """The error as the JSON endpoints report it, with its status."""
        return sse_event("error", {"detail": detail, "code": code, "status": status})

    def closing(self) -> list[str]:
        """Nothing after the last event."""
        return []


def _answer_out(conversation_id: uuid.UUID, turn: ChatTurn) -> AnswerOut:
    message = turn.message
    return AnswerOut(
        conversation_id=conversation_id,
        message_id=message.id,
        answer=message.content,
        citations=[_citation_out(c) for c in message.citations],
        sources=[_source_out(i, s) for i, s in enumerate(turn.sources, 1)],
        answered_from_documents=turn.answered_from_documents,
        groundedness=message.groundedness,
        answer_kind=turn.answer.kind,
        unsupported_sentences=list(turn.answer.unsupported_sentences),
        dropped_citations=[DroppedCitationOut(**asdict(d)) for d in turn.answer.dropped_citations],
        retrieval_query=turn.query.text,
        query_rewrite=turn.query.method,
        history_turns_used=turn.history_turns_used,
        history_truncated=turn.history_truncated,
        created_at=message.created_at,
    )
