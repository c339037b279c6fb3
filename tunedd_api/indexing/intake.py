"""The uploads use case: accept received files, tell their status, delete them.

A received file is checked by content (:func:`tunedd_api.formats.detect_format`), identified
by the same content hash as the indexer uses, and either recognised (the same bytes are
already in the collection: its id and status come back, nothing is stored or embedded) or kept
under its id and queued for indexing. Documents of the startup data folder are read-only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from tunedd_api.components.pdf_text import document_id_for
from tunedd_api.documents import DocumentRecord
from tunedd_api.errors import (
    DocumentNotFoundError,
    ReadOnlyDocumentError,
    UnsupportedFileTypeError,
)
from tunedd_api.formats import detect_file_format, detect_format
from tunedd_api.indexing.catalog import DocumentCatalog
from tunedd_api.indexing.indexer import Indexer
from tunedd_api.indexing.jobs import IndexJobs
from tunedd_api.indexing.queue import UploadJob, UploadProgress, UploadQueue
from tunedd_api.indexing.uploads import UploadStore, clean_file_name, stored_uploads
from tunedd_api.runtime import Runtime

logger = logging.getLogger(__name__)


@dataclass
class ReceivedFile:
    """An uploaded file streamed to ``path``: the client's name, its size and first bytes."""

    name: str
    path: Path
    size: int = 0
    head: bytes = b""


@dataclass(frozen=True)
class Accepted:
    """What became of one uploaded file."""

    document_id: str
    file_name: str
    status: str
    duplicate: bool


class DocumentIntake:
    """Accepts uploads into the collection and removes them again (blocking calls).

    Owns the collection's indexer (data folder + kept uploads, for the startup run), the
    upload store and the upload queue."""

    def __init__(self, *, catalog: DocumentCatalog, uploads: UploadStore, queue: UploadQueue):
        self._catalog = catalog
        self._uploads = uploads
        self._queue = queue

    @classmethod
    def build(
        cls, runtime: Runtime, catalog: DocumentCatalog, database: Engine
    ) -> "DocumentIntake":
        """Uploads over the runtime's indexing graph and document store, queued in the jobs
        table of the (migrated) application ``database`` (nothing started)."""
        settings = runtime.settings
        store = UploadStore(settings.uploads_path)
        indexer = Indexer(
            pipeline=runtime.indexing, data_dir=settings.data_dir, uploads_dir=store.folder
        )
        queue = UploadQueue(
            indexer=indexer,
            catalog=catalog,
            uploads=store,
            document_store=runtime.stack.document_store,
            store_guard=runtime.guards.document_store,
            jobs=IndexJobs(database, max_attempts=settings.upload_max_attempts),
            capacity=settings.upload_queue_size,
            max_pages=settings.max_upload_pages,
            lease_s=settings.upload_lease_s,
            poll_s=settings.upload_poll_s,
        )
        return cls(catalog=catalog, uploads=store, queue=queue)

    @property
    def store(self) -> UploadStore:
        """Where uploaded files are kept."""
        return self._uploads

    @property
    def indexer(self) -> Indexer:
        """Indexes the whole collection: the data folder and every kept upload."""
        return self._queue.indexer

    @property
    def queue(self) -> UploadQueue:
        """The upload indexing queue (started once startup indexing is done)."""
        return self._queue

    def is_upload(self, document_id: str) -> bool:
        """Whether ``document_id`` is an uploaded document (else a data-folder one)."""
        return self._uploads.path(document_id) is not None

    def accept(self, files: list[ReceivedFile]) -> list[Accepted]:
        """Keep and queue every new file; all or none (a bad type or a full queue refuses the
        whole request, and the received files are discarded)."""
        try:
            formats = [self._format(received) for received in files]
            return self._keep_and_queue(files, formats)
        finally:
            for received in files:
                received.path.unlink(missing_ok=True)  # kept ones were moved away

    def status(self, document_id: str) -> tuple[DocumentRecord, UploadProgress | None]:
        """The document's record and, while queued or indexing, its progress; an upload's
        come from the jobs table, so every API process answers alike."""
        record = self._queue.record(document_id) or self._catalog.get(document_id)
        if record is None:
            raise DocumentNotFoundError(document_id)
        return record, self._queue.progress(document_id)

    def adopt_uploads(self, records: list[DocumentRecord]) -> None:
        """Give the uploads a startup run indexed a job row if they have none (kept before
        jobs were stored)."""
        paths = {path.parent.name: str(path) for path in stored_uploads(self._uploads.folder)}
        self._queue.jobs.adopt(records, paths)

    def upload_ids(self) -> set[str]:
        """Ids of the documents that were uploaded (the rest come from the data folder)."""
        return {path.parent.name for path in stored_uploads(self._uploads.folder)}

    def delete(self, document_id: str) -> None:
        """Remove an uploaded document: chunks, file and record; folder documents are
        read-only."""
        if not self.is_upload(document_id):
            if self._catalog.get(document_id) is not None:
                raise ReadOnlyDocumentError(document_id)
            raise DocumentNotFoundError(document_id)
        self._queue.delete(document_id)

    def _format(self, received: ReceivedFile) -> str:
        found = detect_format(received.head, received.name)
        if found == "docx" and detect_file_format(received.path) != "docx":
            found = None  # a zip archive that is not a Word document
        if found is None:
            what = "an empty file" if received.size == 0 else "not a supported document"
            raise UnsupportedFileTypeError(
                f"{clean_file_name(received.name, 'bin')}: {what}; uploads must be PDF, "
                "Markdown, plain text (UTF-8), HTML or Word (.docx) files, checked by content"
            )
        return found

    def _keep_and_queue(self, files: list[ReceivedFile], formats: list[str]) -> list[Accepted]:
        results: list[Accepted] = []
        jobs: list[UploadJob] = []
        records: list[DocumentRecord] = []
        for received, file_format in zip(files, formats):
            document_id = document_id_for(received.path)
            known = self._catalog.get(document_id) or self._queue.record(document_id)
            queued = next((r for r in records if r.document_id == document_id), None)
            if known is not None or queued is not None:
                same = known or queued
                results.append(Accepted(document_id, same.file_name, same.status, True))
                continue
            name = clean_file_name(received.name, file_format)
            path = self._uploads.keep(received.path, document_id, name)
            jobs.append(UploadJob(document_id, path, file_format))
            records.append(
                DocumentRecord(document_id, name, path.stem, 0, 0, status="queued", error=None)
            )
            results.append(Accepted(document_id, name, "queued", False))
        try:
            self._queue.submit(jobs, records)
        except Exception:
            for job in jobs:
                self._uploads.remove(job.document_id)
            raise
        logger.info("Accepted %d uploads, %d new", len(results), len(jobs))
        return results
