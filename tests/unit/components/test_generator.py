"""Unit tests of GuardedChatGenerator: replies, typed errors, queue, deadlines, streaming."""

from __future__ import annotations

import threading
from dataclasses import replace
import time
from typing import Any, Callable

import pytest
from fakes import ManualClock
from haystack.components.generators.chat import MockChatGenerator
from haystack.dataclasses import ChatMessage, StreamingChunk

from tunedd_api.components.generator import GenerationCall, GuardedChatGenerator
from tunedd_api.components.llama_generator import LlamaCppGuardedGenerator
from tunedd_api.components.ollama_generator import OllamaGuardedGenerator
from tunedd_api.errors import BackendUnavailableError, GenerationTimeoutError, ModelBusyError

MESSAGES = [ChatMessage.from_system("Be brief."), ChatMessage.from_user("Hello?")]


def _model(
    generator: Any, *, timeout_s: float = 5, max_queue: int = 8, cls: type = GuardedChatGenerator
) -> GuardedChatGenerator:
    return cls(
        generator=generator,
        model_name="fake",
        context_window=4096,
        max_answer_tokens=128,
        timeout_s=timeout_s,
        max_queue=max_queue,
    )


class FakeGenerator:
    """A chat generator whose ``run`` is a plain function, to block, fail or stream on demand."""

    def __init__(self, behaviour: Callable[[Callable | None], None] | None = None) -> None:
        self.behaviour = behaviour
        self.calls = 0

    def run(
        self,
        messages: list[ChatMessage],
        generation_kwargs: dict | None = None,
        streaming_callback: Callable[[StreamingChunk], None] | None = None,
    ) -> dict:
        self.calls += 1
        if self.behaviour is not None:
            self.behaviour(streaming_callback)
        return {"replies": [ChatMessage.from_assistant("x")]}


class BlockingGenerator(FakeGenerator):
    """Blocks inside ``run`` until ``release`` is set; ``entered`` says it is running."""

    def __init__(self) -> None:
        super().__init__(self._block)
        self.entered = threading.Event()
        self.release = threading.Event()

    def _block(self, _callback: Callable | None) -> None:
        self.entered.set()
        if not self.release.wait(timeout=10):
            raise RuntimeError("the test never released the generator")


def test_generate_returns_mock_text() -> None:
    model = _model(MockChatGenerator(responses="The answer is 42 [1]."))
    generation = model.generate(MESSAGES)
    assert generation.text == "The answer is 42 [1]."
    assert generation.finish_reason == "stop"
    assert generation.seconds >= 0
    assert model.queue_depth == 0


def test_generator_error_becomes_backend_unavailable() -> None:
    def fail(_callback: Callable | None) -> None:
        raise RuntimeError("connection refused")

    generator = FakeGenerator(fail)
    model = _model(generator)
    with pytest.raises(BackendUnavailableError) as raised:
        model.generate(MESSAGES)
    assert not isinstance(raised.value, ModelBusyError)
    assert "connection refused" in raised.value.message
    # The lock and the queue slot were released: the next call goes through.
    assert model.queue_depth == 0
    generator.behaviour = None
    assert model.generate(MESSAGES).text == "x"


def test_full_queue_raises_model_busy_while_first_call_runs() -> None:
    generator = BlockingGenerator()
    model = _model(generator, max_queue=1)
    results: list[str] = []
    errors: list[BaseException] = []

    def first_call() -> None:
        try:
            results.append(model.generate(MESSAGES).text)
        except BaseException as error:  # reported to the main thread below
            errors.append(error)

    worker = threading.Thread(target=first_call)
    worker.start()
    try:
        assert generator.entered.wait(timeout=5)
        assert model.queue_depth == 1
        with pytest.raises(ModelBusyError) as raised:
            model.generate(MESSAGES)
        assert raised.value.retry_after_s >= 1
        assert generator.calls == 1
    finally:
        generator.release.set()
        worker.join(timeout=5)
    assert not worker.is_alive()
    assert errors == []
    assert results == ["x"]
    assert model.queue_depth == 0
    assert model.generate(MESSAGES).text == "x"


