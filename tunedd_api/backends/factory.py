"""The one place that decides which parts run: the embedded stack or Weaviate + Ollama."""

from __future__ import annotations

from tunedd_api.backends.base import Backend
from tunedd_api.settings import BackendKind, Settings


def build_backend(settings: Settings) -> Backend:
    """Build (but do not start) the backend that ``settings.backend`` names."""
    if settings.backend is BackendKind.EMBEDDED:
        from tunedd_api.backends.embedded.backend import EmbeddedBackend

        return EmbeddedBackend(settings)
    if settings.backend is BackendKind.PRODUCTION:
        from tunedd_api.backends.production.backend import ProductionBackend

        return ProductionBackend(settings)
    raise ValueError(f"unknown backend {settings.backend!r}")
