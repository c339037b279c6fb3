"""``build_runtime(settings)``: the one place a process gets its stack, guards and graphs.

The server, ``tunedd index``, ``tunedd eval``, the records worker and the benchmarks all start
here, so each runs the same stack with the same retries, breakers and pipelines. Building
loads nothing and connects nowhere; ``prepare()`` does (blocking).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Callable

from haystack import Pipeline

from tunedd_api.backends.base import Stack
from tunedd_api.backends.factory import build_stack
from tunedd_api.observability.metrics import record_circuit_state
from tunedd_api.pipelines.chat import ChatOptions, build_chat_pipeline
from tunedd_api.pipelines.indexing import IndexingOptions, build_indexing_pipeline
from tunedd_api.resilience import Guards
from tunedd_api.settings import Settings

logger = logging.getLogger(__name__)


@dataclass
class Runtime:
    """A stack, the guards around its dependencies, and the two graphs built over it."""

    settings: Settings
    stack: Stack
    guards: Guards
    indexing: Pipeline
    chat: Pipeline

    def prepare(self, *, chat: bool = True) -> None:
        """Wait for services and load models (blocking; once per process).

        ``chat=False`` prepares indexing only (no chat model is loaded).
        """
        self.stack.prepare(chat=chat)
        self.indexing.warm_up()
        if chat:
            self.chat.warm_up()

    def close(self) -> None:
        """Release connections and models."""
        self.stack.close()


def build_runtime(
    settings: Settings,
    *,
    stack: Stack | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Runtime:
    """The runtime for ``settings``; ``stack`` replaces the configured one and ``clock`` the
    breakers' monotonic clock (tests)."""
    stack = stack or build_stack(settings)
    guards = Guards.from_settings(settings, on_state_change=record_circuit_state, clock=clock)
    stack.use_guards(guards)
    indexing = build_indexing_pipeline(stack, IndexingOptions.from_settings(settings))
    chat = build_chat_pipeline(stack, ChatOptions.from_settings(settings))
    attach_guards(indexing, guards)
    attach_guards(chat, guards)
    return Runtime(settings=settings, stack=stack, guards=guards, indexing=indexing, chat=chat)


def attach_guards(pipeline: Pipeline, guards: Guards) -> None:
    """Give every component that calls a dependency the process's shared guards."""
    for _name, instance in pipeline.walk():
        if hasattr(instance, "use_guards"):
            instance.use_guards(guards)
