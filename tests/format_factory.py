"""Small files of every supported format besides PDF, written into test folders."""

from __future__ import annotations

from pathlib import Path

import docx

MARKDOWN = """# Beekeeping Guide

Bees need water near the hive.
Place a shallow dish with stones.

## Spring inspection

- Inspect every seven days in spring.
- Look for queen cells on the frames.

## Winter

Leave forty pounds of honey for winter.
"""

HTML = """<!DOCTYPE html>
<html><head><title>Orchard Notes</title><style>p { color: red }</style></head>
<body><nav><a href="/">Home</a><p>Navigation text</nav>
<h1>Orchard Notes</h1><p>Apple trees need pruning in late winter.</p>
<h2>Pests</h2><p>Codling moths lay eggs on young fruit.</p>
<ul><li>Hang pheromone traps in May.</li><li>Thin the fruit clusters.</li></ul>
<table><tr><th>Month</th><th>Task</th></tr><tr><td>June</td><td>Check traps</td></tr></table>
<script>var hidden = "script text";</script><footer>Copyright footer</footer>
</body></html>
"""

TEXT = (
    "Tide Tables\n\nHigh tide reaches the harbour wall twice a day.\nSpring tides are higher."
    "\n\n\nNeap tides follow the quarter moons.\n"
)


def make_markdown(path: Path, text: str = MARKDOWN) -> Path:
    """Write a Markdown file (a title, two sections, a list)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def make_html(path: Path, text: str = HTML) -> Path:
    """Write an HTML page with navigation, headings, a list, a table, a script and a footer."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def make_text(path: Path, text: str = TEXT) -> Path:
    """Write a plain text file of three paragraphs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def make_docx(path: Path, *, title: str = "Glacier Field Manual") -> Path:
    """Write a Word document: a title, two headings with body text, and a table."""
    path.parent.mkdir(parents=True, exist_ok=True)
    document = docx.Document()
    document.core_properties.title = title
    document.add_heading("Glacier Field Manual", level=0)
    document.add_heading("Crevasses", level=1)
    document.add_paragraph("Rope up before crossing a snow bridge over a crevasse.")
    document.add_heading("Rescue", level=2)
    document.add_paragraph("Build a pulley system to haul a fallen climber.")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Item", "Count"
    table.cell(1, 0).text, table.cell(1, 1).text = "Ice screws", "Six"
    document.save(str(path))
    return path
