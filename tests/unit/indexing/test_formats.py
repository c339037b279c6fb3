"""Format detection by content: magic bytes win over names, binary is refused."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from format_factory import HTML, MARKDOWN, TEXT, make_docx
from pdf_factory import make_pdf

from tunedd_api.formats import HEAD_BYTES, detect_file_format, detect_format

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10"


@pytest.mark.parametrize(
    ("head", "name", "expected"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "paper.pdf", "pdf"),
        (b"%PDF-1.4\n", "renamed.txt", "pdf"),
        (PNG, "photo.pdf", None),
        (PNG, "photo.png", None),
        (b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)), "tool.txt", None),
        (b"MZ\x90\x00\x03\x00\x00\x00", "setup.md", None),
        (b"\xff\xfe\x00\x00binary\x00data", "data.txt", None),
        ("Caf\xe9 au lait".encode("latin-1"), "menu.txt", None),
        (b"", "empty.txt", None),
        (b"   \n\n", "blank.md", None),
        (b"this is not a pdf\n", "bad.pdf", None),
        (b"plain words\n", "letter.docx", None),
        (HTML.encode(), "page.html", "html"),
        (HTML.encode(), "page.txt", "html"),
        (b"<html><body><p>hi</p></body></html>", "noext", "html"),
        (b"<p>a fragment</p>", "fragment.htm", "html"),
        (MARKDOWN.encode(), "guide.md", "markdown"),
        (MARKDOWN.encode(), "README", "markdown"),
        (MARKDOWN.encode(), "guide.txt", "text"),
        (b"just a line of notes\n", "notes.markdown", "markdown"),
        (TEXT.encode(), "tides.txt", "text"),
        (TEXT.encode(), "tides.log", "text"),
        ("\ufeffBOM text \u00e9\n".encode("utf-8"), "bom.txt", "text"),
    ],
)
def test_detect_format_by_content(head: bytes, name: str, expected: str | None) -> None:
    assert detect_format(head, name) == expected


def test_a_head_cut_inside_a_utf8_character_is_still_text() -> None:
    data = ("é" * HEAD_BYTES).encode("utf-8")[: HEAD_BYTES - 1]  # ends mid-character
    assert detect_format(data, "notes.txt") == "text"


def test_docx_is_confirmed_from_the_zip_directory(tmp_path: Path) -> None:
    path = make_docx(tmp_path / "manual.docx")
    renamed = path.rename(tmp_path / "manual.bin")

    assert detect_file_format(renamed) == "docx"
    head = renamed.read_bytes()[:HEAD_BYTES]
    assert detect_format(head, "manual.docx") == "docx"


def test_a_zip_that_is_not_a_word_document_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "sheet.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    broken = tmp_path / "broken.docx"
    broken.write_bytes(b"PK\x03\x04" + b"\x00" * 64)

    assert detect_file_format(path) is None
    assert detect_file_format(broken) is None
    assert detect_format(b"PK\x03\x04\x14\x00", "archive.zip") is None


def test_detect_file_format_reads_pdfs_and_text(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "paper.txt", ["Volcanoes erupt basalt."])
    text = tmp_path / "tides.txt"
    text.write_text(TEXT, encoding="utf-8")

    assert detect_file_format(pdf) == "pdf"
    assert detect_file_format(text) == "text"
