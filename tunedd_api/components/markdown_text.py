"""Markdown read into located segments: each block's text, heading path and source lines.

Own reader over markdown-it-py (the parser Haystack's ``MarkdownToDocument`` uses) instead of
that converter: it renders the whole file to one plain string, so neither the headings nor the
line numbers a citation needs survive. Here every block token keeps its ``map`` (the source
lines it came from): paragraphs, list items, quotes, table rows and code blocks become
segments, headings become segments and set the section path of what follows.
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.token import Token

from tunedd_api.components.segments import Segment, SectionPath, line_blocks

_PARSER = MarkdownIt("commonmark").enable("table")
_SKIPPED_INLINE = {"html_inline"}


def markdown_segments(text: str) -> tuple[list[Segment], list[str]]:
    """Segments of a Markdown document, and its headings in order.

    :param text: The Markdown source.
    :returns: The segments (line numbers 1-based, inclusive) and the heading texts.
    """
    tokens = _PARSER.parse(text)
    segments: list[Segment] = []
    headings: list[str] = []
    path = SectionPath()
    section = ""
    heading_level = 0
    row: list[str] = []
    row_lines: tuple[int, int] | None = None
    for token in tokens:
        if token.type == "heading_open":
            heading_level = int(token.tag[1:])
        elif token.type == "inline" and heading_level:
            heading = _inline_text(token)
            section = path.enter(heading_level, heading)
            headings.append(heading)
            _add(segments, heading, section, token)
            heading_level = 0
        elif token.type == "tr_open":
            row, row_lines = [], _lines(token)
        elif token.type == "inline" and row_lines is not None:
            row.append(_inline_text(token))
        elif token.type == "tr_close" and row_lines is not None:
            segments.append(Segment(" | ".join(row), section, *row_lines))
            row_lines = None
        elif token.type == "inline":
            _add(segments, _inline_text(token), section, token)
        elif token.type in ("fence", "code_block") and token.map:
            first = token.map[0] + (2 if token.type == "fence" else 1)
            lines = token.content.rstrip("\n").split("\n")
            segments += [
                Segment(block, section, start, end)
                for start, end, block in line_blocks(lines, first)
            ]
    return segments, headings


def _add(segments: list[Segment], text: str, section: str, token: Token) -> None:
    if text.strip():
        start, end = _lines(token)
        segments.append(Segment(text.replace("\f", " "), section, start, end))


def _lines(token: Token) -> tuple[int, int]:
    """1-based inclusive source lines of a block token (``map`` is 0-based, end-exclusive)."""
    if not token.map:
        return 0, 0
    return token.map[0] + 1, max(token.map[1], token.map[0] + 1)


def _inline_text(token: Token) -> str:
    """The plain text of an inline token: text, code and image descriptions, no markup."""
    parts: list[str] = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif child.type == "image":
            parts.append(_inline_text(child))
        elif child.type not in _SKIPPED_INLINE and child.children:
            parts.append(_inline_text(child))
    return "".join(parts).strip()
