"""A PDF page's text with its footnotes read where they are referenced.

pypdf's ``extract_text`` writes a footnote where it is printed: in a two-column paper at the
foot of the left column, which is often in the middle of a sentence that runs on into the right
column ("… vast numbers of agents 10For feasibility, … keeps logs for 72 hours. engaging in the
same behaviour …"). That cuts the sentence in two, and leaves the footnote far from the sentence
it explains. Its chunk then matches neither the footnote's subject nor the sentence's. No stock
converter moves footnotes (``PyPDFToDocument`` calls ``extract_text``), so this module does.

Footnotes are recognised by type size, which pypdf reports per text run. A footnote starts
with a line whose number is set smaller than its text, and its text is smaller than the
document's body text. It runs until body-size text resumes. The footnote (without its number)
moves to just after the sentence on the same page whose superscript marker has its number, and
the marker ("provisions10") is removed. A footnote whose marker is not on the page, or is on it
more than once (affiliations marked after several authors), moves to the end of the page, so
that it still no longer cuts a sentence. Symbol footnotes (∗, †) and
pages without size information keep pypdf's text.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

#: Runs this much smaller than the body (in points) count as footnote or superscript type.
_SMALLER = 0.5
_MARKER = re.compile(r"\d{1,3}")
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*(?=\s+[\"'“‘(\[A-Z0-9]|\s*$)")


@dataclass(frozen=True)
class TextRun:
    """One piece of text as pypdf shows it, with its type size in points."""

    text: str
    size: float


Line = list[TextRun]


def page_lines(page: Any) -> list[Line]:
    """The lines of a pypdf page as ``extract_text`` writes them, each as its sized runs."""
    runs: list[TextRun] = []

    def visit(text: str, cm: list, tm: list, font: Any, font_size: float) -> None:
        runs.append(TextRun(text, _size(cm, tm, font_size)))

    page.extract_text(visitor_text=visit)
    lines: list[Line] = [[]]
    for run in runs:
        for i, part in enumerate(run.text.split("\n")):
            if i:
                lines.append([])
            if part:
                lines[-1].append(TextRun(part, run.size))
    return lines


def body_size(lines: list[Line]) -> float:
    """The type size that carries most of a page's characters (0 without any text).

    Per page, not per document: a paper's reference pages are set in footnote size and can
    carry more characters than its body.
    """
    counts: Counter[float] = Counter()
    for line in lines:
        for run in line:
            counts[run.size] += len(run.text.strip())
    return counts.most_common(1)[0][0] if counts else 0.0


def page_text(lines: list[Line]) -> str:
    """The page's text, each footnote moved after the sentence that refers to it."""
    body = body_size(lines)
    footnotes: dict[str, str] = {}
    kept: list[Line] = []
    number: str | None = None
    for line in lines:
        started = _footnote_number(line, body)
        if started is not None:
            number = started
            footnotes[number] = _line_text(_words(line)[1:])
        elif number is not None and _is_small(line, body):
            footnotes[number] += "\n" + _line_text(line)
        else:
            number = None
            kept.append(line)
    if not footnotes:
        return "\n".join("".join(run.text for run in line) for line in lines)
    text, markers = _body_text(kept, body, set(footnotes))
    return _insert(text, footnotes, markers)


def _size(cm: list, tm: list, font_size: float) -> float:
    scale = math.hypot(tm[2], tm[3]) or 1.0
    scale *= math.hypot(cm[2], cm[3]) or 1.0
    return round(font_size * scale, 2)


def _words(line: Line) -> Line:
    return [run for run in line if run.text.strip()]


def _line_text(line: Line) -> str:
    return "".join(run.text for run in line).strip()


def _is_small(line: Line, body: float) -> bool:
    words = _words(line)
    return bool(words) and all(run.size < body - _SMALLER for run in words)


def _footnote_number(line: Line, body: float) -> str | None:
    """The number a footnote line starts with: set smaller than the footnote's own text."""
    words = _words(line)
    if len(words) < 2 or not _MARKER.fullmatch(words[0].text.strip()):
        return None
    number, text = words[0], words[1]
    if number.size < text.size - _SMALLER and _is_small(line, body):
        return number.text.strip()
    return None


def _body_text(lines: list[Line], body: float, numbers: set[str]) -> tuple[str, dict[str, int]]:
    """The body text without the markers of ``numbers``, and where each marker stood.

    A number marked more than once (author affiliations: "Han 1 Zhang 1") stands nowhere.
    """
    parts: list[str] = []
    markers: dict[str, list[int]] = {}
    length = 0
    for line_number, line in enumerate(lines):
        if line_number:
            parts.append("\n")
            length += 1
        for i, run in enumerate(line):
            after_word = i > 0 and not line[i - 1].text[-1:].isspace()
            marker = run.text.strip()
            if marker in numbers and after_word and run.size < body - _SMALLER:
                markers.setdefault(marker, []).append(length)
                continue
            parts.append(run.text)
            length += len(run.text)
    return "".join(parts), {number: at[0] for number, at in markers.items() if len(at) == 1}


def _insert(text: str, footnotes: dict[str, str], markers: dict[str, int]) -> str:
    """Put each footnote after the sentence holding its marker, or at the end of the page."""
    places: list[tuple[int, int, str]] = []
    for order, (number, footnote) in enumerate(footnotes.items()):
        end = _SENTENCE_END.search(text, markers[number]) if number in markers else None
        places.append((end.end() if end else len(text), order, footnote))
    # From the last place back, so that earlier places keep their offsets.
    for place, _, footnote in sorted(places, reverse=True):
        text = f"{text[:place]}\n{footnote}\n{text[place:].lstrip(' ')}"
    return text.strip()