def test_slow_generation_raises_timeout() -> None:
    clock = ManualClock()
    model = _model(FakeGenerator(lambda _callback: clock.advance(0.15)), timeout_s=0.05)
    model.clock = clock
    with pytest.raises(GenerationTimeoutError):
        model.generate(MESSAGES)
    assert model.queue_depth == 0


def test_on_token_receives_streamed_chunks() -> None:
    def stream(callback: Callable[[StreamingChunk], None] | None) -> None:
        assert callback is not None
        for piece in ("a", "", "b", "c"):
            callback(StreamingChunk(content=piece))

    received: list[str] = []
    generation = _model(FakeGenerator(stream)).generate(MESSAGES, on_token=received.append)
    assert received == ["a", "b", "c"]
    assert generation.text == "x"


def test_cancelled_request_gets_no_tokens() -> None:
    def stream(callback: Callable[[StreamingChunk], None] | None) -> None:
        assert callback is not None
        callback(StreamingChunk(content="a"))

    cancel = threading.Event()
    cancel.set()
    received: list[str] = []
    _model(FakeGenerator(stream)).generate(MESSAGES, on_token=received.append, cancel=cancel)
    assert received == []


def test_no_streaming_callback_without_on_token() -> None:
    seen: list[Any] = []
    _model(FakeGenerator(seen.append)).generate(MESSAGES)
    assert seen == [None]


def test_per_call_limits_reach_backend_hooks() -> None:
    seen: list[Any] = []

    class HookedModel(GuardedChatGenerator):
        def generation_kwargs(self, call: GenerationCall) -> dict[str, Any]:
            seen.append(call)
            return {}

    model = HookedModel(
        generator=FakeGenerator(),
        model_name="f",
        context_window=4096,
        max_answer_tokens=128,
        timeout_s=30,
    )
    model.generate(MESSAGES, max_tokens=7, timeout_s=2.5, json_schema={"type": "object"})
    model.generate(MESSAGES)
    assert (seen[0].max_tokens, seen[0].timeout_s, seen[0].json_schema) == (
        7,
        2.5,
        {"type": "object"},
    )
    assert (seen[1].max_tokens, seen[1].timeout_s, seen[1].json_schema) == (128, 30, None)


class RaisingStopModel(GuardedChatGenerator):
    """Like the Ollama model: aborts the stream by raising in the callback."""

    stops_by_raising = True


def test_backend_that_stops_by_raising_is_aborted_on_cancel() -> None:
    cancel = threading.Event()
    streamed: list[str] = []

    def stream(callback: Callable[[StreamingChunk], None] | None) -> None:
        assert callback is not None  # streams internally even without on_token
        for piece in ("a", "b", "c"):
            if piece == "b":
                cancel.set()  # the client disconnects after the first token
            callback(StreamingChunk(content=piece))
            streamed.append(piece)

    model = _model(FakeGenerator(stream), timeout_s=5, cls=RaisingStopModel)
    generation = model.generate(MESSAGES, cancel=cancel)
    assert streamed == ["a"]  # the callback raised at "b": no more tokens were produced
    assert generation.finish_reason == "cancelled"


def test_backend_that_stops_by_raising_times_out() -> None:
    clock = ManualClock()

    def stream(callback: Callable[[StreamingChunk], None] | None) -> None:
        assert callback is not None
        for _ in range(100):
            clock.advance(0.01)
            callback(StreamingChunk(content="a"))

    model = _model(FakeGenerator(stream), timeout_s=0.05, cls=RaisingStopModel)
    model.clock = clock
    with pytest.raises(GenerationTimeoutError):
        model.generate(MESSAGES)


