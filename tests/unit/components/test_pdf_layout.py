"""Footnotes read where they are referenced, on real PDFs with sized type (fpdf2 + pypdf)."""

from __future__ import annotations

from pathlib import Path

from pdf_factory import make_pdf, make_sized_pdf
from pypdf import PdfReader

from tunedd_api.components.pdf_layout import body_size, page_lines, page_text

BODY, MARK, NOTE = 11.0, 7.0, 8.0

CUT_SENTENCE = [
    [("Some providers offer no-logging provisions", BODY), ("10", MARK), (" to customers.", BODY)],
    [("Monitoring is separate. A single agent is harmless, but many agents", BODY)],
    [("10", 5.0), ("For feasibility, logs are kept briefly. Google keeps logs", NOTE)],
    [("for 72 hours.", NOTE)],
    [("acting together might overload a system.", BODY)],
]


def _page(tmp_path: Path, lines: list[list[tuple[str, float]]]):
    return PdfReader(make_sized_pdf(tmp_path / "page.pdf", lines)).pages[0]


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_a_footnote_follows_the_sentence_with_its_marker_and_the_cut_sentence_rejoins(
    tmp_path: Path,
) -> None:
    text = _flat(page_text(page_lines(_page(tmp_path, CUT_SENTENCE))))

    assert text == (
        "Some providers offer no-logging provisions to customers. "
        "For feasibility, logs are kept briefly. Google keeps logs for 72 hours. "
        "Monitoring is separate. A single agent is harmless, but many agents "
        "acting together might overload a system."
    )


def test_a_footnote_whose_marker_is_not_on_the_page_moves_to_its_end(tmp_path: Path) -> None:
    lines = [CUT_SENTENCE[1], *CUT_SENTENCE[2:]]

    text = _flat(page_text(page_lines(_page(tmp_path, lines))))

    assert text == (
        "Monitoring is separate. A single agent is harmless, but many agents "
        "acting together might overload a system. "
        "For feasibility, logs are kept briefly. Google keeps logs for 72 hours."
    )


def test_two_footnotes_of_one_sentence_keep_their_order(tmp_path: Path) -> None:
    lines = [
        [
            ("Agents act", BODY),
            ("1", MARK),
            (" and log", BODY),
            ("2", MARK),
            (" everything.", BODY),
        ],
        [("Then they stop.", BODY)],
        [("1", 5.0), ("First note.", NOTE)],
        [("2", 5.0), ("Second note.", NOTE)],
    ]

    text = _flat(page_text(page_lines(_page(tmp_path, lines))))

    assert text == "Agents act and log everything. First note. Second note. Then they stop."


def test_numbers_in_body_type_are_not_footnotes(tmp_path: Path) -> None:
    lines = [
        [("The agents ran", BODY), ("2", MARK), (" rounds of play.", BODY)],
        [("10", BODY), ("Agents were used in every round.", BODY)],
        [("3", MARK), ("Only a superscript, set in body text.", BODY)],
    ]
    page = _page(tmp_path, lines)

    assert page_text(page_lines(page)) == page.extract_text()


def test_a_page_without_footnotes_reads_as_pypdf_reads_it(tmp_path: Path) -> None:
    page = PdfReader(make_pdf(tmp_path / "plain.pdf", ["A plain page.\nWith two lines."])).pages[0]

    assert page_text(page_lines(page)) == page.extract_text()


def test_the_body_size_is_the_size_of_most_characters(tmp_path: Path) -> None:
    lines = page_lines(_page(tmp_path, CUT_SENTENCE))

    assert body_size(lines) == BODY
    assert body_size([]) == 0.0


def test_a_number_marked_after_several_authors_moves_its_footnote_to_the_page_end(
    tmp_path: Path,
) -> None:
    lines = [
        [("Ann Lee", BODY), ("1", MARK), (" Bo Chan", BODY), ("1", MARK)],
        [("Abstract. Agents cooperate. They also compete and", BODY)],
        [("1", 5.0), ("University of Somewhere.", NOTE)],
        [("sometimes collude.", BODY)],
    ]

    text = _flat(page_text(page_lines(_page(tmp_path, lines))))

    assert text == (
        "Ann Lee Bo Chan Abstract. Agents cooperate. They also compete and "
        "sometimes collude. University of Somewhere."
    )
