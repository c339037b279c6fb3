"""Assembles the embedded backend: everything runs inside the API process."""

from __future__ import annotations

import logging
import os
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from haystack.components.retrievers.in_memory import (
    InMemoryBM25Retriever,
    InMemoryEmbeddingRetriever,
)

from tunedd_api.backends.base import Backend, DependencyStatus
from tunedd_api.backends.embedded.models import resolve_local_model
from tunedd_api.backends.embedded.store import load_store, save_store
from tunedd_api.backends.generation import ChatModel, GenerationCall, generation_limits
from tunedd_api.embedding.components import OnnxDocumentEmbedder, OnnxTextEmbedder
from tunedd_api.embedding.onnx_encoder import OnnxMiniLMEncoder
from tunedd_api.settings import Settings

logger = logging.getLogger(__name__)

INDEX_FILE = "index.npz"


class LlamaChatModel(ChatModel):
    """llama.cpp through ``LlamaCppChatGenerator``, stoppable between tokens."""

    def generation_kwargs(self, call: GenerationCall) -> dict[str, Any]:
        """Token limit, temperature, JSON grammar, and a stop hook for deadline and cancellation.

        llama-cpp-python's chat API takes no stopping criteria, so once the request is
        cancelled or past its deadline a logits processor leaves only end-of-sequence possible.
        A JSON schema becomes a llama.cpp grammar, so the output parses by construction.
        """
        import numpy as np
        from llama_cpp import LogitsProcessorList

        eos = self.generator._model.token_eos()  # the loaded Llama instance

        def stop_when_cancelled(_input_ids: Any, scores: Any) -> Any:
            if call.should_stop:
                forced = np.full_like(scores, -np.inf)
                forced[eos] = 0.0
                return forced
            return scores

        kwargs: dict[str, Any] = {"max_tokens": call.max_tokens, "temperature": self.temperature}
        if call.json_schema is not None:
            # Forcing end-of-sequence against a grammar aborts the process in llama.cpp
            # ("empty grammar stack"), so grammar calls stop by raising instead.
            kwargs["response_format"] = {"type": "json_object", "schema": call.json_schema}
        else:
            kwargs["logits_processor"] = LogitsProcessorList([stop_when_cancelled])
        return kwargs

    def raises_to_stop(self, call: GenerationCall) -> bool:
        """Grammar-constrained calls stream internally and stop by raising in the callback."""
        return call.json_schema is not None


@contextmanager
def _weight_repacking(enabled: bool) -> Iterator[None]:
    """Load llama.cpp models with or without CPU weight repacking.

    Repacking keeps a second, CPU-optimised copy of the quantised weights in anonymous memory
    next to the memory-mapped file: +~800 MB for Qwen2.5-1.5B, and no speed gain measured on
    this 2-core machine (prompt of 1.4k tokens: 29.1 s with, 24.9 s without). llama-cpp-python
    does not expose the switch (``use_extra_bufts``), so the default model parameters are
    adjusted while the model loads.
    """
    import llama_cpp.llama_cpp as native

    if enabled:
        yield
        return
    original = native.llama_model_default_params

    def without_repacking() -> Any:
        params = original()
        params.use_extra_bufts = False
        return params

    with _PARAMS_LOCK:
        native.llama_model_default_params = without_repacking
        try:
            yield
        finally:
            native.llama_model_default_params = original


_PARAMS_LOCK = threading.Lock()


class EmbeddedBackend(Backend):
    """In-memory document store persisted to disk, ONNX MiniLM embedder, llama.cpp chat model."""

    name = "embedded"

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._index_path = Path(settings.index_dir) / INDEX_FILE
        store = load_store(self._index_path)
        encoder = OnnxMiniLMEncoder(threads=settings.local_threads)
        self._model_path: Path | None = None
        super().__init__(
            document_store=store,
            retriever=InMemoryEmbeddingRetriever(document_store=store, scale_score=False),
            keyword_retriever=InMemoryBM25Retriever(document_store=store),
            text_embedder=OnnxTextEmbedder(encoder=encoder),
            document_embedder=OnnxDocumentEmbedder(
                encoder=encoder, batch_size=settings.embedding_batch_size
            ),
            chat_model=LlamaChatModel(
                generator=None,
                model_name=settings.local_chat_model,
                context_window=settings.local_context_tokens,
                **generation_limits(settings),
            ),
        )

    def prepare(self) -> None:
        """Load the embedder and the GGUF chat model."""
        from haystack_integrations.components.generators.llama_cpp import LlamaCppChatGenerator

        self.text_embedder.warm_up()
        settings = self._settings
        self._model_path = resolve_local_model(
            settings.local_chat_model, Path(settings.index_dir) / "models"
        )
        threads = settings.local_threads or os.cpu_count() or 1
        self.chat_model.generator = LlamaCppChatGenerator(
            model=str(self._model_path),
            n_ctx=settings.local_context_tokens,
            n_batch=512,
            model_kwargs={"n_threads": threads, "verbose": False, "seed": 42},
        )
        started = time.monotonic()
        with _weight_repacking(settings.local_weight_repack):
            self.chat_model.warm_up()
        logger.info(
            "Loaded chat model %s in %.1fs", self._model_path.name, time.monotonic() - started
        )

    def similarity(self, score: float) -> float:
        """InMemory cosine scores are already cosine similarities (``scale_score=False``)."""
        return score

    def persist(self) -> None:
        """Save the index so a restart re-embeds nothing."""
        save_store(self.document_store, self._index_path)

    def check(self) -> list[DependencyStatus]:
        """In-process parts are healthy once loaded."""
        loaded = self.chat_model.generator is not None
        return [
            DependencyStatus(
                "document_store", True, f"{self.document_store.count_documents()} chunks"
            ),
            DependencyStatus("embedder", True, "onnx all-MiniLM-L6-v2 (int8)"),
            DependencyStatus(
                "llm", loaded, self._model_path.name if self._model_path else "not loaded"
            ),
        ]
