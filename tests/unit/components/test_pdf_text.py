"""Unit tests of the PDF reader: pages, titles, content ids, unreadable files and text cleaning."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

import pytest
from pdf_factory import (
    make_corrupt_pdf,
    make_encrypted_pdf,
    make_non_pdf,
    make_pdf,
    make_sized_pdf,
    make_textless_pdf,
)

from tunedd_api.components.pdf_text import (
    PdfPage,
    UnreadableDocumentError,
    clean_page_text,
    document_id_for,
    read_pdf,
)


def test_read_pdf_returns_one_numbered_page_per_page(tmp_path: Path) -> None:
    path = make_pdf(
        tmp_path / "paper.pdf",
        ["Agents plan their actions.", "", "Tools extend what agents can do."],
        title="Agents",
    )
    parsed = read_pdf(path)
    assert parsed.pages == [
        PdfPage(number=1, text="Agents plan their actions."),
        PdfPage(number=2, text=""),
        PdfPage(number=3, text="Tools extend what agents can do."),
    ]
    assert parsed.page_count == 3
    assert parsed.file_name == "paper.pdf"
    assert parsed.document_id == document_id_for(path)


def test_read_pdf_uses_given_document_id(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "a.pdf", ["Some text."])
    assert read_pdf(path, document_id="0123456789abcdef").document_id == "0123456789abcdef"


def test_title_comes_from_metadata(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "a.pdf", ["Body Heading\nBody text."], title="Metadata Title")
    assert read_pdf(path).title == "Metadata Title"


@pytest.mark.parametrize(
    ("first_page", "expected"),
    [
        ("Agents in Practice\nJane Doe1, John Roe2\nAbstract. Text.", "Agents in Practice"),
        (
            "Agents in Practice\nfor Real Systems\nJane Doe1, John Roe2\nAbstract.",
            "Agents in Practice for Real Systems",
        ),
    ],
    ids=["one-line", "two-lines"],
)
def test_title_falls_back_to_first_lines(tmp_path: Path, first_page: str, expected: str) -> None:
    path = make_pdf(tmp_path / "a.pdf", [first_page, "Second page."], title=None)
    assert read_pdf(path).title == expected


def test_file_name_metadata_title_is_ignored(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "a.pdf", ["Real Heading\nJane Doe1\nBody text."], title="draft.docx")
    assert read_pdf(path).title == "Real Heading"


def test_title_falls_back_to_file_stem_without_text_on_page_one(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "agent-survey.pdf", ["", "Text on page two."], title=None)
    assert read_pdf(path).title == "agent-survey"


def test_document_id_depends_only_on_content(tmp_path: Path) -> None:
    first = make_pdf(tmp_path / "one" / "a.pdf", ["Same content."])
    copy = tmp_path / "two" / "renamed.pdf"
    copy.parent.mkdir()
    copy.write_bytes(first.read_bytes())
    other = make_pdf(tmp_path / "three" / "a.pdf", ["Different content."])

    assert document_id_for(first) == document_id_for(copy)
    assert document_id_for(first) != document_id_for(other)
    for path in (first, other):
        assert re.fullmatch(r"[0-9a-f]{16}", document_id_for(path))


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda path: make_encrypted_pdf(path, ["Secret text."]), "encrypted"),
        (make_corrupt_pdf, "corrupt"),
        (make_textless_pdf, "no extractable text"),
        (make_non_pdf, "not a PDF"),
    ],
    ids=["encrypted", "corrupt", "textless", "non-pdf"],
)
def test_unreadable_files_raise_with_reason(
    tmp_path: Path, make: Callable[[Path], Path], reason: str
) -> None:
    path = make(tmp_path / "bad.pdf")
    with pytest.raises(UnreadableDocumentError) as raised:
        read_pdf(path)
    assert reason in raised.value.reason
    assert str(raised.value) == raised.value.reason


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("multi-\nagent systems", "multiagent systems"),
        ("a well-   \n  studied task", "a wellstudied task"),
        ("soft\u00adhyphen", "softhyphen"),
        ("Upper-\nCase stays", "Upper- Case stays"),
        ("state-of-the-art", "state-of-the-art"),
        ("  many \t spaces\n\nand\nlines  ", "many spaces and lines"),
        ("", ""),
    ],
)
def test_clean_page_text(raw: str, expected: str) -> None:
    assert clean_page_text(raw) == expected


def test_hyphenation_across_lines_is_joined_in_a_real_pdf(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "a.pdf", ["The multi-\nagent system is robust."])
    assert read_pdf(path).pages[0].text == "The multiagent system is robust."


def test_a_footnote_is_read_after_the_sentence_that_refers_to_it(tmp_path: Path) -> None:
    lines = [
        [("Providers offer provisions", 11), ("1", 7), (" to customers.", 11)],
        [("Many agents", 11)],
        [("1", 5), ("Logs are kept for 72 hours.", 8)],
        [("acting together overload a system.", 11)],
    ]

    text = read_pdf(make_sized_pdf(tmp_path / "a.pdf", lines)).pages[0].text

    assert text == (
        "Providers offer provisions to customers. Logs are kept for 72 hours. "
        "Many agents acting together overload a system."
    )


def test_a_line_end_hyphen_of_a_compound_is_kept_in_a_real_pdf(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "a.pdf", ["Offer no-\nlogging provisions.", "No logs, no logging."])
    assert read_pdf(path).pages[0].text == "Offer no-logging provisions."
