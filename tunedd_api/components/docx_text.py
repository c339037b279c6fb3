"""Word (.docx) files read into segments: paragraphs and table rows under their heading path.

Own reader over python-docx (the library Haystack's ``DOCXToDocument`` uses) instead of that
converter: it returns the paragraphs as one string without their styles, so the headings a
citation names are lost. Here a paragraph styled "Title" or "Heading N" (the built-in style
names, whatever the document's language) sets the section path of what follows, and body
paragraphs and tables are read in document order.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import docx
from docx.table import Table
from docx.text.paragraph import Paragraph

from tunedd_api.components.segments import Segment, SectionPath

#: Refuse archives that would expand beyond this (a decompression bomb).
MAX_UNCOMPRESSED_BYTES = 256 * 1024 * 1024
_HEADING_STYLE = re.compile(r"^heading\s*(\d)$", re.IGNORECASE)


class DocxError(ValueError):
    """The file is not a readable Word document; the message says why."""


def docx_segments(path: Path) -> tuple[list[Segment], list[str], str]:
    """Segments of a Word document, its headings in order and its metadata title.

    :param path: The ``.docx`` file.
    :returns: Segments with section paths (no line numbers), heading texts, and the core
        properties' title ("" when unset).
    :raises DocxError: Not a zip, no ``word/document.xml``, too large unpacked, or corrupt.
    """
    _check_archive(path)
    try:
        document = docx.Document(str(path))
    except Exception as error:  # python-docx raises lxml, zip and key errors on broken files
        raise DocxError(f"corrupt Word document: {error}") from error
    segments: list[Segment] = []
    headings: list[str] = []
    sections = SectionPath()
    section = ""
    for element in document.element.body.iterchildren():
        if element.tag.endswith("}p"):
            paragraph = Paragraph(element, document)
            text = paragraph.text.replace("\f", " ").strip()
            level = _heading_level(paragraph)
            if level is not None and text:
                section = sections.enter(level, text)
                headings.append(text)
            if text:
                segments.append(Segment(text, section))
        elif element.tag.endswith("}tbl"):
            segments += [Segment(row, section) for row in _rows(Table(element, document))]
    return segments, headings, (document.core_properties.title or "").strip()


def _check_archive(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError) as error:
        raise DocxError(f"not a Word document (not a zip archive): {error}") from error
    if "word/document.xml" not in {info.filename for info in infos}:
        raise DocxError("not a Word document (no word/document.xml in the archive)")
    if sum(info.file_size for info in infos) > MAX_UNCOMPRESSED_BYTES:
        raise DocxError("Word document too large when unpacked (a decompression bomb?)")


def _heading_level(paragraph: Paragraph) -> int | None:
    """0 for a Title, N for "Heading N", None for body text."""
    try:
        name = paragraph.style.name if paragraph.style is not None else ""
    except (KeyError, ValueError):
        return None
    if name.lower() == "title":
        return 0
    match = _HEADING_STYLE.match(name or "")
    return int(match.group(1)) if match else None


def _rows(table: Table) -> list[str]:
    """Each row's distinct cell texts joined with " | " (merged cells repeat in python-docx)."""
    rows: list[str] = []
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:
            text = " ".join(cell.text.split())
            if text and (not cells or cells[-1] != text):
                cells.append(text)
        if cells:
            rows.append(" | ".join(cells))
    return rows
