"""Retries with backoff and circuit breakers around calls to the embedder, store and LLM.

A :class:`Guard` wraps one dependency. Transient failures (connection errors, timeouts, HTTP
5xx and 429) are retried with exponential backoff and full jitter, honouring ``Retry-After``
when the error carries one; other errors surface at once. Consecutive failures open the
breaker: calls then fail fast with :class:`CircuitOpenError` (503) until ``reset_after_s``
has passed, when one trial call is let through (half-open) and closes it again on success.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, TypeVar

from tunedd_api.errors import BackendUnavailableError, GenerationTimeoutError, TunedDError

logger = logging.getLogger(__name__)

T = TypeVar("T")

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"
_TRANSIENT_STATUS = {408, 425, 429, 500, 502, 503, 504}


class CircuitOpenError(BackendUnavailableError):
    """The dependency failed repeatedly; calls fail fast until the breaker half-opens."""

    def __init__(self, name: str, retry_after_s: float) -> None:
        super().__init__(
            f"{name} is unavailable after repeated failures; retrying it in "
            f"{retry_after_s:.0f}s"
        )
        self.retry_after_s = max(1, int(retry_after_s + 0.999))


def status_code_of(error: BaseException) -> int | None:
    """The HTTP status an exception carries (httpx, requests, ollama), if any."""
    for candidate in (error, getattr(error, "response", None)):
        code = getattr(candidate, "status_code", None)
        if isinstance(code, int):
            return code
    return None


def retry_after_of(error: BaseException) -> float | None:
    """Seconds from a ``Retry-After`` header on the error's response, if present."""
    response = getattr(error, "response", None)
    headers = getattr(response, "headers", None) or {}
    value = headers.get("Retry-After") if hasattr(headers, "get") else None
    try:
        return float(value) if value is not None else getattr(error, "retry_after_s", None)
    except ValueError:
        return None


def is_transient(error: BaseException) -> bool:
    """Worth retrying: the same call may well succeed a moment later."""
    if isinstance(error, CircuitOpenError):
        return False
    if isinstance(error, (ConnectionError, TimeoutError, GenerationTimeoutError)):
        return True
    status = status_code_of(error)
    if status is not None:
        return status in _TRANSIENT_STATUS
    name = type(error).__name__.lower()
    return any(word in name for word in ("connect", "timeout", "unavailable", "transport"))


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry transient failures."""

    attempts: int = 3
    base_delay_s: float = 0.5
    max_delay_s: float = 8.0

    def delay(self, attempt: int, retry_after_s: float | None = None) -> float:
        """Full-jitter exponential backoff; a server's Retry-After wins (capped)."""
        if retry_after_s is not None:
            return min(max(retry_after_s, 0.0), self.max_delay_s)
        return random.uniform(0, min(self.max_delay_s, self.base_delay_s * 2**attempt))


