"""Test doubles: a backend with a real in-memory store, a bag-of-words embedder and a mock LLM.

The bag-of-words embedder makes retrieval meaningful without a neural model: texts sharing
words are similar, so scoping and ranking can be asserted exactly.
"""

from __future__ import annotations

import hashlib
import math
import re
import uuid
from pathlib import Path
from typing import Callable

from haystack import Document, component
from haystack.components.generators.chat import MockChatGenerator
from haystack.components.retrievers.in_memory import (
    InMemoryBM25Retriever,
    InMemoryEmbeddingRetriever,
)
from haystack.dataclasses import ChatMessage, StreamingChunk

from haystack.document_stores.in_memory import InMemoryDocumentStore

from tunedd_api.backends.base import DependencyStatus, Stack
from tunedd_api.backends.embedded.retrievers import SQLiteBM25Retriever, SQLiteEmbeddingRetriever
from tunedd_api.backends.embedded.sqlite_store import SQLiteDocumentStore
from tunedd_api.components.generator import GuardedChatGenerator

DIMENSION = 4096
_STOPWORDS = {"the", "a", "an", "of", "and", "is", "in", "to", "what", "how", "are", "on", "it"}


def bag_of_words(text: str) -> list[float]:
    """A normalised hashed bag-of-words vector."""
    vector = [0.0] * DIMENSION
    for word in re.findall(r"[a-z0-9]+", text.lower()):
        if word not in _STOPWORDS:
            vector[int(hashlib.md5(word.encode()).hexdigest(), 16) % DIMENSION] += 1.0
    norm = math.sqrt(sum(v * v for v in vector)) or 1.0
    return [v / norm for v in vector]


@component
class BowTextEmbedder:
    """Embeds a query with :func:`bag_of_words`."""

    @component.output_types(embedding=list[float])
    def run(self, text: str) -> dict:
        """Return the query embedding."""
        return {"embedding": bag_of_words(text)}


@component
class BowDocumentEmbedder:
    """Embeds documents with :func:`bag_of_words` and counts calls (to prove reuse)."""

    def __init__(self) -> None:
        self.calls = 0
        self.embedded = 0
        self.fail_with: Exception | None = None

    @component.output_types(documents=list[Document])
    def run(self, documents: list[Document]) -> dict:
        """Return the documents with embeddings."""
        if self.fail_with is not None:
            raise self.fail_with
        self.calls += 1
        self.embedded += len(documents)
        return {
            "documents": [
                Document(id=d.id, content=d.content, meta=d.meta, embedding=bag_of_words(d.content))
                for d in documents
            ]
        }


class ManualClock:
    """A monotonic clock that moves only when the test says so."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` pass."""
        self.now += seconds


class HTTPStatusError(Exception):
    """Shaped like an HTTP client's status error (status_code, response.headers)."""

    def __init__(self, status: int, retry_after: str | None = None) -> None:
        super().__init__(f"HTTP {status}")
        self.status_code = status
        headers = {"Retry-After": retry_after} if retry_after else {}
        self.response = type("Response", (), {"headers": headers})()


class RecordingLLM:
    """A reply function for MockChatGenerator that records every prompt it receives."""

    def __init__(self, reply: str | Callable[[list[ChatMessage]], str] = "Answer [1].") -> None:
        self.reply = reply
        self.prompts: list[list[ChatMessage]] = []

    def __call__(self, messages: list[ChatMessage]) -> str:
        self.prompts.append(list(messages))
        return self.reply(messages) if callable(self.reply) else self.reply


def mock_chat_model(reply: Callable[[list[ChatMessage]], str], **options) -> GuardedChatGenerator:
    """A real GuardedChatGenerator around Haystack's MockChatGenerator answering with ``reply``."""
    settings = {"context_window": 4096, "max_answer_tokens": 256, "timeout_s": 10, **options}
    return GuardedChatGenerator(
        generator=MockChatGenerator(response_fn=reply), model_name="mock", **settings
    )


@component
class CannedChatGenerator:
    """A serialisable chat generator that always replies ``reply`` (streaming it by words).

    :param reply: The text of every reply.
    """

    def __init__(self, reply: str = "Answer [1].") -> None:
        self.reply = reply

    @component.output_types(replies=list[ChatMessage])
    def run(self, messages: list[ChatMessage], streaming_callback=None, generation_kwargs=None):
        """Reply with the canned text."""
        if streaming_callback is not None:
            for word in self.reply.split(" "):
                streaming_callback(StreamingChunk(content=word + " "))
        return {"replies": [ChatMessage.from_assistant(self.reply)]}


class FakeStack(Stack):
    """Real store and retrievers (Haystack's in-memory store, or the embedded stack's SQLite
    store at ``index_path``); bag-of-words embedders; MockChatGenerator as LLM (or any
    ``generator``)."""

    name = "fake"

    def __init__(
        self,
        llm: RecordingLLM | None = None,
        *,
        index_path: Path | None = None,
        context_window: int = 4096,
        generator: object | None = None,
    ) -> None:
        if index_path is not None:
            store = SQLiteDocumentStore(path=str(index_path))
            retriever = SQLiteEmbeddingRetriever(document_store=store)
            keyword_retriever = SQLiteBM25Retriever(document_store=store)
        else:
            store = InMemoryDocumentStore(
                embedding_similarity_function="cosine", index=f"fake-{uuid.uuid4()}"
            )
            retriever = InMemoryEmbeddingRetriever(document_store=store, scale_score=False)
            keyword_retriever = InMemoryBM25Retriever(document_store=store)
        self.llm = llm or RecordingLLM()
        self.index_path = index_path
        super().__init__(
            document_store=store,
            retriever=retriever,
            keyword_retriever=keyword_retriever,
            text_embedder=BowTextEmbedder(),
            document_embedder=BowDocumentEmbedder(),
            chat_model=GuardedChatGenerator(
                generator=generator or MockChatGenerator(response_fn=self.llm),
                model_name="mock",
                context_window=context_window,
                max_answer_tokens=256,
                timeout_s=10,
            ),
        )

    def prepare(self, *, chat: bool = True) -> None:
        """Nothing to load."""

    def check(self) -> list[DependencyStatus]:
        """Always healthy."""
        return [DependencyStatus("document_store", True, "in-memory")]

    def close(self) -> None:
        """Release the store's file (the SQLite store)."""
        super().close()
        if isinstance(self.document_store, SQLiteDocumentStore):
            self.document_store.close()
