"""Brings the store in line with the data folder by running the indexing pipeline.

Idempotent, incremental and crash-safe (see :mod:`tunedd_api.pipelines.indexing`): unchanged
files are reused (nothing re-embedded), new or changed files are indexed, chunks of removed or
changed files and of interrupted writes are deleted, and files that cannot be read are
reported with their reason while the rest index normally.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Callable
from pathlib import Path

from haystack import Pipeline

from tunedd_api.documents import DocumentRecord
from tunedd_api.indexing.uploads import stored_uploads
from tunedd_api.formats import SUPPORTED_EXTENSIONS
from tunedd_api.observability.metrics import INDEXED_CHUNKS, INDEXED_DOCUMENTS, INDEXING_PENDING
from tunedd_api.pipelines.indexing import REPORTED

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


@dataclass(frozen=True)
class IndexProgress:
    """Where a synchronisation is: files converted of those to convert, chunks written."""

    files_done: int
    files_total: int
    chunks_done: int
    last_file: str | None


def find_documents(data_dir: Path) -> list[Path]:
    """Files of a supported format (by extension, any case) directly in ``data_dir``, by name.

    The extension only selects candidates; the converter reads each by its content.
    """
    if not data_dir.is_dir():
        logger.warning("Data folder %s does not exist; no documents to index", data_dir)
        return []
    return sorted(
        p for p in data_dir.iterdir() if p.is_file() and p.suffix.lower() in SUPPORTED_EXTENSIONS
    )


class Indexer:
    """Synchronises the store with the documents of a folder (plus the uploaded files kept
    in ``uploads_dir``) through the indexing pipeline.

    The graph runs once per ``files_per_run`` pending files (each run's files are committed
    before the next starts, and the next batch is parsed while this one is embedded).
    """

    def __init__(
        self,
        *,
        pipeline: Pipeline,
        data_dir: Path,
        files_per_run: int = 1,
        uploads_dir: Path | None = None,
    ) -> None:
        self.pipeline = pipeline
        self.data_dir = Path(data_dir)
        self.files_per_run = files_per_run
        self.uploads_dir = uploads_dir

    def sync(
        self,
        data_dir: Path | None = None,
        on_progress: Callable[[IndexProgress], None] | None = None,
    ) -> IndexReport:
        """Index ``data_dir`` (default: the configured one) and the stored uploads, drop every
        other document from the store, and return the report (blocking).

        ``on_progress`` is called after every graph run (one per file to convert).
        """
        files = find_documents(Path(data_dir or self.data_dir))
        if self.uploads_dir is not None:
            files += stored_uploads(self.uploads_dir)
        return self.index(files, prune=True, on_progress=on_progress)

    def index(
        self,
        files: list[Path],
        *,
        prune: bool,
        on_progress: Callable[[IndexProgress], None] | None = None,
    ) -> IndexReport:
        """Index ``files`` (blocking). ``prune``: they are the whole collection, and chunks of
        every other document are deleted; else they are added and nothing else is touched."""
        started = time.monotonic()
        INDEXING_PENDING.set(len(files))
        runs: list[dict[str, dict]] = []
        attempted: list[str] = []
        try:
            while True:
                planner_input = {
                    "sources": [str(path) for path in files],
                    "batch": self.files_per_run,
                    "attempted": attempted,
                    "prune": prune,
                }
                outputs = self.pipeline.run(
                    {"planner": planner_input}, include_outputs_from=REPORTED
                )
                runs.append(outputs)
                planned = outputs["planner"].get("meta", [])
                attempted += [m["document_id"] for m in planned]
                deferred = outputs["planner"].get("deferred", 0)
                INDEXING_PENDING.set(deferred)
                if on_progress is not None and planned:
                    on_progress(_progress(runs, deferred))
                if not deferred:
                    break
        finally:
            INDEXING_PENDING.set(0)
        report = _report(runs)
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


def _progress(runs: list[dict[str, dict]], deferred: int) -> IndexProgress:
    done = sum(len(outputs["planner"].get("meta", [])) for outputs in runs)
    written = [r for outputs in runs for r in outputs.get("writer", {}).get("indexed", [])]
    sources = runs[-1]["planner"].get("sources", [])
    return IndexProgress(
        files_done=done,
        files_total=done + deferred,
        chunks_done=sum(r.chunk_count for r in written),
        last_file=Path(sources[-1]).name if sources else None,
    )


def _report(runs: list[dict[str, dict]]) -> IndexReport:
    """One report for a pass: what was reused or removed is known from its first run."""
    planner = runs[0]["planner"]
    failed: list[DocumentRecord] = list(planner.get("failed", []))
    indexed: list[DocumentRecord] = []
    for outputs in runs:
        for name in ("converter", "embedder", "writer"):
            failed += outputs.get(name, {}).get("failed", [])
        indexed += outputs.get("writer", {}).get("indexed", [])
    reused: list[DocumentRecord] = planner.get("reused", [])
    report = IndexReport(
        records=sorted(reused + indexed + failed, key=lambda r: r.file_name),
        reused=len(reused),
        indexed=len(indexed),
        failed=len(failed),
        removed_documents=planner.get("removed", 0),
        chunks_embedded=sum(r.chunk_count for r in indexed),
        pages_indexed=sum(r.page_count for r in indexed),
    )
    INDEXED_DOCUMENTS.labels(outcome="reused").inc(report.reused)
    INDEXED_DOCUMENTS.labels(outcome="removed").inc(report.removed_documents)
    INDEXED_DOCUMENTS.labels(outcome="indexed").inc(report.indexed)
    INDEXED_DOCUMENTS.labels(outcome="failed").inc(report.failed)
    INDEXED_CHUNKS.inc(report.chunks_embedded)
    return report
