"""Haystack components around :class:`OnnxMiniLMEncoder`, mirroring Haystack's embedder API."""

from __future__ import annotations

from dataclasses import replace

from haystack import Document, component

from tunedd_api.embedding.onnx_encoder import OnnxMiniLMEncoder


@component
class OnnxTextEmbedder:
    """Embeds one query string, like Haystack's ``*TextEmbedder`` components."""

    def __init__(self, *, encoder: OnnxMiniLMEncoder) -> None:
        self.encoder = encoder

    def warm_up(self) -> None:
        """Load the model."""
        self.encoder.warm_up()

    @component.output_types(embedding=list[float])
    def run(self, text: str) -> dict:
        """Return the embedding of ``text``."""
        if not isinstance(text, str):
            raise TypeError("OnnxTextEmbedder expects a string; use OnnxDocumentEmbedder for lists")
        return {"embedding": self.encoder.encode([text])[0].tolist()}


@component
class OnnxDocumentEmbedder:
    """Embeds the content of documents in batches, like Haystack's ``*DocumentEmbedder``."""

    def __init__(self, *, encoder: OnnxMiniLMEncoder, batch_size: int = 32) -> None:
        self.encoder = encoder
        self.batch_size = batch_size

    def warm_up(self) -> None:
        """Load the model."""
        self.encoder.warm_up()

    @component.output_types(documents=list[Document])
    def run(self, documents: list[Document]) -> dict:
        """Return copies of ``documents`` with ``embedding`` set."""
        vectors = self.encoder.encode(
            [d.content or "" for d in documents], batch_size=self.batch_size
        )
        embedded = [replace(d, embedding=v.tolist()) for d, v in zip(documents, vectors)]
        return {"documents": embedded}
