"""Any supported file read for the indexing pipeline, or the reason it cannot be.

The format is detected from the file's content (:func:`tunedd_api.formats.detect_file_format`);
PDFs go to :mod:`pdf_text` (pages), the other formats to their readers (located segments). The
result is a :class:`~tunedd_api.components.pdf_text.Converted` either way, which the converter
turns into one Haystack document per file. Light imports only (no Haystack): PDF worker
processes may import it.
"""

from __future__ import annotations

import logging
from pathlib import Path

from tunedd_api.components.docx_text import DocxError, docx_segments
from tunedd_api.components.html_text import html_segments
from tunedd_api.components.markdown_text import markdown_segments
from tunedd_api.components.pdf_text import Converted, convert
from tunedd_api.components.segments import ParsedText, Segment, text_segments, title_of
from tunedd_api.formats import SUPPORTED_EXTENSIONS, detect_file_format

logger = logging.getLogger(__name__)

#: Text, Markdown and HTML files larger than this are refused (read whole into memory).
MAX_TEXT_BYTES = 64 * 1024 * 1024


def convert_file(path: str, document_id: str) -> Converted:
    """Read ``path`` in whatever supported format its content is.

    :param path: The file.
    :param document_id: Its content hash.
    :returns: The parsed file, or the reason it cannot be indexed.
    """
    file_path = Path(path)
    try:
        fmt = detect_file_format(file_path)
    except OSError as error:
        return Converted(path, document_id, error=f"cannot read the file: {error}")
    named = SUPPORTED_EXTENSIONS.get(file_path.suffix.lower())
    if fmt == "pdf" or (fmt is None and named == "pdf"):
        return convert(path, document_id)  # pdf_text says why a ".pdf" is not a PDF
    if fmt is None:
        return Converted(path, document_id, error=_unrecognised(named))
    try:
        segments, headings, title = _read(file_path, fmt)
    except (DocxError, ValueError, OSError) as error:
        return Converted(path, document_id, error=str(error))
    if not any(segment.text.strip() for segment in segments):
        return Converted(path, document_id, error=f"no text in this {fmt} file")
    parsed = ParsedText(
        document_id=document_id,
        file_name=file_path.name,
        title=title or title_of(segments, headings, file_path.stem),
        format=fmt,
        segments=segments,
    )
    return Converted(path, document_id, parsed=parsed)


def _unrecognised(named: str | None) -> str:
    """Why a file whose content is no supported format cannot be read."""
    if named == "docx":
        return "not a Word document (not a zip archive with word/document.xml)"
    if named in ("markdown", "text", "html"):
        return f"not a {named} file: binary data, or text not encoded as UTF-8"
    return "not a supported document (PDF, Word, HTML, Markdown or UTF-8 text)"


def _read(path: Path, fmt: str) -> tuple[list[Segment], list[str], str]:
    """Segments, headings and metadata title of a non-PDF file."""
    if fmt == "docx":
        return docx_segments(path)
    if path.stat().st_size > MAX_TEXT_BYTES:
        raise ValueError(f"{fmt} file larger than {MAX_TEXT_BYTES // (1024 * 1024)} MB")
    try:
        text = path.read_bytes().decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        raise ValueError(f"not UTF-8 text (byte {error.start}): re-save it as UTF-8") from error
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if fmt == "html":
        return html_segments(text)
    if fmt == "markdown":
        segments, headings = markdown_segments(text)
        return segments, headings, ""
    return text_segments(text), [], ""
