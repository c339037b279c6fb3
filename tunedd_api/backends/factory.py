"""The one place that decides which stack runs: embedded, or Weaviate + Ollama."""

from __future__ import annotations

from tunedd_api.backends.base import Stack
from tunedd_api.settings import BackendKind, Settings


def build_stack(settings: Settings) -> Stack:
    """Build (but do not start) the stack that ``settings.backend`` names.

    The stack modules are imported here, when chosen: each needs its own optional packages
    (llama.cpp and onnxruntime, or the Weaviate and Ollama clients).
    """
    if settings.backend is BackendKind.EMBEDDED:
        from tunedd_api.backends.embedded.backend import EmbeddedStack

        return EmbeddedStack(settings)
    if settings.backend is BackendKind.PRODUCTION:
        from tunedd_api.backends.production.backend import ProductionStack

        return ProductionStack(settings)
    raise ValueError(f"unknown backend {settings.backend!r}")
