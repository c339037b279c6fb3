"""Retries, backoff and circuit breakers in isolation (no sleeping: delays are recorded)."""

from __future__ import annotations


import pytest
from fakes import ManualClock

from tunedd_api.errors import BackendUnavailableError
from tunedd_api.resilience import (
    CLOSED,
    HALF_OPEN,
    OPEN,
    CircuitBreaker,
    CircuitOpenError,
    Guard,
    RetryPolicy,
    is_transient,
)


class HTTPError(Exception):
    """Looks like an httpx/ollama error: a status code and a response with headers."""

    def __init__(self, status: int, retry_after: str | None = None) -> None:
        super().__init__(f"HTTP {status}")
        self.status_code = status
        self.response = type(
            "R", (), {"headers": {"Retry-After": retry_after} if retry_after else {}}
        )()


class Flaky:
    """Fails with the given errors in order, then returns "ok"."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


CLOCK = ManualClock()


def guard(attempts: int = 3, threshold: int = 5, reset_s: float = 30.0) -> tuple[Guard, list]:
    slept: list[float] = []
    return (
        Guard(
            "embedder",
            retry=RetryPolicy(attempts=attempts, base_delay_s=0.5, max_delay_s=8.0),
            breaker=CircuitBreaker(failure_threshold=threshold, reset_after_s=reset_s, clock=CLOCK),
            sleep=slept.append,
        ),
        slept,
    )


@pytest.mark.parametrize(
    "error",
    [
        ConnectionError("refused"),
        TimeoutError("slow"),
        HTTPError(503),
        HTTPError(429),
        HTTPError(502),
    ],
)
def test_transient_errors_are_retried_until_success(error: Exception) -> None:
    g, slept = guard()
    flaky = Flaky(error, error)
    assert g.call(flaky) == "ok"
    assert flaky.calls == 3 and len(slept) == 2


@pytest.mark.parametrize("error", [ValueError("bad input"), HTTPError(400), HTTPError(404)])
def test_permanent_errors_are_not_retried(error: Exception) -> None:
    g, slept = guard()
    flaky = Flaky(error)
    with pytest.raises(BackendUnavailableError):
        g.call(flaky)
    assert flaky.calls == 1 and slept == []
    assert not is_transient(error)


def test_retry_after_of_a_429_is_honoured() -> None:
    g, slept = guard()
    assert g.call(Flaky(HTTPError(429, retry_after="3"))) == "ok"
    assert slept == [3.0]


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    policy = RetryPolicy(attempts=10, base_delay_s=0.5, max_delay_s=4.0)
    for attempt in range(8):
        delays = [policy.delay(attempt) for _ in range(200)]
        assert 0 <= min(delays) and max(delays) <= min(4.0, 0.5 * 2**attempt)
    assert max(policy.delay(6) for _ in range(200)) > 2.0  # jitter spreads up to the cap


def test_gives_up_after_the_last_attempt_with_a_typed_error() -> None:
    g, _ = guard(attempts=3)
    flaky = Flaky(*[ConnectionError("down")] * 5)
    with pytest.raises(BackendUnavailableError, match="embedder failed"):
        g.call(flaky)
    assert flaky.calls == 3


def test_breaker_opens_fails_fast_then_half_opens_and_closes() -> None:
    g, _ = guard(attempts=1, threshold=3, reset_s=0.05)
    down = Flaky(*[ConnectionError("down")] * 3)
    for _ in range(3):
        with pytest.raises(BackendUnavailableError):
            g.call(down)
    assert g.breaker.state == OPEN

    with pytest.raises(CircuitOpenError) as opened:
        g.call(down)
    assert down.calls == 3  # failed fast: the backend was not called
    assert opened.value.retry_after_s >= 1

    CLOCK.advance(0.06)
    assert g.breaker.state == HALF_OPEN
    assert g.call(down) == "ok"  # the trial call succeeds
    assert g.breaker.state == CLOSED


def test_failed_trial_reopens_the_breaker() -> None:
    g, _ = guard(attempts=1, threshold=1, reset_s=0.05)
    with pytest.raises(BackendUnavailableError):
        g.call(Flaky(ConnectionError("down")))
    CLOCK.advance(0.06)
    with pytest.raises(BackendUnavailableError):
        g.call(Flaky(ConnectionError("still down")))
    assert g.breaker.state == OPEN


def test_success_resets_the_failure_count() -> None:
    g, _ = guard(attempts=1, threshold=2)
    for _ in range(5):
        with pytest.raises(BackendUnavailableError):
            g.call(Flaky(ConnectionError("blip")))
        assert g.call(Flaky()) == "ok"
    assert g.breaker.state == CLOSED
