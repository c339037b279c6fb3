"""PDF files → one Haystack document per file, pages separated by form feeds.

Own component instead of Haystack's ``PyPDFToDocument`` because that one logs and skips a file
it cannot read, while tunedd must tell the user why (not a PDF, encrypted, corrupt, no text,
empty) and index the rest. With ``workers`` > 1 files are parsed in worker processes (pypdf
holds the GIL); that pays off only for large batches, since starting the processes costs more
than parsing a handful of papers. Page text is left raw for ``DocumentCleaner``.

``prefetch_sources`` (the planner's next batch) are parsed in a child process
(:mod:`pdf_process`) while the rest of the graph embeds this batch, so parsing overlaps
embedding instead of preceding it.
"""

from __future__ import annotations

import logging
import multiprocessing
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

from haystack import Document, component

from tunedd_api.components.pdf_process import ParserProcess
from tunedd_api.components.pdf_text import Converted, convert
from tunedd_api.documents import DocumentRecord

logger = logging.getLogger(__name__)


@component
class PdfConverter:
    """Reads PDFs into page-separated documents and reports each unreadable file's reason.

    :param workers: Processes parsing files in parallel (1: in this process).
    """

    def __init__(self, *, workers: int = 1) -> None:
        self.workers = workers
        self._background: ParserProcess | None = None
        self._prefetched: dict[tuple[str, str], Future] = {}

    @component.output_types(documents=list[Document], failed=list[DocumentRecord])
    def run(
        self,
        sources: list[str],
        meta: list[dict[str, Any]],
        prefetch_sources: list[str] | None = None,
        prefetch_meta: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Convert every file.

        :param sources: Paths of the PDF files.
        :param meta: Per file, at least ``document_id`` (the content hash).
        :param prefetch_sources: Files the next run will convert: parsed in the background now.
        :param prefetch_meta: Their meta, as ``meta``.
        :returns: ``documents``: one per readable file with meta ``document_id``, ``file_name``,
            ``title``, ``page_count``; ``failed``: a record with the reason for every other.
        """
        ids = [m["document_id"] for m in meta]
        converted = self._convert_all(sources, ids)
        # After this batch's own parsing, so the two never compete for the GIL.
        self._prefetch(prefetch_sources or [], [m["document_id"] for m in prefetch_meta or []])
        documents: list[Document] = []
        failed: list[DocumentRecord] = []
        for result in converted:
            name = Path(result.path).name
            if result.parsed is None:
                logger.warning("Skipping %s: %s", name, result.error)
                failed.append(DocumentRecord.failed(result.document_id, name, result.error or ""))
                continue
            parsed = result.parsed
            documents.append(
                Document(
                    id=result.document_id,
                    content="\f".join(page.text for page in parsed.pages),
                    meta={
                        "document_id": result.document_id,
                        "file_name": name,
                        "title": parsed.title,
                        "page_count": parsed.page_count,
                    },
                )
            )
        if not prefetch_sources:
            self._stop_background()
        return {"documents": documents, "failed": failed}

    def _prefetch(self, sources: list[str], ids: list[str]) -> None:
        if not sources:
            return
        if self._background is None:
            self._background = ParserProcess()
        for path, doc_id in zip(sources, ids):
            if (path, doc_id) not in self._prefetched:
                self._prefetched[(path, doc_id)] = self._background.submit(path, doc_id)

    def _convert_all(self, sources: list[str], ids: list[str]) -> list[Converted]:
        if self._prefetched or self._background is not None:
            return [self._take(str(path), doc_id) for path, doc_id in zip(sources, ids)]
        workers = min(self.workers, len(sources))
        if workers <= 1:
            return [convert(str(path), doc_id) for path, doc_id in zip(sources, ids)]
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            return list(pool.map(convert, [str(p) for p in sources], ids))

    def _stop_background(self) -> None:
        """No next batch: drop what was prefetched and not used, stop the process."""
        self._prefetched.clear()
        if self._background is not None:
            self._background.close()
            self._background = None

    def _take(self, path: str, doc_id: str) -> Converted:
        """A prefetched result, or the file converted here."""
        future = self._prefetched.pop((path, doc_id), None)
        return convert(path, doc_id) if future is None else future.result()
