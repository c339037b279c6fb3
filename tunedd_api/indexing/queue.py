"""Uploads waiting to be indexed: jobs in the application database, and this process's worker.

Accepted uploads become rows of ``index_jobs`` (:mod:`tunedd_api.indexing.jobs`); every API
process using the database runs one worker thread that claims them one at a time under a
lease (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), so several processes share the queue and a
job of a process that died is indexed again by another once its lease expires. A claimed
upload runs through the same indexing graph as startup (:class:`Indexer`), in its non-pruning
mode, so only that document is added. Its status (``queued``, ``indexing`` with the embedder's
chunk progress, ``indexed`` or ``failed`` with the reason) is read from the table, so every
process answers alike; the process's catalog follows the table (at once for its own uploads,
within ``poll_s`` for other processes'). Deleting waits for this process's run of the document
to end; a run in another process notices the deletion when it finishes and removes what it
wrote, so no chunk outlives its document.
"""

from __future__ import annotations

import logging
import threading
import uuid
from contextlib import nullcontext
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pypdf import PdfReader

from tunedd_api.documents import DocumentRecord, document_filter
from tunedd_api.indexing.catalog import DocumentCatalog
from tunedd_api.indexing.indexer import Indexer
from tunedd_api.indexing.jobs import OPEN, IndexJobs, JobRow
from tunedd_api.indexing.lease import LeaseKeeper
from tunedd_api.indexing.uploads import UploadStore
from tunedd_api.resilience import Guard

