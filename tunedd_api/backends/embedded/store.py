"""Haystack's InMemoryDocumentStore, saved to and loaded from one file on disk.

Vectors go into a float32 array and the rest into JSON, in one ``.npz`` written atomically
(temporary file + rename), so a crash never leaves a half-written index behind.
:class:`FileDocumentStore` is that store as a serialisable document store: instances for the
same file share one storage (Haystack's shared in-memory index), so the components of a
pipeline loaded from YAML all see the same documents.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

import numpy as np
from haystack import Document, default_from_dict, default_to_dict
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
    documents = read_documents(path)
    if documents:
        store.write_documents(documents, policy=DuplicatePolicy.OVERWRITE)
    return store


def read_documents(path: Path) -> list[Document]:
    """The documents saved at ``path`` (none if there is no file or it is unreadable)."""
    if not path.exists():
        return []
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
        return []
    logger.info("Loaded %d chunks from %s", len(documents), path)
    return documents


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


class FileDocumentStore(InMemoryDocumentStore):
    """An in-memory store (cosine) backed by an ``.npz`` file; ``persist()`` saves it.

    :param path: The index file, (re)loaded on construction: every instance for the file
        starts from what was last persisted, as a new process would.
    """

    def __init__(self, *, path: str) -> None:
        resolved = Path(path).resolve()
        super().__init__(
            embedding_similarity_function="cosine", index=f"file:{resolved}", shared=True
        )
        self.path = str(path)
        if self.count_documents():
            self.delete_all_documents()
        documents = read_documents(resolved)
        if documents:
            self.write_documents(documents, policy=DuplicatePolicy.OVERWRITE)

    def persist(self) -> None:
        """Write every document to the file atomically."""
        save_store(self, Path(self.path))

    def to_dict(self) -> dict[str, Any]:
        """Serialise (the file path is the whole configuration)."""
        return default_to_dict(self, path=self.path)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "FileDocumentStore":
        """Rebuild from the file path."""
        return default_from_dict(cls, data)
