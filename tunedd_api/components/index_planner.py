"""Decides what an indexing run does, and applies the cheap part of it to the store.

Files are identified by content hash: an unchanged file is reused (nothing re-embedded, a
renamed one only gets its new name), a new or changed one goes on to be converted, and chunks
of files that are gone, changed, or were left by an interrupted write (no commit marker) are
deleted. A file indexed with an older text extraction (``TEXT_VERSION``) counts as changed.
Own component: this is tunedd's incremental, crash-safe bookkeeping; no stock component plans
against the store's commit markers.

A run can convert a batch of the pending files (``batch``): the indexer then runs the graph
once per batch, and the planner names the next batch (``prefetch_*``) so that the converter
parses it in the background while this one is embedded.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from haystack import Document, component, default_from_dict, default_to_dict

from tunedd_api.components.pdf_text import document_id_for
from tunedd_api.documents import MARKER_FILTER, DocumentRecord, document_filter, is_current
from tunedd_api.resilience import Guard, Guards

logger = logging.getLogger(__name__)


@component
class IndexPlanner:
    """Plans an indexing run of a set of files against the document store.

    :param document_store: The store the indexing pipeline writes to.
    """

    def __init__(self, *, document_store: Any) -> None:
        self.document_store = document_store
        self._guard: Guard = Guards.passthrough().document_store
        self._hashes: dict[tuple[str, int, int], str] = {}

    def use_guards(self, guards: Guards) -> None:
        """Retry and break the circuit with the runtime's shared store guard."""
        self._guard = guards.document_store

    def to_dict(self) -> dict[str, Any]:
        """Serialise, including the document store."""
        return default_to_dict(self, document_store=self.document_store)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "IndexPlanner":
        """Rebuild, including the document store."""
        return default_from_dict(cls, data)

    @component.output_types(
        sources=list[str],
        meta=list[dict[str, Any]],
        reused=list[DocumentRecord],
        failed=list[DocumentRecord],
        removed=int,
        deferred=int,
        prefetch_sources=list[str],
        prefetch_meta=list[dict[str, Any]],
    )
    def run(
        self,
        sources: list[str],
        batch: int | None = None,
        attempted: list[str] | None = None,
        prune: bool = True,
    ) -> dict[str, Any]:
        """Plan the run for ``sources`` (every file that should be indexed) and drop the rest.

        :param sources: Paths of the files that make up the collection.
        :param batch: Convert at most this many pending files in this run (``None``: all).
        :param attempted: Document ids already tried in this indexing pass (not planned again,
            so a file that failed is not retried in a loop).
        :param prune: Delete the chunks of every document not in ``sources`` (a whole
            collection). ``False`` adds ``sources`` to the store and leaves every other document
            as it is (a runtime upload).
        :returns: ``sources``/``meta``: files to convert, with their ``document_id``;
            ``reused``: records of unchanged files; ``failed``: duplicates of another file's
            content; ``removed``: documents dropped from the store; ``deferred``: pending files
            left for later runs; ``prefetch_sources``/``prefetch_meta``: the next batch.
        """
        ids: dict[str, Path] = {}
        failed: list[DocumentRecord] = []
        for path in map(Path, sources):
            doc_id = self._document_id(path)
            if doc_id in ids:
                reason = f"same content as {ids[doc_id].name}; indexed once"
                logger.warning("Skipping %s: %s", path.name, reason)
                failed.append(DocumentRecord.failed(doc_id, path.name, reason))
                continue
            ids[doc_id] = path
        markers = self._markers()
        indexed = {
            doc_id: DocumentRecord.from_marker(marker)
            for doc_id, marker in markers.items()
            if is_current(marker)
        }
        outdated = [doc_id for doc_id in ids if doc_id in markers and doc_id not in indexed]
        if outdated:
            logger.info("Indexing %d documents again: their text is extracted anew", len(outdated))
        keep = [doc_id for doc_id in ids if doc_id in indexed]
        if prune:
            self._delete_all_but(keep)  # outdated documents are not kept
        elif outdated:
            self._guard.call(
                lambda: self.document_store.delete_by_filter(document_filter(outdated))
            )
        reused = [self._reuse(indexed[doc_id], ids[doc_id]) for doc_id in keep]
        tried = set(attempted or ())
        pending = [doc_id for doc_id in ids if doc_id not in indexed and doc_id not in tried]
        # Smallest files first: the first batch's parsing is the one nothing overlaps, and
        # small documents become searchable soonest.
        pending.sort(key=lambda doc_id: ids[doc_id].stat().st_size)
        size = len(pending) if batch is None else max(1, batch)
        now, following = pending[:size], pending[size : 2 * size]
        return {
            "sources": [str(ids[doc_id]) for doc_id in now],
            "meta": [{"document_id": doc_id} for doc_id in now],
            "reused": reused,
            "failed": failed,
            "removed": len(set(markers) - set(ids)) if prune else 0,
            "deferred": len(pending) - len(now),
            "prefetch_sources": [str(ids[doc_id]) for doc_id in following],
            "prefetch_meta": [{"document_id": doc_id} for doc_id in following],
        }

    def _document_id(self, path: Path) -> str:
        """The content hash, computed once per file version (a pass plans many times)."""
        stat = path.stat()
        key = (str(path), stat.st_size, stat.st_mtime_ns)
        if key not in self._hashes:
            self._hashes[key] = document_id_for(path)
        return self._hashes[key]

    def _markers(self) -> dict[str, Document]:
        """Each indexed document's marker chunk, by document id."""
        markers = self._guard.call(lambda: self.document_store.filter_documents(MARKER_FILTER))
        return {marker.meta["document_id"]: marker for marker in markers}

    def _delete_all_but(self, keep_ids: list[str]) -> None:
        """Delete chunks of documents not kept: removed or changed files, interrupted writes."""
        store = self.document_store
        if keep_ids:
            stale = {"operator": "NOT", "conditions": [document_filter(keep_ids)]}
            deleted = self._guard.call(lambda: store.delete_by_filter(stale))
        else:
            deleted = store.count_documents()
            if deleted:
                self._guard.call(store.delete_all_documents)
        if deleted:
            logger.info("Deleted %d stale chunks", deleted)

    def _reuse(self, record: DocumentRecord, path: Path) -> DocumentRecord:
        if record.file_name == path.name:
            return record
        logger.info("%s was renamed to %s; updating its chunks", record.file_name, path.name)
        self._guard.call(
            lambda: self.document_store.update_by_filter(
                document_filter([record.document_id]), {"file_name": path.name}
            )
        )
        return DocumentRecord(**{**record.__dict__, "file_name": path.name})