logger = logging.getLogger(__name__)


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
    """Indexes queued uploads one at a time in a worker thread; at most ``capacity`` wait.

    :param owner: This process's name on the leases it takes (default: random).
    """

    def __init__(
        self,
        *,
        indexer: Indexer,
        catalog: DocumentCatalog,
        uploads: UploadStore,
        document_store: Any,
        store_guard: Guard,
        jobs: IndexJobs,
        capacity: int,
        max_pages: int,
        lease_s: float = 60.0,
        poll_s: float = 2.0,
        owner: str | None = None,
    ) -> None:
        self._indexer = indexer
        self._catalog = catalog
        self._uploads = uploads
        self._store = document_store
        self._store_guard = store_guard
        self._jobs = jobs
        self._capacity = capacity
        self._max_pages = max_pages
        self._lease_s = lease_s
        self._poll_s = poll_s
        self.owner = owner or uuid.uuid4().hex
        self._current: UploadJob | None = None
        self._keeper: LeaseKeeper | None = None
        self._changed = threading.Condition()
        self._run_lock = threading.Lock()  # held by each indexing run
        self._wake = False
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._from_jobs: set[str] = set()  # uploads the catalog learnt from the table

    @property
    def indexer(self) -> Indexer:
        """The collection's indexer (the graph this worker runs)."""
        return self._indexer

    @property
    def jobs(self) -> IndexJobs:
        """The jobs table."""
        return self._jobs

    def start(self) -> None:
        """Start the worker (after startup indexing: the graph runs one pass at a time)."""
        self._stopping = False
        self._thread = threading.Thread(target=self._work, name="upload-indexer", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 30.0) -> None:
        """Let the run in progress finish and stop; queued uploads stay in the table."""
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def submit(self, jobs: list[UploadJob], records: list[DocumentRecord]) -> None:
        """Queue every job (with its ``queued`` record), or none of them when there is no room
        (UploadQueueFullError)."""
        rows = [
            {
                "document_id": job.document_id,
                "path": str(job.path),
                "format": job.file_format,
                "file_name": record.file_name,
            }
            for job, record in zip(jobs, records)
        ]
        self._jobs.enqueue(rows, self._capacity)
        with self._changed:
            for record in records:
                self._catalog.put(record)
            self._wake = True
            self._changed.notify_all()

    def record(self, document_id: str) -> DocumentRecord | None:
        """The upload's record as the table has it (None: not an upload the table knows)."""
        row = self._jobs.get(document_id)
        return row.record() if row is not None else None

    def progress(self, document_id: str) -> UploadProgress | None:
        """Progress of a queued or indexing upload (this process's own run: the latest)."""
        with self._changed:
            current, keeper = self._current, self._keeper
        if current is not None and keeper is not None and current.document_id == document_id:
            return UploadProgress(**keeper.progress())
        return _progress(self._jobs.get(document_id))

    def progress_all(self) -> dict[str, UploadProgress]:
        """Progress of every queued or indexing upload, by document id."""
        found = {row.document_id: _progress(row) for row in self._jobs.all()}
        return {key: value for key, value in found.items() if value is not None}

    def wait_idle(self, timeout_s: float | None = None) -> bool:
        """Block until nothing is queued or indexing; whether that happened in time."""
        with self._changed:
            return self._changed.wait_for(
                lambda: self._current is None and self._jobs.open_count() == 0,
                timeout_s,
            )

    def delete(self, document_id: str) -> None:
        """Forget an upload: its job (queued or running), chunks, file and record."""
        with self._changed:
            running = self._current is not None and self._current.document_id == document_id
            if running:
                self._current.cancelled = True
        self._jobs.delete(document_id)  # a run elsewhere cleans up after itself on finishing
        # Only this document's own run is waited for: it could still write chunks.
        with self._run_lock if running else nullcontext():
            self._drop_chunks(document_id)
            self._uploads.remove(document_id)
            self._catalog.remove(document_id)

    def _work(self) -> None:
        while True:
            with self._changed:
                if self._stopping:
                    return
            row = self._claim()
            if row is None:
                self._follow_table()
                with self._changed:
                    self._changed.wait_for(lambda: self._wake or self._stopping, self._poll_s)
                    self._wake = False
                continue
            job = UploadJob(row.document_id, Path(row.path), row.format)
            with self._changed:
                self._current = job
            try:
                with self._run_lock:
                    if not job.cancelled:
                        self._index(job, row)
            finally:
                with self._changed:
                    self._current = None
                    self._keeper = None
                    self._changed.notify_all()

    def _claim(self) -> JobRow | None:
        try:
            return self._jobs.claim(self.owner, self._lease_s)
        except Exception:  # the database is down: try again at the next poll
            logger.exception("Claiming an upload to index failed")
            return None

    def _index(self, job: UploadJob, row: JobRow) -> None:
        name = row.file_name
        pages = _page_count(job.path) if job.file_format == "pdf" else None
        if pages is not None and pages > self._max_pages:
            reason = f"{pages} pages; uploads are limited to {self._max_pages}"
            self._finish(job, DocumentRecord.failed(job.document_id, name, reason))
            return
        keeper = LeaseKeeper(self._jobs, job.document_id, self.owner, self._lease_s)
        keeper.publish(pages_total=pages, chunks_done=0, chunks_total=None)
        with self._changed:
            self._keeper = keeper
            self._catalog.put(replace(row.record(), status="indexing", page_count=pages or 0))
        embedder = self._indexer.pipeline.get_component("embedder")
        observe = getattr(embedder, "observe", None)
        if observe is not None:
            observe(lambda _id, done, total: keeper.publish(chunks_done=done, chunks_total=total))
        try:
            with keeper:
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
        if self._jobs.finish(job.document_id, self.owner, record):
            with self._changed:
                if not job.cancelled:
                    self._catalog.put(record)
            logger.info("Upload %s is %s", job.document_id, record.status)
        elif self._jobs.get(job.document_id) is None:  # deleted meanwhile: drop what was written
            logger.info(
                "Upload %s was deleted while indexing; removing its chunks", job.document_id
            )
            self._drop_chunks(job.document_id)
            self._catalog.remove(job.document_id)
        else:  # the lease expired and another process indexes it: it writes the same chunks
            logger.warning(
                "Lost the lease on upload %s; another process indexes it", job.document_id
            )

    def _drop_chunks(self, document_id: str) -> None:
        self._store_guard.call(lambda: self._store.delete_by_filter(document_filter([document_id])))

    def _follow_table(self) -> None:
        """Bring the catalog in line with the uploads other processes queued, indexed or
        deleted."""
        try:
            rows = self._jobs.all()
        except Exception:
            logger.exception("Reading the upload jobs failed")
            return
        with self._changed:
            self._from_jobs = self._catalog.follow([r.record() for r in rows], self._from_jobs)


def _progress(row: JobRow | None) -> UploadProgress | None:
    if row is None or row.status not in OPEN:
        return None
    return UploadProgress(row.pages_total, row.chunks_done, row.chunks_total)


def _page_count(path: Path) -> int | None:
    """Pages of a PDF; ``None`` when pypdf cannot tell (the converter reports why)."""
    try:
        return len(PdfReader(path).pages)
    except Exception:  # encrypted, corrupt: the converter gives the reason
        return None
