"""Running headers, footers and page numbers dropped by repetition across pages."""

from __future__ import annotations

from pathlib import Path

from pdf_factory import make_pdf

from tunedd_api.components.pdf_layout import Line, TextRun
from tunedd_api.components.pdf_text import read_pdf
from tunedd_api.components.running_lines import drop_running_lines

TOPICS = ["volcanoes", "glaciers", "rivers", "deserts", "forests", "oceans", "caves", "reefs"]


def _page(*texts: str) -> list[Line]:
    return [[TextRun(text, 10.0)] for text in texts]


def _texts(pages: list[list[Line]]) -> list[list[str]]:
    return [["".join(run.text for run in line) for line in lines] for lines in pages]


def test_a_footer_of_several_lines_with_page_numbers_is_dropped() -> None:
    pages = [
        _page(f"About {topic}.", "Journal of Agents, Vol. 5, 2009", str(167 + n), "ISSN 1")
        for n, topic in enumerate(TOPICS[:4])
    ]

    assert _texts(drop_running_lines(pages)) == [[f"About {topic}."] for topic in TOPICS[:4]]


def test_headers_that_alternate_between_odd_and_even_pages_are_dropped() -> None:
    pages = [
        _page("Conf '24, Rio" if n % 2 else "Visibility Conf '24, Rio", f"On {topic}.")
        for n, topic in enumerate(TOPICS)
    ]

    assert _texts(drop_running_lines(pages)) == [[f"On {topic}."] for topic in TOPICS]


def test_a_repeated_line_behind_page_content_is_kept() -> None:
    pages = [_page("Header", f"On {topic}.", "Header", f"{topic} end.") for topic in TOPICS[:4]]

    assert _texts(drop_running_lines(pages)) == [
        [f"On {topic}.", "Header", f"{topic} end."] for topic in TOPICS[:4]
    ]


def test_a_line_on_too_few_pages_is_kept() -> None:
    pages = [_page("Chapter one", "Rivers."), _page("Chapter one", "Reefs.")]
    pages += [_page(topic, f"On {topic}.") for topic in TOPICS]

    kept = _texts(drop_running_lines(pages))

    assert kept[:2] == [["Chapter one", "Rivers."], ["Chapter one", "Reefs."]]


def test_short_documents_keep_everything() -> None:
    pages = [_page("Same header", "Text."), _page("Same header", "Text.")]

    assert drop_running_lines(pages) == pages


def test_a_document_of_nothing_but_repeated_lines_is_kept_whole() -> None:
    pages = [_page("Same header", "Same text.", str(n)) for n in range(1, 5)]

    assert drop_running_lines(pages) == pages


def test_read_pdf_drops_the_running_header_and_page_number(tmp_path: Path) -> None:
    pages = [f"Proceedings of Tests 2024\nOn {topic}.\n{n}" for n, topic in enumerate(TOPICS)]

    parsed = read_pdf(make_pdf(tmp_path / "a.pdf", pages))

    assert [page.text for page in parsed.pages] == [f"On {topic}." for topic in TOPICS]
