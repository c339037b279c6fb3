"""Files of every supported format → one Haystack document per file, with its reading order.

PDFs come out as pages separated by form feeds; Markdown, text, HTML and Word files as located
segments separated by form feeds, with each segment's location in ``meta["segments"]`` (see
:mod:`segments`). The format is detected from the content (:mod:`tunedd_api.formats`).

Own component instead of Haystack's converters behind a ``FileTypeRouter``: the router picks
a branch by the file name's MIME type, not by content; the stock converters log and skip a
file they cannot read, while tunedd must tell the user why (not a PDF, encrypted, corrupt, no
text, empty, not UTF-8) and index the rest; and one converter keeps one ``failed`` output and
the prefetch below. Each format's reader says why it is not the stock converter.

With ``workers`` > 1 PDFs are parsed in worker processes (pypdf holds the GIL); that pays off
only for large batches, since starting the processes costs more than parsing a handful of
papers. Page and segment text is left raw for ``DocumentCleaner``.

``prefetch_sources`` (the planner's next batch) are parsed in a child process
(:mod:`pdf_process`) while the rest of the graph embeds this batch, so parsing overlaps
embedding instead of preceding it. Only PDFs are prefetched or sent to worker processes:
pypdf's text extraction is the slow step (the other readers parse markup, here).
"""

from __future__ import annotations

import logging
import multiprocessing
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

from haystack import Document, component

from tunedd_api.components.file_text import convert_file
from tunedd_api.components.pdf_process import ParserProcess
from tunedd_api.components.pdf_text import PDF_MAGIC, Converted, ParsedPdf, convert
from tunedd_api.documents import DocumentRecord

logger = logging.getLogger(__name__)


@component
class FileConverter:
    """Reads files into page- or segment-separated documents; reports each unreadable one's reason.

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

        :param sources: Paths of the files (any supported format).
        :param meta: Per file, at least ``document_id`` (the content hash).
        :param prefetch_sources: Files the next run will convert: parsed in the background now.
        :param prefetch_meta: Their meta, as ``meta``.
        :returns: ``documents``: one per readable file (see :func:`to_document`); ``failed``:
            a record with the reason for every other.
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
            documents.append(to_document(result))
        if not prefetch_sources:
            self._stop_background()
        return {"documents": documents, "failed": failed}

    def _prefetch(self, sources: list[str], ids: list[str]) -> None:
        if not sources:
            return
        if self._background is None:
            self._background = ParserProcess()
        for path, doc_id in zip(sources, ids):
            if _is_pdf(path) and (path, doc_id) not in self._prefetched:
                self._prefetched[(path, doc_id)] = self._background.submit(path, doc_id)

    def _convert_all(self, sources: list[str], ids: list[str]) -> list[Converted]:
        if self._prefetched or self._background is not None:
            return [self._take(str(path), doc_id) for path, doc_id in zip(sources, ids)]
        pdfs = [i for i, path in enumerate(sources) if _is_pdf(path)]
        workers = min(self.workers, len(pdfs))
        if workers <= 1:
            return [convert_file(str(path), doc_id) for path, doc_id in zip(sources, ids)]
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            parsed = pool.map(convert, [str(sources[i]) for i in pdfs], [ids[i] for i in pdfs])
            by_index = dict(zip(pdfs, parsed))
        return [
            by_index.get(i) or convert_file(str(path), doc_id)
            for i, (path, doc_id) in enumerate(zip(sources, ids))
        ]

    def _stop_background(self) -> None:
        """No next batch: drop what was prefetched and not used, stop the process."""
        self._prefetched.clear()
        if self._background is not None:
            self._background.close()
            self._background = None

    def _take(self, path: str, doc_id: str) -> Converted:
        """A prefetched result, or the file converted here."""
        future = self._prefetched.pop((path, doc_id), None)
        return convert_file(path, doc_id) if future is None else future.result()


def _is_pdf(path: str) -> bool:
    """Whether the file starts like a PDF (only those are parsed in other processes)."""
    try:
        with open(path, "rb") as handle:
            return handle.read(len(PDF_MAGIC)) == PDF_MAGIC
    except OSError:
        return False


def to_document(result: Converted) -> Document:
    """One Haystack document per readable file: pages or segments separated by form feeds.

    :param result: A converted file (``parsed`` set).
    :returns: Content with ``\\f`` between pages (PDF) or segments (other formats); meta
        ``document_id``, ``file_name``, ``title``, ``page_count``, ``format`` and, for files
        without pages, ``segments`` (each segment's location, for the splitter).
    """
    parsed = result.parsed
    meta: dict[str, Any] = {
        "document_id": result.document_id,
        "file_name": Path(result.path).name,
        "title": parsed.title,
        "page_count": parsed.page_count,
    }
    if isinstance(parsed, ParsedPdf):
        content = "\f".join(page.text for page in parsed.pages)
        meta["format"] = "pdf"
    else:
        content = "\f".join(segment.text for segment in parsed.segments)
        meta["format"] = parsed.format
        meta["segments"] = [segment.location() for segment in parsed.segments]
    return Document(id=result.document_id, content=content, meta=meta)
