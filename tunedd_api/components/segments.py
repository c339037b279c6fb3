"""Files without pages read into located segments, and where a chunk of them sits in the file.

A segment is a block of a Markdown, text, HTML or Word file (a paragraph, a list item, a table
row, a run of at most :data:`MAX_SEGMENT_LINES` lines) with the heading path it sits under and,
for Markdown and text, the 1-based line range it spans. The converter joins segments with form
feeds, as it joins PDF pages, so the cleaner and the splitter treat them alike; the splitter
then turns the segments a chunk draws on into that chunk's ``sections`` and line range.

These files have no pages: they count as one page (``pages == [1]``), so page-based code and
clients keep working, and the location fields say where in the file a chunk is.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

#: A paragraph longer than this is cut, so a chunk's line range stays narrow.
MAX_SEGMENT_LINES = 20
#: Separator of heading levels in a section path ("Guide > Install > Linux").
SECTION_SEPARATOR = " > "
_MAX_TITLE_CHARS = 200
_BLANK_LINE = re.compile(r"^\s*$")


@dataclass(frozen=True)
class Segment:
    """A block of a file: its text, heading path, and lines (1-based, inclusive) if known."""

    text: str
    section: str = ""
    line_start: int | None = None
    line_end: int | None = None

    def location(self) -> dict[str, Any]:
        """The segment's location as converter meta (its text stays in the content)."""
        location = asdict(self)
        del location["text"]
        return location


@dataclass(frozen=True)
class ParsedText:
    """A file without pages read into segments, with its title and format."""

    document_id: str
    file_name: str
    title: str
    format: str
    segments: list[Segment]

    @property
    def page_count(self) -> int:
        """Always 1: the whole file counts as one page."""
        return 1


class SectionPath:
    """The headings above the current position, by level (1 = top)."""

    def __init__(self) -> None:
        self._levels: dict[int, str] = {}

    def enter(self, level: int, heading: str) -> str:
        """A heading of ``level`` starts: deeper headings end. Returns the new path."""
        self._levels = {lv: text for lv, text in self._levels.items() if lv < level}
        if heading:
            self._levels[level] = heading
        return self.path

    @property
    def path(self) -> str:
        """The current headings joined with :data:`SECTION_SEPARATOR`."""
        return SECTION_SEPARATOR.join(self._levels[lv] for lv in sorted(self._levels))


def line_blocks(lines: list[str], first_line: int = 1) -> list[tuple[int, int, str]]:
    """Paragraphs of ``lines`` (split at blank lines, cut every :data:`MAX_SEGMENT_LINES`).

    :returns: ``(line_start, line_end, text)`` per block, line numbers 1-based from
        ``first_line``.
    """
    blocks: list[tuple[int, int, str]] = []
    current: list[str] = []
    start = first_line
    for number, line in enumerate(lines, first_line):
        if _BLANK_LINE.match(line):
            if current:
                blocks.append((start, number - 1, "\n".join(current)))
            current = []
            continue
        if not current:
            start = number
        current.append(line.replace("\f", " "))
        if len(current) == MAX_SEGMENT_LINES:
            blocks.append((start, number, "\n".join(current)))
            current = []
    if current:
        blocks.append((start, first_line + len(lines) - 1, "\n".join(current)))
    return blocks


def text_segments(text: str) -> list[Segment]:
    """Plain text cut into paragraphs with their line ranges (no sections)."""
    return [Segment(block, "", start, end) for start, end, block in line_blocks(text.split("\n"))]


def title_of(segments: list[Segment], headings: list[str], fallback: str) -> str:
    """The first heading, else a short first line, else ``fallback`` (the file's stem)."""
    if headings:
        return headings[0][:_MAX_TITLE_CHARS]
    for segment in segments:
        first = segment.text.strip().split("\n", 1)[0].strip()
        if first:
            return first if len(first) <= 120 else fallback
    return fallback


def locate(locations: list[dict[str, Any]], numbers: list[int]) -> dict[str, Any]:
    """Where a chunk made of segments ``numbers`` (1-based) sits: sections and line range.

    :param locations: The converter's ``segments`` meta, one location per segment.
    :param numbers: The segments the chunk draws on.
    :returns: ``sections`` (distinct heading paths, in order; empty when none) and, when the
        segments have lines, ``line_start`` and ``line_end``.
    """
    picked = [locations[n - 1] for n in sorted(numbers) if 0 < n <= len(locations)]
    sections: list[str] = []
    for location in picked:
        if location.get("section") and location["section"] not in sections:
            sections.append(location["section"])
    found: dict[str, Any] = {"sections": sections}
    starts = [loc["line_start"] for loc in picked if loc.get("line_start") is not None]
    ends = [loc["line_end"] for loc in picked if loc.get("line_end") is not None]
    if starts and ends:
        found.update(line_start=min(starts), line_end=max(ends))
    return found
