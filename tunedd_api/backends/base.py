"""What a backend provides to the indexing and chat pipelines, whatever runs underneath."""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import Any

from haystack import Document

from tunedd_api.backends.generation import ChatModel
from tunedd_api.observability.metrics import EMBEDDING_SECONDS
from tunedd_api.resilience import Guards


@dataclass(frozen=True)
class DependencyStatus:
    """Health of one external part (store, embedder, LLM) for /readyz."""

    name: str
    ok: bool
    detail: str


class Backend(abc.ABC):
    """A document store, its retriever, two embedders and one chat model that work together.

    Subclasses only assemble Haystack components; the pipelines above never check which
    backend they run on.
    """

    name: str = "abstract"

    def __init__(
        self,
        *,
        document_store: Any,
        retriever: Any,
        text_embedder: Any,
        document_embedder: Any,
        chat_model: ChatModel,
        keyword_retriever: Any = None,
    ) -> None:
        self.document_store = document_store
        self.retriever = retriever
        #: BM25 over the same store, fused with the dense results in hybrid mode (optional).
        self.keyword_retriever = keyword_retriever
        self.text_embedder = text_embedder
        self.document_embedder = document_embedder
        self.chat_model = chat_model
        self.guards = Guards.passthrough()

    def use_guards(self, guards: Guards) -> None:
        """Route every embedder, store and LLM call through ``guards`` (retries, breakers)."""
        self.guards = guards
        self.chat_model.guard = guards.llm

    @abc.abstractmethod
    def prepare(self) -> None:
        """Connect, wait for services and load models (blocking; called once at startup)."""

    @abc.abstractmethod
    def similarity(self, score: float) -> float:
        """Convert a retriever score to cosine similarity in [-1, 1]."""

    def embed_texts(self, texts: list[str]) -> list[list[float]]:
        """Embed many short texts in batches with the document embedder (blocking)."""
        if not texts:
            return []
        documents = [Document(content=text) for text in texts]
        with EMBEDDING_SECONDS.labels(kind="documents").time():
            embedded = self.guards.embedder.call(
                lambda: self.document_embedder.run(documents=documents)["documents"]
            )
        return [document.embedding for document in embedded]

    def persist(self) -> None:
        """Make the index durable after a change (no-op for stores that are durable already)."""

    @abc.abstractmethod
    def check(self) -> list[DependencyStatus]:
        """Cheap health probe of each dependency."""

    def close(self) -> None:
        """Release connections and models."""
        self.chat_model.close()
