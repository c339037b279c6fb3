"""Haystack's InMemoryDocumentStore, saved to and loaded from one file on disk.

Vectors go into a float32 array and the rest into JSON, in one ``.npz`` written atomically
(temporary file + rename), so a crash never leaves a half-written index behind.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import numpy as np
from haystack import Document
from haystack.document_stores.in_memory import InMemoryDocumentStore
from haystack.document_stores.types import DuplicatePolicy

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1


def new_store() -> InMemoryDocumentStore:
    """An empty, instance-local store using cosine similarity (vectors are normalised)."""
    return InMemoryDocumentStore(embedding_similarity_function="cosine", shared=False)


def load_store(path: Path) -> InMemoryDocumentStore:
    """Load the store saved at ``path``, or an empty one if there is none or it is unreadable."""
    store = new_store()
    if not path.exists():
        return store
    try:
        with np.load(path, allow_pickle=False) as data:
            header = json.loads(str(data["documents"]))
            vectors = data["embeddings"]
        if header.get("format") != FORMAT_VERSION:
            raise ValueError(f"unsupported index format {header.get('format')}")
        documents = [
            Document.from_dict({**doc, "embedding": vectors[i].tolist()})
            for i, doc in enumerate(header["documents"])
        ]
    except (OSError, ValueError, KeyError) as error:
        logger.warning(
            "Ignoring unreadable index %s (%s); everything will be re-indexed", path, error
        )
        return store
    store.write_documents(documents, policy=DuplicatePolicy.OVERWRITE)
    logger.info("Loaded %d chunks from %s", len(documents), path)
    return store


def save_store(store: InMemoryDocumentStore, path: Path) -> None:
    """Write every document of ``store`` to ``path`` atomically."""
    documents = list(store.storage.values())
    dimension = len(documents[0].embedding) if documents and documents[0].embedding else 0
    vectors = np.zeros((len(documents), dimension), dtype=np.float32)
    records = []
    for i, doc in enumerate(documents):
        if doc.embedding is not None:
            vectors[i] = doc.embedding
        record = doc.to_dict(flatten=False)
        record.pop("embedding", None)
        records.append(record)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with partial.open("wb") as handle:
        np.savez(
            handle,
            documents=np.array(json.dumps({"format": FORMAT_VERSION, "documents": records})),
            embeddings=vectors,
        )
    os.replace(partial, path)
    logger.info("Saved %d chunks to %s", len(documents), path)
