"""Running headers, footers and page numbers, found by repetition and dropped from PDF text.

pypdf writes a page's running header and footer with its text, so they land inside the
sentence that crosses the page break: "… challenges to memory and information 4 (Ongoing
Update) LLM Multi-Agent Systems: Challenges and Open Problems retrieval." The sentence is cut,
and every chunk that spans a page break carries the title's words, which BM25 then matches for
any question that names the paper. ``DocumentCleaner(remove_repeated_substrings=True)`` looks
for one string common to the start of every page. It misses headers that alternate between
odd and even pages, and it would also run on the segments of Markdown or HTML files, which are
not pages. So this runs on PDF lines only:

a page's first and last lines are running while the same line, with its numbers ignored
("Vol. 5, 2009" then a page number "168", "169", …), is among the first or last five lines of at
least 40 % of the document's pages and of at least three of them. Lines are peeled from each
edge inward, so a repeated line behind page content is kept.
"""

from __future__ import annotations

import math
import re
from collections import Counter

from tunedd_api.components.pdf_layout import Line

#: How many lines at the top and at the bottom of a page are compared across pages.
EDGE_LINES = 5
#: A line repeated on this share of the pages (and on at least MIN_PAGES) is running.
MIN_SHARE = 0.4
MIN_PAGES = 3
_NUMBER = re.compile(r"\d+")


def drop_running_lines(pages: list[list[Line]]) -> list[list[Line]]:
    """The pages without the lines that repeat at the top or bottom of many of them."""
    keys = [[_key(line) for line in lines] for lines in pages]
    seen: Counter[str] = Counter()
    for page in keys:
        filled = [key for key in page if key]
        seen.update(set(filled[:EDGE_LINES] + filled[-EDGE_LINES:]))
    needed = max(MIN_PAGES, math.ceil(MIN_SHARE * len(pages)))
    running = {key for key, count in seen.items() if count >= needed}
    if not running:
        return pages
    peeled = [_peel(lines, page, running) for lines, page in zip(pages, keys)]
    # A document made of nothing but repeated lines (a form, a test page) is not boilerplate.
    return peeled if any(peeled) else pages


def _peel(lines: list[Line], keys: list[str], running: set[str]) -> list[Line]:
    """The lines between the page's leading and trailing running (or blank) lines."""
    start, end = 0, len(lines)
    while start < end and start < EDGE_LINES * 2 and (not keys[start] or keys[start] in running):
        start += 1
    while (
        end > start
        and len(lines) - end < EDGE_LINES * 2
        and (not keys[end - 1] or keys[end - 1] in running)
    ):
        end -= 1
    return lines[start:end]


def _key(line: Line) -> str:
    """A line's text for comparison: spaces collapsed, numbers as #, lower case."""
    text = " ".join("".join(run.text for run in line).split())
    return _NUMBER.sub("#", text).lower()
