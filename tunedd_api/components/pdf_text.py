"""Reads a PDF file into page texts, or says precisely why it cannot be read.

Each page's footnotes are moved next to the sentence that refers to them
(:mod:`~tunedd_api.components.pdf_layout`) and line-end hyphens are mended with the document's
vocabulary (:mod:`~tunedd_api.components.hyphenation`). Light imports only (pypdf): the PDF
converter runs it in worker processes.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import PyPdfError

from tunedd_api.components.hyphenation import mend_hyphenation
from tunedd_api.components.pdf_layout import page_lines, page_text
from tunedd_api.components.segments import ParsedText

logger = logging.getLogger(__name__)

PDF_MAGIC = b"%PDF-"
#: Length of the hex content hash used as document id (64 bits: collisions are negligible).
DOCUMENT_ID_LENGTH = 16
_MAX_TITLE_CHARS = 200
_AUTHOR_LINE = re.compile(r"[0-9,@∗*†‡]")
_BAD_META_TITLE = re.compile(r"^(microsoft word|untitled)|\.(docx?|pdf|tex)$", re.IGNORECASE)


class UnreadableDocumentError(Exception):
    """A file that cannot be indexed; ``reason`` is shown to API clients."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class PdfPage:
    """The cleaned text of one page; ``number`` is 1-based as printed in viewers."""

    number: int
    text: str


@dataclass(frozen=True)
class ParsedPdf:
    """A PDF read into pages, with its identity and title."""

    document_id: str
    file_name: str
    title: str
    pages: list[PdfPage]

    @property
    def page_count(self) -> int:
        """Number of pages in the file, including pages without text."""
        return len(self.pages)


def document_id_for(path: Path) -> str:
    """Stable id of a file: a prefix of the sha256 of its bytes (same content, same id)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:DOCUMENT_ID_LENGTH]


def clean_page_text(text: str) -> str:
    """Join words still hyphenated across lines, drop soft hyphens and collapse whitespace."""
    text = text.replace("\u00ad", "")
    text = re.sub(r"([a-z])-\s*\n\s*([a-z])", r"\1\2", text)
    return re.sub(r"\s+", " ", text).strip()


#: The cleaning rules of :func:`clean_page_text` as ``DocumentCleaner(replace_regexes=...)``
#: runs them (per page, in order), so the indexing pipeline cleans with the stock component.
CLEANING_REGEXES: dict[str, str] = {
    "\u00ad": "",
    r"([a-z])-\s*\n\s*([a-z])": r"\1\2",
    r"\s+": " ",
    r"^ | $": "",
}


def read_pdf(path: Path, *, document_id: str | None = None, clean: bool = True) -> ParsedPdf:
    """Read ``path`` into pages; raise :class:`UnreadableDocumentError` with a clear reason.

    ``clean=False`` keeps each page's raw text (the indexing pipeline cleans it afterwards).
    """
    with path.open("rb") as handle:
        if handle.read(len(PDF_MAGIC)) != PDF_MAGIC:
            raise UnreadableDocumentError("not a PDF file (missing %PDF- header)")
    try:
        reader = PdfReader(path)
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnreadableDocumentError("encrypted PDF: a password is needed to read it")
        raw_pages = mend_hyphenation([page_text(page_lines(page)) for page in reader.pages])
    except UnreadableDocumentError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as error:
        raise UnreadableDocumentError(f"corrupt or unreadable PDF: {error}") from error
    except Exception as error:  # pypdf raises many internal types on broken files
        raise UnreadableDocumentError(f"corrupt or unreadable PDF: {error!r}") from error
    if not raw_pages:
        raise UnreadableDocumentError("empty PDF: it has no pages")
    cleaned = [clean_page_text(text) for text in raw_pages]
    if not any(cleaned):
        raise UnreadableDocumentError("no extractable text (a scanned PDF without OCR?)")
    texts = cleaned if clean else [text.replace("\f", " ") for text in raw_pages]
    pages = [PdfPage(number=i, text=text) for i, text in enumerate(texts, 1)]
    title = _title(reader, raw_pages[0]) or path.stem
    return ParsedPdf(
        document_id=document_id or document_id_for(path),
        file_name=path.name,
        title=title,
        pages=pages,
    )


def _title(reader: PdfReader, first_page: str) -> str:
    """The metadata title when it is a real one, else the first lines of page 1."""
    try:
        meta_title = (reader.metadata.title or "").strip() if reader.metadata else ""
    except PyPdfError:
        meta_title = ""
    if meta_title and not _BAD_META_TITLE.search(meta_title):
        return meta_title[:_MAX_TITLE_CHARS]
    lines = [line.strip() for line in first_page.splitlines() if line.strip()]
    title_lines: list[str] = []
    for line in lines[:3]:
        if title_lines and _AUTHOR_LINE.search(line):
            break
        title_lines.append(line)
    return " ".join(title_lines)[:_MAX_TITLE_CHARS]


@dataclass(frozen=True)
class Converted:
    """One file read for the indexing pipeline: its raw pages or segments, or why it cannot be
    read."""

    path: str
    document_id: str
    parsed: ParsedPdf | ParsedText | None = None
    error: str | None = None


def convert(path: str, document_id: str) -> Converted:
    """Read ``path`` with raw page text (runs in a worker process: pypdf only)."""
    try:
        return Converted(path, document_id, parsed=read_pdf(Path(path), clean=False))
    except UnreadableDocumentError as error:
        return Converted(path, document_id, error=error.reason)