class CircuitBreaker:
    """Counts consecutive failures; thread-safe. ``clock``: monotonic seconds (tests inject)."""

    def __init__(
        self,
        *,
        failure_threshold: int = 5,
        reset_after_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.failure_threshold = failure_threshold
        self.reset_after_s = reset_after_s
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_running = False
        self._lock = threading.Lock()

    @property
    def state(self) -> str:
        """``closed``, ``open`` or ``half_open``."""
        with self._lock:
            return self._state()

    def _state(self) -> str:
        if self._opened_at is None:
            return CLOSED
        if self._clock() - self._opened_at >= self.reset_after_s:
            return HALF_OPEN
        return OPEN

    def before_call(self, name: str) -> None:
        """Raise CircuitOpenError unless a call may go through now."""
        with self._lock:
            state = self._state()
            if state == CLOSED:
                return
            if state == HALF_OPEN and not self._trial_running:
                self._trial_running = True  # one trial call; the rest keep failing fast
                return
            waited = self._clock() - (self._opened_at or 0.0)
            raise CircuitOpenError(name, max(self.reset_after_s - waited, 1.0))

    def record_success(self) -> None:
        """Close the breaker."""
        with self._lock:
            self._failures, self._opened_at, self._trial_running = 0, None, False

    def record_failure(self) -> None:
        """Count a failure; open (again) at the threshold or after a failed trial."""
        with self._lock:
            self._failures += 1
            if self._trial_running or self._failures >= self.failure_threshold:
                self._opened_at = self._clock()
            self._trial_running = False


class Guard:
    """Retry policy + circuit breaker for one named dependency."""

    def __init__(
        self,
        name: str,
        *,
        retry: RetryPolicy | None = None,
        breaker: CircuitBreaker | None = None,
        sleep: Callable[[float], None] = time.sleep,
        on_state_change: Callable[[str, str], None] | None = None,
    ) -> None:
        self.name = name
        self.retry = retry or RetryPolicy()
        self.breaker = breaker or CircuitBreaker()
        self._sleep = sleep
        self._on_state_change = on_state_change

    def call(self, fn: Callable[[], T], *, retry: bool = True) -> T:
        """Run ``fn`` with retries on transient errors; raise a typed error at the end."""
        attempts = self.retry.attempts if retry else 1
        for attempt in range(attempts):
            self.breaker.before_call(self.name)
            try:
                result = fn()
            except Exception as error:
                self._failed()
                if attempt + 1 >= attempts or not is_transient(error):
                    raise _typed(self.name, error) from error
                delay = self.retry.delay(attempt, retry_after_of(error))
                logger.warning(
                    "%s failed (%r); retry %d/%d in %.2fs",
                    self.name,
                    error,
                    attempt + 1,
                    attempts - 1,
                    delay,
                )
                self._sleep(delay)
            else:
                self._succeeded()
                return result
        raise AssertionError("unreachable")  # pragma: no cover

    def _failed(self) -> None:
        before = self.breaker.state
        self.breaker.record_failure()
        self._notify(before)

    def _succeeded(self) -> None:
        before = self.breaker.state
        self.breaker.record_success()
        self._notify(before)

    def _notify(self, before: str) -> None:
        after = self.breaker.state
        if after != before:
            logger.warning("Circuit for %s: %s -> %s", self.name, before, after)
            if self._on_state_change is not None:
                self._on_state_change(self.name, after)


def _typed(name: str, error: Exception) -> TunedDError:
    if isinstance(error, TunedDError):
        return error
    return BackendUnavailableError(f"{name} failed: {error}")


@dataclass
class Guards:
    """One guard per external dependency, shared by indexing and chat."""

    embedder: Guard
    document_store: Guard
    llm: Guard

    @classmethod
    def from_settings(
        cls,
        settings: Any,
        *,
        on_state_change: Callable[[str, str], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> "Guards":
        """Guards with the retry and breaker limits from settings; ``on_state_change`` hears
        every breaker's state (from the start: closed)."""

        def guard(name: str) -> Guard:
            if on_state_change is not None:
                on_state_change(name, CLOSED)
            return Guard(
                name,
                retry=RetryPolicy(
                    attempts=settings.retry_attempts,
                    base_delay_s=settings.retry_base_delay_s,
                    max_delay_s=settings.retry_max_delay_s,
                ),
                breaker=CircuitBreaker(
                    failure_threshold=settings.breaker_failure_threshold,
                    reset_after_s=settings.breaker_reset_s,
                    clock=clock,
                ),
                on_state_change=on_state_change,
            )

        return cls(
            embedder=guard("embedder"), document_store=guard("document_store"), llm=guard("llm")
        )

    @classmethod
    def passthrough(cls) -> "Guards":
        """No retries and a breaker that never opens (scripts, tests of other parts)."""

        def guard(name: str) -> Guard:
            return Guard(
                name,
                retry=RetryPolicy(attempts=1),
                breaker=CircuitBreaker(failure_threshold=10**9),
            )

        return cls(
            embedder=guard("embedder"), document_store=guard("document_store"), llm=guard("llm")
        )

    def states(self) -> dict[str, str]:
        """Breaker state per dependency."""
        return {g.name: g.breaker.state for g in (self.embedder, self.document_store, self.llm)}
