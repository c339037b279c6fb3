"""The indexing graph's stock DocumentCleaner reproduces tunedd's page cleaning exactly."""

from __future__ import annotations

import pytest
from haystack import Document
from haystack.components.preprocessors import DocumentCleaner

from tunedd_api.components.pdf_text import CLEANING_REGEXES, clean_page_text

PAGES = [
    "Multi-agent sys-\ntems coordinate.  Agents\tact.",
    "  soft\u00adhyphen and  trailing space  ",
    "Line one\n\nLine two\r\nend-\n  of-line",
    "UPPER-\nCase stays hyphenated; lower-\ncase joins.",
    "",
    "\u00a0non-breaking\u00a0spaces\u2003and em spaces",
]


@pytest.mark.parametrize("page", PAGES)
def test_cleaner_matches_clean_page_text_page_by_page(page: str) -> None:
    cleaner = DocumentCleaner(
        remove_empty_lines=False,
        remove_extra_whitespaces=False,
        keep_id=True,
        replace_regexes=CLEANING_REGEXES,
    )
    document = Document(content="\f".join([page, page]))
    cleaned = cleaner.run(documents=[document])["documents"][0].content

    assert cleaned.split("\f") == [clean_page_text(page)] * 2
