"""The production stack: Weaviate for vectors and BM25, Ollama for embeddings and chat."""

from __future__ import annotations

import logging
import time
from typing import Any, Callable
from urllib.parse import urlparse

from tunedd_api.backends.base import Stack, DependencyStatus
from tunedd_api.components.generator import generation_limits
from tunedd_api.components.ollama_generator import OllamaGuardedGenerator
from tunedd_api.backends.production.weaviate_schema import collection_settings
from tunedd_api.errors import BackendUnavailableError
from tunedd_api.settings import Settings

logger = logging.getLogger(__name__)


class ProductionStack(Stack):
    """WeaviateDocumentStore + WeaviateEmbeddingRetriever, Ollama embedders and chat generator."""

    name = "production"
    score_scale = "certainty"
    labels_with_llm = True

    def __init__(self, settings: Settings) -> None:
        from haystack_integrations.components.embedders.ollama import (
            OllamaDocumentEmbedder,
            OllamaTextEmbedder,
        )
        from haystack_integrations.components.retrievers.weaviate import (
            WeaviateBM25Retriever,
            WeaviateEmbeddingRetriever,
        )
        from haystack_integrations.document_stores.weaviate import WeaviateDocumentStore

        self._settings = settings
        store = WeaviateDocumentStore(
            url=settings.weaviate_url,
            collection_settings=collection_settings(settings.weaviate_collection),
            grpc_port=settings.weaviate_grpc_port,
        )
        common = {
            "model": settings.embedding_model,
            "url": settings.ollama_url,
            "timeout": int(settings.embed_timeout_s),
            "keep_alive": settings.ollama_keep_alive,
        }
        super().__init__(
            document_store=store,
            retriever=WeaviateEmbeddingRetriever(document_store=store),
            keyword_retriever=WeaviateBM25Retriever(document_store=store),
            text_embedder=OllamaTextEmbedder(**common),
            document_embedder=OllamaDocumentEmbedder(
                **common, batch_size=settings.embedding_batch_size, progress_bar=False
            ),
            chat_model=OllamaGuardedGenerator(
                model=settings.chat_model,
                url=settings.ollama_url,
                keep_alive=settings.ollama_keep_alive,
                context_window=settings.ollama_context_tokens,
                **generation_limits(settings),
            ),
        )

    def prepare(self, *, chat: bool = True) -> None:
        """Wait for Weaviate and Ollama (bounded), pull missing models, touch the collection."""
        settings = self._settings
        _wait_for(
            "Weaviate", settings.weaviate_url, self._weaviate_ready, settings.startup_timeout_s
        )
        _wait_for("Ollama", settings.ollama_url, self._ollama_models, settings.startup_timeout_s)
        for model in (settings.embedding_model, settings.chat_model)[: 2 if chat else 1]:
            self._ensure_model(model)
        _ = self.document_store.collection  # creates the collection if it does not exist

    def check(self) -> list[DependencyStatus]:
        """Ping Weaviate and Ollama."""
        statuses = []
        for name, probe in (("document_store", self._weaviate_ready), ("llm", self._ollama_models)):
            try:
                probe()
                statuses.append(DependencyStatus(name, True, "reachable"))
            except Exception as error:  # report, never raise, from a health probe
                statuses.append(DependencyStatus(name, False, str(error)))
        return statuses

    def close(self) -> None:
        """Close the Weaviate client."""
        self.document_store.close()

    def _ollama_client(self) -> Any:
        import ollama

        return ollama.Client(host=self._settings.ollama_url, timeout=10)

    def _weaviate_ready(self) -> bool:
        if not self.document_store.client.is_ready():
            raise BackendUnavailableError("Weaviate is not ready")
        return True

    def _ollama_models(self) -> set[str]:
        listed = self._ollama_client().list()
        return {model.model for model in listed.models}

    def _ensure_model(self, model: str) -> None:
        present = self._ollama_models()
        if model in present or f"{model}:latest" in present:
            logger.info("Ollama has model %s", model)
            return
        logger.info("Pulling Ollama model %s (first start only)", model)
        client = self._ollama_client()
        last_logged = 0.0
        for progress in client.pull(model, stream=True):
            if progress.total and time.monotonic() - last_logged > 5:
                percent = 100.0 * (progress.completed or 0) / progress.total
                logger.info("Pulling %s: %s %.0f%%", model, progress.status, percent)
                last_logged = time.monotonic()
        logger.info("Pulled Ollama model %s", model)


def _wait_for(name: str, url: str, probe: Callable[[], Any], timeout_s: float) -> None:
    """Call ``probe`` until it succeeds, with capped exponential backoff, for ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    delay = 0.5
    attempt = 0
    while True:
        attempt += 1
        try:
            probe()
            logger.info("%s is up at %s", name, url)
            return
        except Exception as error:  # connection refused, DNS, 5xx: all mean "not yet"
            if time.monotonic() + delay > deadline:
                raise BackendUnavailableError(
                    f"{name} at {urlparse(url).netloc} did not become ready in {timeout_s:.0f}s: "
                    f"{error}"
                ) from error
            logger.info("Waiting for %s at %s (attempt %d): %s", name, url, attempt, error)
            time.sleep(delay)
            delay = min(delay * 2, 10.0)
