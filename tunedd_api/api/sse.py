"""Server-Sent Events for a chat answer: ``retrieval``, ``token``…, then ``done`` or ``error``.

The HTTP status is decided before the first byte: the answer task runs until its first event
(retrieval done) or its end, so an unknown conversation, a blank message, a full model queue or
a dead backend still get their 4xx/5xx. Errors after that arrive as an ``error`` event. A client
that disconnects cancels the task, which stops generation and stores nothing.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, AsyncIterator, Awaitable, Callable

from fastapi.responses import StreamingResponse

from tunedd_api.api.errors import error_status
from tunedd_api.chat.service import ChatTurn, EmitEvent
from tunedd_api.errors import TunedDError

logger = logging.getLogger(__name__)

#: Comment lines keep proxies from closing the stream while the model reads a long prompt.
KEEP_ALIVE_S = 10.0
_END = "_end"


def sse_event(event: str, data: dict[str, Any]) -> str:
    """One SSE frame."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False, default=str)}\n\n"


async def stream_answer(
    answer: Callable[[EmitEvent], Awaitable[ChatTurn]],
    *,
    render_event: Callable[[str, dict[str, Any]], dict[str, Any]],
    render_turn: Callable[[ChatTurn], dict[str, Any]],
) -> StreamingResponse:
    """Run ``answer`` and stream its events; raises its error if it fails before any event."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue()

    def emit(event: str, data: dict[str, Any]) -> None:  # called from worker threads too
        loop.call_soon_threadsafe(queue.put_nowait, (event, data))

    task = asyncio.create_task(answer(emit))
    task.add_done_callback(lambda _task: queue.put_nowait((_END, {})))
    first = await queue.get()
    if first[0] == _END:
        task.result()  # raise the domain error before any byte is sent

    async def frames() -> AsyncIterator[str]:
        event = first
        try:
            while event[0] != _END:
                yield sse_event(event[0], render_event(*event))
                event = await _next(queue)
                while event is None:
                    yield ": keep-alive\n\n"
                    event = await _next(queue)
            yield _final_frame(task, render_turn)
        finally:
            if not task.done():
                logger.info("Client left the stream; cancelling the answer")
                task.cancel()

    return StreamingResponse(
        frames(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _next(queue: asyncio.Queue) -> tuple[str, dict[str, Any]] | None:
    try:
        return await asyncio.wait_for(queue.get(), timeout=KEEP_ALIVE_S)
    except asyncio.TimeoutError:
        return None


def _final_frame(task: asyncio.Task, render_turn: Callable[[ChatTurn], dict[str, Any]]) -> str:
    try:
        turn = task.result()
    except TunedDError as error:
        status, code = error_status(error)
        logger.warning("Stream ended with %d %s: %s", status, code, error.message)
        return sse_event("error", {"detail": error.message, "code": code, "status": status})
    except Exception:  # the stream is already 200: report instead of dropping the connection
        logger.exception("Stream failed")
        return sse_event(
            "error", {"detail": "internal error", "code": "internal_error", "status": 500}
        )
    return sse_event("done", render_turn(turn))