class SwallowingGenerator(FakeGenerator):
    """Like Haystack's llama.cpp generator: logs and ignores exceptions from the callback."""

    def __init__(self, clock: ManualClock, tokens: int = 50) -> None:
        super().__init__()
        self.clock = clock
        self.tokens = tokens
        self.produced = 0

    def run(self, messages, generation_kwargs=None, streaming_callback=None) -> dict:
        for _ in range(self.tokens):
            self.produced += 1
            self.clock.advance(0.01)
            try:
                streaming_callback(StreamingChunk(content="{"))
            except Exception:  # noqa: BLE001 - what the integration does
                continue
        return {"replies": [ChatMessage.from_assistant("{" * self.tokens)]}


def test_stop_by_raising_survives_a_generator_that_swallows_callback_errors() -> None:
    clock = ManualClock()
    generator = SwallowingGenerator(clock)
    model = _model(generator, timeout_s=0.05, cls=RaisingStopModel)
    model.clock = clock
    with pytest.raises(GenerationTimeoutError):
        model.generate(MESSAGES, json_schema={"type": "object"})
    assert generator.produced < generator.tokens  # aborted, not run to the end


class _LoadedLlama:
    """The loaded llama.cpp model, as far as ``generation_kwargs`` reads it."""

    def token_eos(self) -> int:
        return 2


def _loaded(model: LlamaCppGuardedGenerator) -> LlamaCppGuardedGenerator:
    model.generator = type("G", (), {"_model": _LoadedLlama()})()
    return model


def _call(**fields: Any) -> GenerationCall:
    """A call with a 5 s deadline and 64 tokens, free text unless ``fields`` say otherwise."""
    defaults: dict[str, Any] = {
        "deadline": time.monotonic() + 5,
        "timeout_s": 5,
        "cancel": threading.Event(),
        "max_tokens": 64,
        "json_schema": None,
    }
    return GenerationCall(**{**defaults, **fields})


def test_llama_json_calls_use_a_grammar_and_no_eos_forcing(tmp_path) -> None:
    model = _loaded(
        LlamaCppGuardedGenerator(model="m", context_window=4096, max_answer_tokens=64, timeout_s=5)
    )
    call = _call(json_schema={"type": "object"})
    kwargs = model.generation_kwargs(call)
    assert kwargs["response_format"]["schema"] == {"type": "object"}
    assert "logits_processor" not in kwargs  # forcing EOS against a grammar aborts llama.cpp
    assert model.raises_to_stop(call)
    plain = replace(call, json_schema=None)
    assert "logits_processor" in model.generation_kwargs(plain) and not model.raises_to_stop(plain)


def test_llama_citation_grammar_constrains_answer_calls_only() -> None:
    model = _loaded(
        LlamaCppGuardedGenerator(
            model="m", context_window=4096, max_answer_tokens=64, timeout_s=5, citation_grammar=True
        )
    )
    answer = _call(is_answer=True)
    kwargs = model.generation_kwargs(answer)
    assert "grammar" in kwargs and "logits_processor" not in kwargs
    assert model.raises_to_stop(answer)
    helper = replace(answer, is_answer=False)  # a rewrite or summary call stays free text
    assert "grammar" not in model.generation_kwargs(helper) and not model.raises_to_stop(helper)


def test_every_call_carries_the_seed_unless_none() -> None:
    call = _call()
    seeded = _loaded(LlamaCppGuardedGenerator(model="m", seed=7))
    fresh = _loaded(LlamaCppGuardedGenerator(model="m", seed=None))
    assert seeded.generation_kwargs(call)["seed"] == 7
    assert "seed" not in fresh.generation_kwargs(call)
    assert OllamaGuardedGenerator(model="m", seed=7).generation_kwargs(call)["seed"] == 7
    assert "seed" not in OllamaGuardedGenerator(model="m", seed=None).generation_kwargs(call)
    assert LlamaCppGuardedGenerator.from_dict(seeded.to_dict()).seed == 7
