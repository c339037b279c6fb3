"""Server-Sent Events for a chat turn, in whichever wire format a renderer chooses.

The HTTP status is decided before the first byte: the answer task runs until its first event
(retrieval done) or its end, so an unknown conversation, a blank message, a full model queue or
a dead backend still get their 4xx/5xx. Errors after that arrive as a rendered error frame. A
client that disconnects cancels the task, which stops generation and stores nothing. The typed
events of :mod:`tunedd_api.chat.events` are rendered by a :class:`StreamRenderer`: tunedd's own
(``retrieval``, ``token``…, ``done``/``error``) or the OpenAI-compatible chunks.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, AsyncIterator, Awaitable, Callable, Protocol

from fastapi.responses import StreamingResponse

from tunedd_api.api.errors import error_status
from tunedd_api.chat.events import ChatEvent, ChatTurn, OnEvent
from tunedd_api.errors import TunedDError

logger = logging.getLogger(__name__)

#: Comment lines keep proxies from closing the stream while the model reads a long prompt.
KEEP_ALIVE_S = 10.0
KEEP_ALIVE_FRAME = ": keep-alive\n\n"


class StreamRenderer(Protocol):
    """Turns a chat turn's events into SSE frames."""

    def opening(self) -> list[str]:
        """Frames sent first."""

    def event(self, event: ChatEvent) -> str | None:
        """The frame for a progress event (None: nothing to send)."""

    def done(self, turn: ChatTurn) -> str:
        """The frame for the finished turn."""

    def error(self, detail: str, code: str, status: int) -> str:
        """The frame for a failure after the stream started."""

    def closing(self) -> list[str]:
        """Frames sent last."""


def sse_event(event: str, data: dict[str, Any]) -> str:
    """One named SSE frame with a JSON payload."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False, default=str)}\n\n"


async def stream_answer(
    answer: Callable[[OnEvent], Awaitable[ChatTurn]], renderer: StreamRenderer
) -> StreamingResponse:
    """Run ``answer`` and stream its events; raises its error if it fails before any event."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[ChatEvent | None] = asyncio.Queue()

    def on_event(event: ChatEvent) -> None:  # called from worker threads too
        loop.call_soon_threadsafe(queue.put_nowait, event)

    task = asyncio.create_task(answer(on_event))
    task.add_done_callback(lambda _task: queue.put_nowait(None))
    first = await queue.get()
    if first is None:
        task.result()  # raise the domain error before any byte is sent

    async def frames() -> AsyncIterator[str]:
        event = first
        try:
            for frame in renderer.opening():
                yield frame
            while event is not None:
                frame = renderer.event(event)
                if frame is not None:
                    yield frame
                event = await _next(queue)
                while event is False:
                    yield KEEP_ALIVE_FRAME
                    event = await _next(queue)
            yield _final_frame(task, renderer)
            for frame in renderer.closing():
                yield frame
        finally:
            if not task.done():
                logger.info("Client left the stream; cancelling the answer")
                task.cancel()

    return StreamingResponse(
        frames(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _next(queue: asyncio.Queue) -> Any:
    """The next event, None at the end, or False when it is time for a keep-alive."""
    try:
        return await asyncio.wait_for(queue.get(), timeout=KEEP_ALIVE_S)
    except asyncio.TimeoutError:
        return False


def _final_frame(task: asyncio.Task, renderer: StreamRenderer) -> str:
    try:
        turn = task.result()
    except TunedDError as error:
        status, code = error_status(error)
        logger.warning("Stream ended with %d %s: %s", status, code, error.message)
        return renderer.error(error.message, code, status)
    except Exception:  # the stream is already 200: report instead of dropping the connection
        logger.exception("Stream failed")
        return renderer.error("internal error", "internal_error", 500)
    return renderer.done(turn)
