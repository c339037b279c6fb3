"""A stack: the component set the indexing and chat graphs are built from, and its lifecycle.

The embedded stack (file-backed in-memory store, ONNX embedders, llama.cpp) and the production
stack (Weaviate, Ollama) differ only here; the graphs in :mod:`tunedd_api.pipelines` and
everything above them never check which stack they run on.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import Any, Literal

from tunedd_api.components.embedders import embed_texts
from tunedd_api.components.generator import GuardedChatGenerator
from tunedd_api.resilience import Guards


@dataclass(frozen=True)
class DependencyStatus:
    """Health of one external part (store, embedder, LLM) for /readyz."""

    name: str
    ok: bool
    detail: str


class Stack(abc.ABC):
    """A document store, its retrievers, two embedders and one chat generator that work together.

    Subclasses only assemble Haystack components and say how to start, probe and stop them.
    """

    name: str = "abstract"
    #: What the dense retriever's scores are: cosine similarities, or Weaviate's certainty.
    score_scale: Literal["cosine", "certainty"] = "cosine"
    #: Whether the chat model is fast enough to label themes within their time budget by
    #: default (the local model on 2 CPU cores is not: it always fell back after ~9 s).
    labels_with_llm: bool = False

    def __init__(
        self,
        *,
        document_store: Any,
        retriever: Any,
        text_embedder: Any,
        document_embedder: Any,
        chat_model: GuardedChatGenerator,
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
        """Route the chat model's calls (and ``embed_texts``) through ``guards``."""
        self.guards = guards
        self.chat_model.use_guards(guards)

    @abc.abstractmethod
    def prepare(self, *, chat: bool = True) -> None:
        """Connect, wait for services and load models (blocking; called once at startup).

        ``chat=False`` skips the chat model (indexing needs only the store and embedder).
        """

    def embed_texts(self, texts: list[str]) -> list[list[float]]:
        """Embed many short texts with the document embedder, guarded (blocking)."""
        return embed_texts(self.document_embedder, self.guards.embedder, texts)

    @abc.abstractmethod
    def check(self) -> list[DependencyStatus]:
        """Cheap health probe of each dependency."""

    def close(self) -> None:
        """Release connections and models."""
        self.chat_model.close()
