"""Brings the store in line with the data folder: idempotent, incremental, crash-safe.

On every start: unchanged files are reused (nothing re-embedded), new or changed files are
indexed, chunks of removed or changed files and of interrupted writes are deleted, and files
that cannot be read are reported with their reason while the rest index normally.
"""

from __future__ import annotations

import logging
import multiprocessing
import time
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from haystack import Document
from haystack.document_stores.types import DuplicatePolicy

from tunedd_api.backends.base import Backend
from tunedd_api.indexing.parsing import ParseResult, parse_and_chunk
from tunedd_api.indexing.pdf_reader import document_id_for
from tunedd_api.indexing.records import (
    MARKER_FILTER,
    DocumentRecord,
    chunks_to_documents,
    document_filter,
)
from tunedd_api.errors import TunedDError
from tunedd_api.observability.metrics import (
    EMBEDDING_SECONDS,
    INDEXED_CHUNKS,
    INDEXED_DOCUMENTS,
    INDEXING_PENDING,
)
from tunedd_api.settings import Settings

logger = logging.getLogger(__name__)


@dataclass
class IndexReport:
    """What one synchronisation did, and the resulting document list."""

    records: list[DocumentRecord] = field(default_factory=list)
    reused: int = 0
    indexed: int = 0
    failed: int = 0
    removed_documents: int = 0
    chunks_embedded: int = 0
    pages_indexed: int = 0
    seconds: float = 0.0


def find_pdfs(data_dir: Path) -> list[Path]:
    """PDF files (by extension, any case) directly in ``data_dir``, sorted by name."""
    if not data_dir.is_dir():
        logger.warning("Data folder %s does not exist; no documents to index", data_dir)
        return []
    return sorted(p for p in data_dir.iterdir() if p.is_file() and p.suffix.lower() == ".pdf")


