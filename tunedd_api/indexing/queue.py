"""Uploads waiting to be indexed: one bounded queue and the one worker thread that drains it.

Each upload runs through the same indexing graph as startup (:class:`Indexer`), in its
non-pruning mode, so only that document is added and no other is touched. The catalog shows
the document ``queued``, then ``indexing`` (with the embedder's chunk progress), then
``indexed`` (searchable and scopable) or ``failed`` with the reason. Deleting waits for the
document's run to end, so no chunk is written after its deletion.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from contextlib import nullcontext
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pypdf import PdfReader

from tunedd_api.documents import DocumentRecord, document_filter
from tunedd_api.errors import UploadQueueFullError
from tunedd_api.indexing.catalog import DocumentCatalog
from tunedd_api.indexing.indexer import Indexer
from tunedd_api.indexing.uploads import UploadStore
from tunedd_api.resilience import Guard

logger = logging.getLogger(__name__)

#: Seconds a client is asked to wait when the queue is full.
RETRY_AFTER_S = 10


@dataclass
class UploadJob:
    """One accepted upload waiting for (or in) its indexing run."""

    document_id: str
    path: Path
    file_format: str
    cancelled: bool = False


@dataclass(frozen=True)
class UploadProgress:
    """How far a document's run is; ``None`` where not known yet."""

    pages_total: int | None = None
    chunks_done: int = 0
    chunks_total: int | None = None


class UploadQueue:
    """Indexes accepted uploads one at a time in a worker thread; at most ``capacity`` wait."""

    def __init__(
        self,
        *,
        indexer: Indexer,
        catalog: DocumentCatalog,
        uploads: UploadStore,
        document_store: Any,
        store_guard: Guard,
        capacity: int,
        max_pages: int,
    ) -> None:
        self._indexer = indexer
        self._catalog = catalog
        self._uploads = uploads
        self._store = document_store
        self._store_guard = store_guard
        self._capacity = capacity
        self._max_pages = max_pages
        self._pending: deque[UploadJob] = deque()
        self._current: UploadJob | None = None
        self._progress: dict[str, UploadProgress] = {}
        self._changed = threading.Condition()
        self._run_lock = threading.Lock()  # held by each indexing run
        self._stopping = False
        self._thread: threading.Thread | None = None

    @property
    def indexer(self) -> Indexer:
        """The collection's indexer (the graph this worker runs)."""
        return self._indexer

    def start(self) -> None:
        """Start the worker (after startup indexing: the graph runs one pass at a time)."""
        self._thread = threading.Thread(target=self._work, name="upload-indexer", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 30.0) -> None:
        """Let the run in progress finish and stop; waiting uploads are indexed at next start."""
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def submit(self, jobs: list[UploadJob], records: list[DocumentRecord]) -> None:
        """Queue every job (with its ``queued`` record), or none of them when there is no room."""
        with self._changed:
            room = self._capacity - len(self._pending)
            if len(jobs) > room:
                raise UploadQueueFullError(
                    f"the indexing queue has room for {max(room, 0)} more uploads",
                    retry_after_s=RETRY_AFTER_S,
                )
            for job, record in zip(jobs, records):
                self._catalog.put(record)
                self._pending.append(job)
                self._progress[job.document_id] = UploadProgress()
            self._changed.notify_all()

    def progress(self, document_id: str) -> UploadProgress | None:
        """Progress of a queued or indexing upload."""
        with self._changed:
            return self._progress.get(document_id)

    def wait_idle(self, timeout_s: float | None = None) -> bool:
        """Block until nothing is queued or indexing; whether that happened in time."""
        with self._changed:
            return self._changed.wait_for(
                lambda: not self._pending and self._current is None, timeout_s
            )

    def delete(self, document_id: str) -> None:
        """Forget an upload: dequeue it (or wait for its run to end), drop its chunks, file
        and record."""
        with self._changed:
            for job in [j for j in self._pending if j.document_id == document_id]:
                job.cancelled = True
                self._pending.remove(job)
            running = self._current is not None and self._current.document_id == document_id
            if running:
                self._current.cancelled = True
            self._progress.pop(document_id, None)
            self._changed.notify_all()
        # Only this document's own run is waited for: it could still write chunks.
        with self._run_lock if running else nullcontext():
            self._store_guard.call(
                lambda: self._store.delete_by_filter(document_filter([document_id]))
            )
            self._uploads.remove(document_id)
            self._catalog.remove(document_id)

    def _work(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._pending or self._stopping)
                if self._stopping:
                    return
                job = self._current = self._pending.popleft()
            try:
                with self._run_lock:
                    if not job.cancelled:
                        self._index(job)
            finally:
                with self._changed:
                    self._current = None
                    self._progress.pop(job.document_id, None)
                    self._changed.notify_all()

    def _index(self, job: UploadJob) -> None:
        record = self._catalog.get(job.document_id)
        name = record.file_name if record else job.path.name
        pages = _page_count(job.path) if job.file_format == "pdf" else None
        if pages is not None and pages > self._max_pages:
            reason = f"{pages} pages; uploads are limited to {self._max_pages}"
            self._finish(job, DocumentRecord.failed(job.document_id, name, reason))
            return
        self._set_progress(job.document_id, pages_total=pages)
        if record is not None:
            self._catalog.put(replace(record, status="indexing", page_count=pages or 0))
        embedder = self._indexer.pipeline.get_component("embedder")
        observe = getattr(embedder, "observe", None)
        if observe is not None:
            observe(lambda _id, done, total: self._set_progress(_id, done, total))
        try:
            report = self._indexer.index([job.path], prune=False)
            result = next(r for r in report.records if r.document_id == job.document_id)
        except Exception as error:  # a store or embedder failure must not stop the worker
            logger.exception("Indexing upload %s failed", job.document_id)
            result = DocumentRecord.failed(job.document_id, name, f"indexing failed: {error}")
        finally:
            if observe is not None:
                observe(None)
        self._finish(job, result)

    def _finish(self, job: UploadJob, record: DocumentRecord) -> None:
        with self._changed:
            if not job.cancelled:
                self._catalog.put(record)
        logger.info("Upload %s is %s", job.document_id, record.status)

    def _set_progress(
        self,
        document_id: str,
        chunks_done: int | None = None,
        chunks_total: int | None = None,
        *,
        pages_total: int | None = None,
    ) -> None:
        with self._changed:
            known = self._progress.get(document_id, UploadProgress())
            self._progress[document_id] = UploadProgress(
                pages_total=pages_total if pages_total is not None else known.pages_total,
                chunks_done=chunks_done if chunks_done is not None else known.chunks_done,
                chunks_total=chunks_total if chunks_total is not None else known.chunks_total,
            )


def _page_count(path: Path) -> int | None:
    """Pages of a PDF; ``None`` when pypdf cannot tell (the converter reports why)."""
    try:
        return len(PdfReader(path).pages)
    except Exception:  # encrypted, corrupt: the converter gives the reason
        return None
