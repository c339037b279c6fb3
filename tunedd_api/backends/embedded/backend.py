"""The embedded stack: everything runs inside the API process, nothing to install or start.

SQLite document store searched in memory (exact cosine + BM25L), all-MiniLM-L6-v2 as int8
ONNX, and a GGUF chat model through llama.cpp.
"""

from __future__ import annotations

import logging
from pathlib import Path

from tunedd_api.backends.base import DependencyStatus, Stack
from tunedd_api.backends.embedded.npz_migration import migrate_npz
from tunedd_api.backends.embedded.retrievers import SQLiteBM25Retriever, SQLiteEmbeddingRetriever
from tunedd_api.backends.embedded.sqlite_store import SQLiteDocumentStore
from tunedd_api.components.embedders import OnnxDocumentEmbedder, OnnxTextEmbedder
from tunedd_api.components.generator import generation_limits
from tunedd_api.components.llama_generator import LlamaCppGuardedGenerator
from tunedd_api.settings import Settings

logger = logging.getLogger(__name__)

INDEX_FILE = "index.sqlite3"
OLD_INDEX_FILE = "index.npz"


class EmbeddedStack(Stack):
    """SQLite document store searched in memory, ONNX MiniLM embedder, llama.cpp chat model."""

    name = "embedded"

    def __init__(self, settings: Settings) -> None:
        self.index_dir = Path(settings.index_dir)
        store = SQLiteDocumentStore(path=str(self.index_dir / INDEX_FILE))
        super().__init__(
            document_store=store,
            retriever=SQLiteEmbeddingRetriever(document_store=store),
            keyword_retriever=SQLiteBM25Retriever(document_store=store),
            text_embedder=OnnxTextEmbedder(threads=settings.local_threads),
            document_embedder=OnnxDocumentEmbedder(
                threads=settings.local_threads, batch_size=settings.embedding_batch_size
            ),
            chat_model=LlamaCppGuardedGenerator(
                model=settings.local_chat_model,
                models_dir=str(Path(settings.index_dir) / "models"),
                threads=settings.local_threads,
                weight_repack=settings.local_weight_repack,
                flash_attention=settings.local_flash_attention,
                prompt_lookup_tokens=settings.local_prompt_lookup_tokens,
                citation_grammar=settings.citation_grammar,
                context_window=settings.local_context_tokens,
                **generation_limits(settings),
            ),
        )

    def prepare(self, *, chat: bool = True) -> None:
        """Open the store (migrating an old index once), load the embedder and the chat model."""
        migrate_npz(self.index_dir / OLD_INDEX_FILE, self.document_store)
        self.text_embedder.warm_up()
        if chat:
            self.chat_model.warm_up()

    def check(self) -> list[DependencyStatus]:
        """In-process parts are healthy once loaded."""
        model_path = self.chat_model.model_path
        return [
            DependencyStatus(
                "document_store", True, f"{self.document_store.count_documents()} chunks"
            ),
            DependencyStatus("embedder", True, "onnx all-MiniLM-L6-v2 (int8)"),
            DependencyStatus(
                "llm", model_path is not None, model_path.name if model_path else "not loaded"
            ),
        ]

    def close(self) -> None:
        """Release the chat model and the store's file."""
        super().close()
        self.document_store.close()