class Indexer:
    """Synchronises a backend's document store with the PDFs of a folder."""

    def __init__(self, *, backend: Backend, settings: Settings) -> None:
        self.backend = backend
        self.settings = settings

    @property
    def store(self):
        """The backend's document store."""
        return self.backend.document_store

    def sync(self, data_dir: Path | None = None) -> IndexReport:
        """Index ``data_dir`` (default: the configured one) and return the report."""
        started = time.monotonic()
        report = IndexReport()
        files = find_pdfs(Path(data_dir or self.settings.data_dir))
        ids = self._identify(files, report)
        indexed = {r.document_id: r for r in self._indexed_records()}
        keep = {doc_id: path for doc_id, path in ids.items() if doc_id in indexed}
        report.removed_documents = len(set(indexed) - set(keep))
        self._delete_all_but(list(keep))
        for doc_id, path in keep.items():
            report.records.append(self._reuse(indexed[doc_id], path))
        report.reused = len(keep)
        pending = [(path, doc_id) for doc_id, path in ids.items() if doc_id not in keep]
        INDEXED_DOCUMENTS.labels(outcome="reused").inc(len(keep))
        INDEXED_DOCUMENTS.labels(outcome="removed").inc(report.removed_documents)
        INDEXING_PENDING.set(len(pending))
        for result in self._parse_all(pending):
            self._index_one(result, report)
            INDEXING_PENDING.dec()
        report.records.sort(key=lambda r: r.file_name)
        if report.indexed or report.removed_documents:
            self.backend.persist()
        report.seconds = time.monotonic() - started
        logger.info(
            "Indexing done in %.1fs: %d reused, %d indexed (%d pages, %d chunks), %d failed, "
            "%d removed",
            report.seconds,
            report.reused,
            report.indexed,
            report.pages_indexed,
            report.chunks_embedded,
            report.failed,
            report.removed_documents,
        )
        return report

    def _identify(self, files: list[Path], report: IndexReport) -> dict[str, Path]:
        ids: dict[str, Path] = {}
        for path in files:
            doc_id = document_id_for(path)
            if doc_id in ids:
                reason = f"same content as {ids[doc_id].name}; indexed once"
                logger.warning("Skipping %s: %s", path.name, reason)
                report.records.append(_failed(doc_id, path, reason))
                report.failed += 1
                continue
            ids[doc_id] = path
        return ids

    def _indexed_records(self) -> list[DocumentRecord]:
        return [DocumentRecord.from_marker(d) for d in self.store.filter_documents(MARKER_FILTER)]

    def _delete_all_but(self, keep_ids: list[str]) -> None:
        """Delete chunks of documents not kept: removed or changed files, interrupted writes."""
        if keep_ids:
            stale = {"operator": "NOT", "conditions": [document_filter(keep_ids)]}
            deleted = self.store.delete_by_filter(stale)
        else:
            deleted = self.store.count_documents()
            if deleted:
                self.store.delete_all_documents()
        if deleted:
            logger.info("Deleted %d stale chunks", deleted)

    def _reuse(self, record: DocumentRecord, path: Path) -> DocumentRecord:
        if record.file_name == path.name:
            return record
        logger.info("%s was renamed to %s; updating its chunks", record.file_name, path.name)
        self.store.update_by_filter(document_filter([record.document_id]), {"file_name": path.name})
        return DocumentRecord(**{**record.__dict__, "file_name": path.name})

    def _parse_all(self, pending: list[tuple[Path, str]]) -> Iterable[ParseResult]:
        """Parse files in worker processes (PDF parsing is CPU-bound), yielding as they finish."""
        args = (self.settings.chunk_size_tokens, self.settings.chunk_overlap_tokens)
        workers = min(self.settings.index_workers, len(pending))
        if workers <= 1:
            for path, doc_id in pending:
                yield parse_and_chunk(path, doc_id, *args)
            return
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            yield from _completed(pool, pending, args)

    def _index_one(self, result: ParseResult, report: IndexReport) -> None:
        error = result.error
        if error is None:
            documents = chunks_to_documents(result.parsed, result.chunks)
            try:
                embedded = self._embed(documents)
                self._write_atomically(embedded)
            except TunedDError as failure:  # retries exhausted or breaker open
                error = f"indexing failed, retried on the next start: {failure.message}"
                self._discard(result.document_id)
        if error is not None:
            logger.warning("Skipping %s: %s", result.path.name, error)
            report.records.append(_failed(result.document_id, result.path, error))
            report.failed += 1
            INDEXED_DOCUMENTS.labels(outcome="failed").inc()
            return
        report.indexed += 1
        INDEXED_DOCUMENTS.labels(outcome="indexed").inc()
        INDEXED_CHUNKS.inc(len(embedded))
        report.chunks_embedded += len(embedded)
        report.pages_indexed += result.parsed.page_count
        report.records.append(DocumentRecord.from_marker(embedded[0]))
        logger.info(
            "Indexed %s: %d pages, %d chunks",
            result.path.name,
            result.parsed.page_count,
            len(embedded),
        )

    def _embed(self, documents: list[Document]) -> list[Document]:
        """Embed in batches, each retried on transient errors."""
        embedder, guard = self.backend.document_embedder, self.backend.guards.embedder
        size = self.settings.embedding_batch_size
        embedded: list[Document] = []
        for start in range(0, len(documents), size):
            batch = documents[start : start + size]
            with EMBEDDING_SECONDS.labels(kind="documents").time():
                embedded += guard.call(lambda: embedder.run(documents=batch)["documents"])
        return embedded

    def _write_atomically(self, documents: list[Document]) -> None:
        """Write chunk 0 (the document's commit marker) only after all the others."""
        marker, rest = documents[0], documents[1:]
        guard = self.backend.guards.document_store
        if rest:
            guard.call(lambda: self.store.write_documents(rest, policy=DuplicatePolicy.OVERWRITE))
        guard.call(lambda: self.store.write_documents([marker], policy=DuplicatePolicy.OVERWRITE))

    def _discard(self, document_id: str) -> None:
        """Best effort: drop chunks a failed write left (startup cleanup catches the rest)."""
        try:
            self.store.delete_by_filter(document_filter([document_id]))
        except Exception as error:  # the store may be the thing that is down
            logger.warning("Could not clean up %s now (%r); next start will", document_id, error)


def _completed(
    pool: Executor, pending: list[tuple[Path, str]], args: tuple[int, int]
) -> Iterable[ParseResult]:
    futures = [pool.submit(parse_and_chunk, path, doc_id, *args) for path, doc_id in pending]
    for future in as_completed(futures):
        yield future.result()


def _failed(document_id: str, path: Path, reason: str) -> DocumentRecord:
    return DocumentRecord(
        document_id=document_id,
        file_name=path.name,
        title=path.stem,
        page_count=0,
        chunk_count=0,
        status="failed",
        error=reason,
    )
