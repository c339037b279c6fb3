"""OpenAI-compatible chat: `/v1/models` and `/v1/chat/completions` (JSON or SSE chunks).

The model name picks the document scope (`tunedd`, `tunedd:<id>,<id>`); the request's
messages are the history. Answers come from the same chat service as `/conversations`, with
verified `[n]` markers in the content and the sources in an extra `citations` field.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from tunedd_api.access.documents import DocumentAccess
from tunedd_api.access.principal import Principal
from tunedd_api.api.dependencies import ChatDep, DocumentAccessDep, PrincipalDep, ReadyStateDep
from tunedd_api.api.openai_schemas import (
    AssistantMessageOut,
    ChatCompletionIn,
    ChatCompletionOut,
    ChoiceOut,
    ModelListOut,
    ModelOut,
    UsageOut,
    as_dict,
)
from tunedd_api.api.schemas import CitationOut, ErrorOut
from tunedd_api.api.sse import stream_answer
from tunedd_api.chat.events import ChatEvent, ChatTurn, TokenStreamed
from tunedd_api.errors import InvalidInputError
from tunedd_api.turns import History

router = APIRouter(prefix="/v1", tags=["openai-compatible"])

MODEL_PREFIX = "tunedd"
_STARTED = int(time.time())


def scope_from(
    request: ChatCompletionIn, access: DocumentAccess, principal: Principal
) -> list[str] | None:
    """The document scope from `document_ids` or the model name, checked against what the
    caller sees (all of them when the model is plain `tunedd`)."""
    ids = request.document_ids
    if ids is None:
        name, _, selection = request.model.partition(":")
        if name != MODEL_PREFIX:
            raise InvalidInputError(
                f"unknown model {request.model!r}; use 'tunedd' or 'tunedd:<document_id>,...'"
            )
        ids = [part.strip() for part in selection.split(",") if part.strip()] or None
    return access.scope(principal, ids)


@router.get("/models", response_model=ModelListOut, summary="List models (document scopes)")
def list_models(
    state: ReadyStateDep, principal: PrincipalDep, access: DocumentAccessDep
) -> ModelListOut:
    """`tunedd` answers from every document; `tunedd:<id>` from one (ids combine with commas)."""
    visible = access.visible_ids(principal)
    models = [ModelOut(id=MODEL_PREFIX, created=_STARTED, title="All documents")]
    models += [
        ModelOut(id=f"{MODEL_PREFIX}:{record.document_id}", created=_STARTED, title=record.title)
        for record in state.catalog.all()
        if record.status == "indexed" and (visible is None or record.document_id in visible)
    ]
    return ModelListOut(data=models)


@router.post(
    "/chat/completions",
    response_model=ChatCompletionOut,
    responses={422: {"model": ErrorOut}, 503: {"model": ErrorOut}, 504: {"model": ErrorOut}},
    summary="Chat completion (OpenAI-compatible)",
)
async def chat_completions(
    request: ChatCompletionIn,
    chat: ChatDep,
    principal: PrincipalDep,
    access: DocumentAccessDep,
) -> ChatCompletionOut | StreamingResponse:
    """Answer the last user message from the documents, the earlier messages as history."""
    scope = await asyncio.to_thread(scope_from, request, access, principal)
    turns = [(m.role, m.text()) for m in request.messages]
    history, question = History.from_client(turns)
    question = chat.clean_question(question)
    if not request.stream:
        turn = await chat.answer(question, history, scope)
        return _completion(request, turn, turns)
    chat.model.ensure_capacity()
    return await stream_answer(
        lambda on_event: chat.answer(question, history, scope, on_event=on_event),
        CompletionChunks(request.model, f"chatcmpl-{uuid.uuid4().hex}"),
    )


def _final_fields(turn: ChatTurn) -> dict[str, Any]:
    """What the last chunk adds: the verified answer and its citations."""
    return {
        "citations": [as_dict(CitationOut(**asdict(c))) for c in turn.message.citations],
        "answer": turn.message.content,
        "answered_from_documents": turn.answered_from_documents,
        "answer_kind": turn.answer.kind,
    }


def _completion(
    request: ChatCompletionIn, turn: ChatTurn, messages: list[tuple[str, str]]
) -> ChatCompletionOut:
    prompt_tokens = sum(len(content) for _, content in messages) // 4
    completion_tokens = len(turn.message.content) // 4
    return ChatCompletionOut(
        id=f"chatcmpl-{turn.message.id.hex}",
        created=int(time.time()),
        model=request.model,
        choices=[
            ChoiceOut(
                message=AssistantMessageOut(content=turn.message.content), finish_reason="stop"
            )
        ],
        usage=UsageOut(
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            total_tokens=prompt_tokens + completion_tokens,
        ),
        citations=[CitationOut(**asdict(c)) for c in turn.message.citations],
        answered_from_documents=turn.answered_from_documents,
        answer_kind=turn.answer.kind,
    )


class CompletionChunks:
    """OpenAI ``chat.completion.chunk`` events: the role, each token, then a last chunk with
    ``finish_reason`` and tunedd's verified answer and citations, then ``[DONE]``."""

    def __init__(self, model: str, completion_id: str) -> None:
        self._model = model
        self._id = completion_id
        self._created = int(time.time())

    def _chunk(self, delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        body = {
            "id": self._id,
            "object": "chat.completion.chunk",
            "created": self._created,
            "model": self._model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            **extra,
        }
        return f"data: {json.dumps(body, ensure_ascii=False, default=str)}\n\n"

    def opening(self) -> list[str]:
        """The assistant role."""
        return [self._chunk({"role": "assistant", "content": ""})]

    def event(self, event: ChatEvent) -> str | None:
        """Tokens become content deltas; retrieval is not part of the OpenAI protocol."""
        if isinstance(event, TokenStreamed):
            return self._chunk({"content": event.text})
        return None

    def done(self, turn: ChatTurn) -> str:
        """Tokens were the raw text; the verified answer and citations ride along."""
        return self._chunk({}, "stop", **_final_fields(turn))

    def error(self, detail: str, code: str, status: int) -> str:
        """An error object, as OpenAI-compatible servers send mid-stream."""
        error = {"detail": detail, "code": code, "status": status}
        return f"data: {json.dumps({'error': error})}\n\n"

    def closing(self) -> list[str]:
        """The end marker."""
        return ["data: [DONE]\n\n"]
