"""HTML read into segments (paragraphs, list items, table rows, headings) with heading paths.

Own reader on the standard library's ``html.parser`` instead of Haystack's ``HTMLToDocument``,
measured on a small guide page (h1, two h2 sections, a list, nav and footer): trafilatura,
which that converter runs, kept the three paragraphs but dropped every heading and both list
items, even asked for Markdown output, so neither the content nor the sections a citation
needs survive; it also brings ~47 MB of dependencies beside lxml (babel alone 34 MB, see
docs/FORMATS.md), and with the lxml release the index serves it does not import without an
extra package. This reader keeps every visible block, skips scripts, styles, navigation,
asides and footers, and needs nothing installed.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from tunedd_api.components.segments import Segment, SectionPath

_SKIPPED = {"script", "style", "noscript", "template", "svg", "nav", "aside", "footer", "head"}
_BLOCKS = {
    "p", "div", "li", "dt", "dd", "blockquote", "pre", "section", "article", "main",
    "header", "table", "ul", "ol", "dl", "figure", "figcaption", "form", "address", "hr",
}  # fmt: skip
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_VOID = {"br", "hr", "img", "input", "meta", "link", "area", "base", "col", "embed", "source"}
_SPACES = re.compile(r"\s+")


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.segments: list[Segment] = []
        self.headings: list[str] = []
        self.title = ""
        self._path = SectionPath()
        self._section = ""
        self._skip: list[str] = []
        self._text: list[str] = []
        self._cells: list[str] | None = None
        self._heading = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "title":
            self._in_title = True
        elif self._skip:
            if tag not in _VOID:
                self._skip.append(tag)
        elif tag in _SKIPPED:
            self._skip.append(tag)
        elif tag in _HEADINGS or tag in _BLOCKS or tag == "tr":
            self._flush()
            self._heading = _HEADINGS.get(tag, self._heading)
            if tag == "tr":
                self._cells = []
        elif tag in ("td", "th"):
            self._end_cell()
        elif tag == "br":
            self._text.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif self._skip:
            # Unclosed tags inside a skipped element end with it.
            while tag in self._skip and self._skip.pop() != tag:
                pass
        elif tag in _HEADINGS:
            heading = _SPACES.sub(" ", "".join(self._text)).strip()
            self._text = []
            self._heading = 0
            if heading:
                self._section = self._path.enter(_HEADINGS[tag], heading)
                self.headings.append(heading)
                self.segments.append(Segment(heading, self._section))
        elif tag in ("td", "th"):
            self._end_cell()
        elif tag == "tr" and self._cells is not None:
            self._end_cell()
            if any(self._cells):
                self.segments.append(Segment(" | ".join(self._cells), self._section))
            self._cells = None
        elif tag in _BLOCKS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif not self._skip:
            self._text.append(data)

    def _end_cell(self) -> None:
        if self._cells is not None:
            cell = _SPACES.sub(" ", "".join(self._text)).strip()
            if cell or self._text:
                self._cells.append(cell)
            self._text = []

    def _flush(self) -> None:
        """End the current block: its text becomes a segment (headings end on their tag)."""
        if self._heading or self._cells is not None:
            return
        text = _SPACES.sub(" ", "".join(self._text)).strip()
        self._text = []
        if text:
            self.segments.append(Segment(text, self._section))

    def close(self) -> None:
        super().close()
        self._heading = 0
        self._cells = None
        self._flush()


def html_segments(html: str) -> tuple[list[Segment], list[str], str]:
    """Segments of an HTML page, its headings in order and its ``<title>``.

    :param html: The page source.
    :returns: Segments with their section paths (no line numbers), the heading texts, and the
        title element's text ("" when there is none).
    """
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.segments, reader.headings, _SPACES.sub(" ", reader.title).strip()
