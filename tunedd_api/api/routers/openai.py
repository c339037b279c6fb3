"""OpenAI-compatible chat: `/v1/models` and `/v1/chat/completions` (JSON or SSE chunks).

The model name picks the document scope (`tunedd`, `tunedd:<id>,<id>`); the request's
messages are the history. Answers come from the same chat service as `/conversations`, with
verified `[n]` markers in the content and the sources in an extra `citations` field.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import asdict
from typing import Any, AsyncIterator

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from tunedd_api.api.dependencies import ChatDep, ReadyStateDep
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
from tunedd_api.chat.service import ChatTurn
from tunedd_api.chat.stateless import IncomingMessage, answer_with_history
from tunedd_api.errors import InvalidInputError
from tunedd_api.state import AppState

router = APIRouter(prefix="/v1", tags=["openai-compatible"])

MODEL_PREFIX = "tunedd"
_STARTED = int(time.time())


def scope_from(request: ChatCompletionIn, state: AppState) -> list[str] | None:
    """The document scope from `document_ids` or the model name; validated."""
    ids = request.document_ids
    if ids is None:
        name, _, selection = request.model.partition(":")
        if name != MODEL_PREFIX:
            raise InvalidInputError(
                f"unknown model {request.model!r}; use 'tunedd' or 'tunedd:<document_id>,...'"
            )
        ids = [part.strip() for part in selection.split(",") if part.strip()] or None
    if ids is not None:
        state.catalog.require_indexed(ids)
    return ids


@router.get("/models", response_model=ModelListOut, summary="List models (document scopes)")
def list_models(state: ReadyStateDep) -> ModelListOut:
    """`tunedd` answers from every document; `tunedd:<id>` from one (ids combine with commas)."""
    models = [ModelOut(id=MODEL_PREFIX, created=_STARTED, title="All documents")]
    models += [
        ModelOut(id=f"{MODEL_PREFIX}:{record.document_id}", created=_STARTED, title=record.title)
        for record in state.catalog.all()
        if record.status == "indexed"
    ]
    return ModelListOut(data=models)


@router.post(
    "/chat/completions",
    response_model=ChatCompletionOut,
    responses={422: {"model": ErrorOut}, 503: {"model": ErrorOut}, 504: {"model": ErrorOut}},
    summary="Chat completion (OpenAI-compatible)",
)
async def chat_completions(
    request: ChatCompletionIn, chat: ChatDep, state: ReadyStateDep
) -> ChatCompletionOut | StreamingResponse:
    """Answer the last user message from the documents, the earlier messages as history."""
    scope = scope_from(request, state)
    messages = [IncomingMessage(role=m.role, content=m.text()) for m in request.messages]

    def answer(emit: Any = None) -> Any:
        return answer_with_history(
            chat=chat,
            conversations=state.conversations,
            messages=messages,
            document_ids=scope,
            emit=emit,
        )

    if not request.stream:
        turn = await answer()
        return _completion(request, turn, messages)
    chat.model.ensure_capacity()
    completion_id = f"chatcmpl-{uuid.uuid4().hex}"
    response = await stream_answer(
        answer,
        render_event=lambda event, data: data if event == "token" else {},
        render_turn=_final_fields,
    )
    return StreamingResponse(
        _openai_chunks(response.body_iterator, request.model, completion_id),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache"},
    )


def _final_fields(turn: ChatTurn) -> dict[str, Any]:
    """What the last chunk adds: the verified answer and its citations."""
    return {
        "citations": [as_dict(CitationOut(**asdict(c))) for c in turn.message.citations],
        "answer": turn.message.content,
        "answered_from_documents": turn.answered_from_documents,
    }


def _completion(
    request: ChatCompletionIn, turn: ChatTurn, messages: list[IncomingMessage]
) -> ChatCompletionOut:
    prompt_tokens = sum(len(m.content) for m in messages) // 4
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
    )


async def _openai_chunks(frames: AsyncIterator[Any], model: str, completion_id: str):
    """Re-shape tunedd's SSE frames into `chat.completion.chunk` events and `[DONE]`."""
    created = int(time.time())

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        body = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            **extra,
        }
        return f"data: {json.dumps(body, ensure_ascii=False, default=str)}\n\n"

    yield chunk({"role": "assistant", "content": ""})
    async for frame in frames:
        text = frame if isinstance(frame, str) else frame.decode()
        if text.startswith(":"):
            yield text  # keep-alive comment
            continue
        event, _, data = text.partition("\ndata: ")
        event = event.removeprefix("event: ")
        if event == "token":
            yield chunk({"content": json.loads(data)["text"]})
        elif event == "done":  # tokens were the raw text; the verified answer rides along
            yield chunk({}, "stop", **json.loads(data))
        elif event == "error":
            yield f"data: {json.dumps({'error': json.loads(data)})}\n\n"
    yield "data: [DONE]\n\n"
