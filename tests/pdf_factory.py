"""Helpers that write PDF (and not-quite-PDF) fixture files for tests.

Every helper writes to the given path (creating missing parent folders) and returns that path,
so a test can write e.g. ``make_pdf(tmp_path / "a.pdf", ["page one", "page two"])``. Output is
deterministic: creation dates are fixed and no randomness is used.

Text must be latin-1 encodable, because the PDFs use fpdf2's built-in core fonts.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from fpdf import FPDF
from pypdf import PdfReader, PdfWriter
from pypdf.errors import DependencyError

_CREATION_DATE = datetime(2024, 1, 1, tzinfo=timezone.utc)
_FONT_SIZE = 11
_LINE_HEIGHT = 6


def _new_pdf(title: str | None = None) -> FPDF:
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_creation_date(_CREATION_DATE)
    if title is not None:
        pdf.set_title(title)
    # One fixture page per requested page: never let long text spill onto an extra page.
    pdf.set_auto_page_break(auto=False)
    return pdf


def _prepare(path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def make_pdf(path: Path, pages: list[str], title: str | None = None) -> Path:
    """Write a valid PDF with one page per string in ``pages`` and return ``path``.

    Each string is wrapped onto its page with ``multi_cell``; newlines in it start new lines.
    The page count always equals ``len(pages)``: text too long for one A4 page runs past the
    bottom edge (still in the page's content, so still extractable) instead of adding a page.
    An empty string gives a page without text. ``title``, if given, is stored as the PDF's
    metadata title.
    """
    if not pages:
        raise ValueError("make_pdf needs at least one page")
    path = _prepare(path)
    pdf = _new_pdf(title)
    pdf.set_font("Helvetica", size=_FONT_SIZE)
    for text in pages:
        pdf.add_page()
        if text:
            pdf.multi_cell(0, _LINE_HEIGHT, text, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


def make_sized_pdf(path: Path, lines: list[list[tuple[str, float]]]) -> Path:
    """Write a one-page PDF whose lines are runs of text in given type sizes; return ``path``.

    Each line is a list of ``(text, size in points)`` runs written left to right on one
    baseline, as a paper sets a superscript footnote marker or a footnote in smaller type.
    """
    path = _prepare(path)
    pdf = _new_pdf()
    pdf.add_page()
    for runs in lines:
        for text, size in runs:
            pdf.set_font("Helvetica", size=size)
            pdf.cell(pdf.get_string_width(text), _LINE_HEIGHT, text)
        pdf.ln(_LINE_HEIGHT)
    pdf.output(str(path))
    return path


def make_encrypted_pdf(path: Path, pages: list[str], password: str = "secret") -> Path:
    """Write a PDF like :func:`make_pdf`, encrypted so that opening it needs ``password``.

    The same password is used as user and owner password. AES-128 is used when the
    ``cryptography`` package is available, RC4-128 otherwise.
    """
    path = make_pdf(path, pages)
    writer = PdfWriter(clone_from=PdfReader(path))
    try:
        writer.encrypt(user_password=password, owner_password=password, algorithm="AES-128")
    except DependencyError:
        writer.encrypt(user_password=password, owner_password=password, algorithm="RC4-128")
    with path.open("wb") as handle:
        writer.write(handle)
    if not PdfReader(path).is_encrypted:
        raise RuntimeError(f"{path} was written but is not encrypted")
    return path


def make_corrupt_pdf(path: Path) -> Path:
    """Write a file that starts with a PDF header followed by garbage pypdf cannot parse."""
    path = _prepare(path)
    garbage = bytes((i * 37 + 11) % 256 for i in range(2048))
    path.write_bytes(b"%PDF-1.7\n" + b"\x00\xff this is not a pdf body \xfe\x01\n" + garbage)
    return path


def make_textless_pdf(path: Path, page_count: int = 2) -> Path:
    """Write a valid PDF of ``page_count`` pages that contain no text at all.

    Each page only has a few drawn shapes, like a scanned document without OCR: the file
    opens fine but text extraction yields nothing.
    """
    if page_count < 1:
        raise ValueError("page_count must be at least 1")
    path = _prepare(path)
    pdf = _new_pdf()
    for _ in range(page_count):
        pdf.add_page()
        pdf.set_fill_color(235, 235, 235)
        pdf.rect(15, 15, 180, 267, style="F")
        for y in range(40, 260, 12):
            pdf.line(30, y, 180, y)
    pdf.output(str(path))
    return path


def make_non_pdf(path: Path) -> Path:
    """Write a plain text file (usually given a ``.pdf`` name) that is not a PDF at all."""
    path = _prepare(path)
    path.write_text("this is not a pdf\n", encoding="utf-8")
    return path
