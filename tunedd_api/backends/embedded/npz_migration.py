"""One-time migration of the index file older versions wrote (``index.npz``) into SQLite.

Versions before the SQLite store kept every chunk in one ``.npz`` (float32 vectors + JSON) and
rewrote it whole on each save. When the store is empty and that file exists, its chunks are
copied over in one transaction (nothing is re-embedded) and the file is renamed to
``index.npz.migrated``, so the migration runs once and the old file stays for a manual rollback.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
from haystack import Document
from haystack.document_stores.types import DuplicatePolicy

from tunedd_api.backends.embedded.sqlite_store import SQLiteDocumentStore

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1


def read_npz(path: Path) -> list[Document]:
    """The documents saved at ``path`` by an older version (none if unreadable)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            header = json.loads(str(data["documents"]))
            vectors = data["embeddings"]
        if header.get("format") != FORMAT_VERSION:
            raise ValueError(f"unsupported index format {header.get('format')}")
        return [
            Document.from_dict({**doc, "embedding": vectors[i].tolist()})
            for i, doc in enumerate(header["documents"])
        ]
    except (OSError, ValueError, KeyError) as error:
        logger.warning("Ignoring unreadable old index %s (%s)", path, error)
        return []


def migrate_npz(old: Path, store: SQLiteDocumentStore) -> int:
    """Copy the chunks of an old ``.npz`` index into an empty ``store``; returns how many."""
    if not old.exists() or store.count_documents():
        return 0
    documents = read_npz(old)
    if documents:
        store.write_documents(documents, policy=DuplicatePolicy.OVERWRITE)
    old.rename(old.with_name(old.name + ".migrated"))
    logger.info("Migrated %d chunks from %s to %s", len(documents), old, store.path)
    return len(documents)
