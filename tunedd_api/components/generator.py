"""The guarded chat generator: one model, serialised calls, bounded queue, deadlines, retries.

A Haystack component that wraps a stock chat generator (llama.cpp, Ollama, a mock). llama.cpp
is not thread-safe, so every call runs under one lock; waiting for it counts against the
request's deadline, and the number of waiters is bounded so memory cannot grow with load.
Generation can be cut short (deadline passed, client gone: ``run_async`` cancelled) through a
stack hook; llama.cpp honours it between tokens. Retries and the circuit breaker come from the
runtime's shared guard (``use_guards``), not from init parameters: breakers are process state.

Own component because no stock one queues, times out or cancels a local model's call.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from haystack import component, default_from_dict, default_to_dict
from haystack.dataclasses import ChatMessage, StreamingChunk

from tunedd_api.components.nesting import nested_from_dict, nested_to_dict
from tunedd_api.errors import (
    BackendUnavailableError,
    GenerationTimeoutError,
    ModelBusyError,
    TunedDError,
)
from tunedd_api.observability.metrics import LLM_FIRST_TOKEN_SECONDS, LLM_SECONDS, LLM_TOKENS
from tunedd_api.resilience import Guard
from tunedd_api.turns import estimate_tokens

logger = logging.getLogger(__name__)

TokenCallback = Callable[[str], None]


@dataclass(frozen=True)
class Generation:
    """The text the model produced and why it stopped."""

    text: str
    finish_reason: str
    seconds: float
    first_token_s: float | None = None
    #: Backend counters of this call (llama.cpp: prompt tokens evaluated, prefill and decode
    #: milliseconds, generated tokens); empty where the backend reports none.
    stats: dict[str, float] = field(default_factory=dict)


@component
class GuardedChatGenerator:
    """Wraps a Haystack chat generator behind one lock, a bounded queue, a deadline and a guard.

    :param generator: The chat generator doing the work (``None`` for stacks that build it in
        ``warm_up``).
    :param model_name: Name reported in logs and health checks.
    :param context_window: Tokens the model reads at most (prompt budgets use it).
    :param max_answer_tokens: Default limit of new tokens per call.
    :param timeout_s: Default deadline per call, waiting for the model included.
    :param max_queue: Calls waiting for or holding the model before new ones are refused (503).
    :param temperature: Sampling temperature.
    :param seed: Sampling seed of every call (the same prompt gets the same reply); ``None``:
        the backend picks one per call.
    """

    def __init__(
        self,
        *,
        generator: Any,
        model_name: str,
        context_window: int,
        max_answer_tokens: int,
        timeout_s: float,
        max_queue: int = 8,
        temperature: float = 0.1,
        seed: int | None = 42,
    ) -> None:
        self.generator = generator
        self.model_name = model_name
        self.context_window = context_window
        self.max_answer_tokens = max_answer_tokens
        self.timeout_s = timeout_s
        self.max_queue = max_queue
        self.temperature = temperature
        self.seed = seed
        #: Retries and circuit breaker for the backend call (set by ``Stack.use_guards``).
        self.guard: Guard | None = None
        #: Monotonic seconds for deadlines (tests inject a clock they move).
        self.clock: Callable[[], float] = time.monotonic
        self._lock = threading.Lock()
        self._waiting = 0
        self._waiting_lock = threading.Lock()

    @property
    def queue_depth(self) -> int:
        """Requests waiting for or holding the model."""
        return self._waiting

    def ensure_capacity(self) -> None:
        """Raise ModelBusyError now if the queue is full (checked again when enqueuing)."""
        if self._waiting >= self.max_queue:
            raise self._busy_error()

    def estimate_tokens(self, text: str) -> int:
        """A conservative token estimate for prompt budgeting (no model tokenizer needed)."""
        return estimate_tokens(text)

    def warm_up(self) -> None:
        """Load the model (blocking)."""
        if hasattr(self.generator, "warm_up"):
            self.generator.warm_up()

    def close(self) -> None:
        """Release the model."""
        if hasattr(self.generator, "close"):
            self.generator.close()

    def use_guards(self, guards: Any) -> None:
        """Retry and break the circuit with the runtime's shared LLM guard."""
        self.guard = guards.llm

    def to_dict(self) -> dict[str, Any]:
        """Serialise, including the wrapped generator."""
        return default_to_dict(
            self,
            generator=nested_to_dict(self.generator),
            model_name=self.model_name,
            **self._limits(),
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "GuardedChatGenerator":
        """Rebuild, including the wrapped generator."""
        return default_from_dict(cls, nested_from_dict(data, "generator"))

    def _limits(self) -> dict[str, Any]:
        return {
            "context_window": self.context_window,
            "max_answer_tokens": self.max_answer_tokens,
            "timeout_s": self.timeout_s,
            "max_queue": self.max_queue,
            "temperature": self.temperature,
            "seed": self.seed,
        }

    @component.output_types(replies=list[ChatMessage])
    def run(
        self,
        messages: list[ChatMessage],
        streaming_callback: Callable[[StreamingChunk], None] | None = None,
    ) -> dict[str, Any]:
        """Answer ``messages``; tokens go to ``streaming_callback`` as they come.

        :param messages: The prompt.
        :param streaming_callback: Called with each streamed chunk (from a worker thread).
        :returns: ``replies``: one assistant message with ``finish_reason`` and ``seconds`` meta.
        """
        return self._replies(
            self.generate(messages, on_token=_text_callback(streaming_callback), is_answer=True)
        )

    @component.output_types(replies=list[ChatMessage])
    async def run_async(
        self,
        messages: list[ChatMessage],
        streaming_callback: Callable[[StreamingChunk], None] | None = None,
    ) -> dict[str, Any]:
        """Like ``run``, off the event loop; cancelling the task stops generation between tokens.

        :param messages: The prompt.
        :param streaming_callback: Called with each streamed chunk (from a worker thread).
        :returns: ``replies``: one assistant message with ``finish_reason`` and ``seconds`` meta.
        """
        cancel = threading.Event()
        try:
            generation = await asyncio.to_thread(
                self.generate,
                messages,
                on_token=_text_callback(streaming_callback),
                cancel=cancel,
                is_answer=True,
            )
        except asyncio.CancelledError:
            cancel.set()  # the client went away: stop generating between tokens
            raise
        return self._replies(generation)

    @staticmethod
    def _replies(generation: "Generation") -> dict[str, Any]:
        meta = {
            "finish_reason": generation.finish_reason,
            "seconds": generation.seconds,
            "first_token_s": generation.first_token_s,
            "stats": generation.stats,
        }
        return {"replies": [ChatMessage.from_assistant(generation.text, meta=meta)]}

    def generate(
        self,
        messages: list[ChatMessage],
        *,
        on_token: TokenCallback | None = None,
        cancel: threading.Event | None = None,
        timeout_s: float | None = None,
        max_tokens: int | None = None,
        json_schema: dict[str, Any] | None = None,
        is_answer: bool = False,
    ) -> Generation:
        """Run one chat completion (blocking); raise on a full queue, timeout or backend error.

        ``timeout_s`` and ``max_tokens`` override the defaults for this call (short helper
        calls such as query rewriting get tighter limits); ``json_schema`` asks the backend to
        constrain the output to JSON of that shape where it can.
        """
        timeout = timeout_s or self.timeout_s
        call = GenerationCall(
            deadline=self.clock() + timeout,
            timeout_s=timeout,
            cancel=cancel or threading.Event(),
            max_tokens=max_tokens or self.max_answer_tokens,
            json_schema=json_schema,
            clock=self.clock,
            is_answer=is_answer,
        )
        self._enter_queue()
        try:
            if not self._lock.acquire(timeout=timeout):
                raise GenerationTimeoutError(
                    f"the model stayed busy for {timeout:.0f}s; try again later"
                )
            try:
                return self._run(messages, call, on_token)
            finally:
                self._lock.release()
        finally:
            self._leave_queue()

    def _run(
        self, messages: list[ChatMessage], call: GenerationCall, on_token: TokenCallback | None
    ) -> Generation:
        started = time.monotonic()
        kwargs: dict[str, Any] = {"generation_kwargs": self.generation_kwargs(call)}
        raises = self.raises_to_stop(call)
        forwarder = _StreamForwarder(on_token, call, raise_on_stop=raises)
        if on_token is not None or raises:
            kwargs["streaming_callback"] = forwarder
        generator = self.generator_for(call)
        self.reset_stats()

        def attempt() -> dict[str, Any]:
            try:
                return generator.run(messages=messages, **kwargs)
            except _GenerationStopped:
                return {"replies": []}
            except Exception as error:
                if forwarder.first_token_at is not None:  # a retry would repeat streamed text
                    raise _PartialStreamError(str(error)) from error
                raise

        try:
            result = self.guard.call(attempt) if self.guard is not None else attempt()
        except TunedDError:
            raise
        except Exception as error:  # any backend failure becomes one typed error
            logger.warning("Chat model %s failed: %r", self.model_name, error)
            raise BackendUnavailableError(f"the chat model failed: {error}") from error
        elapsed = time.monotonic() - started
        LLM_SECONDS.observe(elapsed)
        first_token_s = None
        if forwarder.first_token_at is not None:
            first_token_s = round(forwarder.first_token_at - started, 3)
            LLM_FIRST_TOKEN_SECONDS.observe(first_token_s)
        if self.clock() > call.deadline and not call.cancel.is_set():
            raise GenerationTimeoutError(f"the model did not answer within {call.timeout_s:.0f}s")
        reply = result["replies"][0] if result.get("replies") else None
        text = (reply.text or "") if reply else ""
        meta = (reply.meta or {}) if reply else {}
        _count_tokens(meta.get("usage") or {})
        finish = str(meta.get("finish_reason", "stop"))
        if call.cancel.is_set():
            finish = "cancelled"
        return Generation(
            text=text,
            finish_reason=finish,
            seconds=elapsed,
            first_token_s=first_token_s,
            stats=self.stats(),
        )

    #: Backends that cannot be stopped from inside (HTTP streams) abort by raising in the
    #: streaming callback instead, so they always stream internally.
    stops_by_raising = False

    def generation_kwargs(self, call: GenerationCall) -> dict[str, Any]:
        """Per-call generation arguments; backends add their stop hooks and options."""
        return {}

    def raises_to_stop(self, call: GenerationCall) -> bool:
        """Whether this call streams internally and is stopped by raising in the callback."""
        return self.stops_by_raising

    def reset_stats(self) -> None:
        """Start the backend's counters for a new call (under the model lock)."""

    def stats(self) -> dict[str, float]:
        """The backend's counters for the call that just ended (empty: none reported)."""
        return {}

    def generator_for(self, call: GenerationCall) -> Any:
        """The Haystack generator serving this call (backends may pick a JSON-mode twin)."""
        return self.generator

    def _enter_queue(self) -> None:
        with self._waiting_lock:
            if self._waiting >= self.max_queue:
                raise self._busy_error()
            self._waiting += 1

    def _busy_error(self) -> ModelBusyError:
        return ModelBusyError(
            f"the model queue is full ({self.max_queue} requests); retry shortly",
            retry_after_s=max(1, int(self.timeout_s // 10)),
        )

    def _leave_queue(self) -> None:
        with self._waiting_lock:
            self._waiting -= 1


def _text_callback(
    streaming_callback: Callable[[StreamingChunk], None] | None,
) -> TokenCallback | None:
    if streaming_callback is None:
        return None
    return lambda text: streaming_callback(StreamingChunk(content=text))


def generation_limits(settings: Any) -> dict[str, Any]:
    """The generator arguments every stack takes from settings alike."""
    return {
        "max_answer_tokens": settings.max_answer_tokens,
        "timeout_s": settings.llm_timeout_s,
        "max_queue": settings.llm_max_queue,
        "temperature": settings.temperature,
        "seed": settings.seed,
    }


@dataclass(frozen=True)
class GenerationCall:
    """Limits and hooks of one generate() call, handed to backend hooks."""

    deadline: float
    timeout_s: float
    cancel: threading.Event
    max_tokens: int
    json_schema: dict[str, Any] | None
    clock: Callable[[], float] = time.monotonic
    #: The chat graph's answer call (not a helper call such as a rewrite or a summary).
    is_answer: bool = False

    @property
    def should_stop(self) -> bool:
        """True once the caller cancelled or the deadline passed."""
        return self.cancel.is_set() or self.clock() > self.deadline


class _GenerationStopped(BaseException):
    """Raised inside a streaming callback to abort a backend that cannot be stopped otherwise.

    A BaseException on purpose: Haystack's llama.cpp generator logs and swallows ordinary
    exceptions raised by streaming callbacks, which would let generation run on.
    """


class _PartialStreamError(Exception):
    """The backend failed after tokens were streamed: not retried (text would repeat)."""


def _count_tokens(usage: dict[str, Any]) -> None:
    for key, direction in (("prompt_tokens", "in"), ("completion_tokens", "out")):
        value = usage.get(key)
        if isinstance(value, int) and value > 0:
            LLM_TOKENS.labels(direction=direction).inc(value)


class _StreamForwarder:
    """Forwards streamed text to the caller; stops the stream once the call should stop."""

    def __init__(
        self, on_token: TokenCallback | None, call: GenerationCall, *, raise_on_stop: bool
    ) -> None:
        self._on_token = on_token
        self._call = call
        self._raise_on_stop = raise_on_stop
        self.first_token_at: float | None = None

    def __call__(self, chunk: StreamingChunk) -> None:
        if self._call.should_stop:
            if self._raise_on_stop:
                raise _GenerationStopped()
            return
        if chunk.content:
            if self.first_token_at is None:
                self.first_token_at = time.monotonic()
            if self._on_token is not None:
                self._on_token(chunk.content)
