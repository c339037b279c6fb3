"""Markdown, text, HTML and Word readers: text kept, sections and line ranges right."""

from __future__ import annotations

from pathlib import Path

from format_factory import HTML, MARKDOWN, TEXT, make_docx, make_html, make_markdown, make_text
from pdf_factory import make_pdf

from tunedd_api.components.docx_text import docx_segments
from tunedd_api.components.file_converter import FileConverter
from tunedd_api.components.file_text import convert_file
from tunedd_api.components.html_text import html_segments
from tunedd_api.components.markdown_text import markdown_segments
from tunedd_api.components.segments import MAX_SEGMENT_LINES, Segment, locate, text_segments


def test_markdown_blocks_keep_their_lines_and_heading_path() -> None:
    segments, headings = markdown_segments(MARKDOWN)

    assert headings == ["Beekeeping Guide", "Spring inspection", "Winter"]
    by_text = {s.text: s for s in segments}
    water = by_text["Bees need water near the hive.\nPlace a shallow dish with stones."]
    assert (water.section, water.line_start, water.line_end) == ("Beekeeping Guide", 3, 4)
    queen = by_text["Look for queen cells on the frames."]
    assert queen.section == "Beekeeping Guide > Spring inspection"
    assert (queen.line_start, queen.line_end) == (9, 9)
    honey = by_text["Leave forty pounds of honey for winter."]
    assert honey.section == "Beekeeping Guide > Winter" and honey.line_start == 13
    lines = MARKDOWN.split("\n")
    for segment in segments:  # every block's first words are on its first line
        assert segment.text.split()[0] in lines[segment.line_start - 1]


def test_markdown_code_and_tables_are_text_with_lines() -> None:
    source = "# Data\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```\nx = 1\ny = 2\n```\n"
    segments, _ = markdown_segments(source)

    assert Segment("1 | 2", "Data", 5, 5) in segments
    assert Segment("x = 1\ny = 2", "Data", 8, 9) in segments


def test_text_paragraphs_have_line_ranges_and_long_ones_are_cut() -> None:
    segments = text_segments(TEXT)
    assert [(s.line_start, s.line_end) for s in segments] == [(1, 1), (3, 4), (7, 7)]

    long = "\n".join(f"line {n}" for n in range(1, 46))
    ranges = [(s.line_start, s.line_end) for s in text_segments(long)]
    assert ranges == [(1, MAX_SEGMENT_LINES), (21, 40), (41, 45)]


def test_html_keeps_visible_blocks_under_their_headings() -> None:
    segments, headings, title = html_segments(HTML)

    assert title == "Orchard Notes"
    assert headings == ["Orchard Notes", "Pests"]
    by_text = {s.text: s.section for s in segments}
    assert by_text["Apple trees need pruning in late winter."] == "Orchard Notes"
    assert by_text["Hang pheromone traps in May."] == "Orchard Notes > Pests"
    assert by_text["June | Check traps"] == "Orchard Notes > Pests"
    text = " ".join(by_text)
    for hidden in ("script text", "Navigation text", "Copyright footer", "color: red"):
        assert hidden not in text


def test_html_unclosed_tags_in_skipped_parts_do_not_hide_the_page() -> None:
    segments, _, _ = html_segments("<nav><ul><li>menu</nav><p>Body text stays.</p>")
    assert [s.text for s in segments] == ["Body text stays."]


def test_docx_headings_set_sections_and_tables_are_rows(tmp_path: Path) -> None:
    segments, headings, title = docx_segments(make_docx(tmp_path / "manual.docx"))

    assert title == "Glacier Field Manual"
    assert headings == ["Glacier Field Manual", "Crevasses", "Rescue"]
    by_text = {s.text: s.section for s in segments}
    crevasse = by_text["Rope up before crossing a snow bridge over a crevasse."]
    assert crevasse == "Glacier Field Manual > Crevasses"
    assert by_text["Ice screws | Six"] == "Glacier Field Manual > Crevasses > Rescue"


def test_locate_joins_sections_and_widens_lines() -> None:
    locations = [
        {"section": "A", "line_start": 1, "line_end": 2},
        {"section": "A > B", "line_start": 4, "line_end": 9},
        {"section": "A > B", "line_start": 11, "line_end": 11},
    ]
    assert locate(locations, [3, 2]) == {"sections": ["A > B"], "line_start": 4, "line_end": 11}
    assert locate(locations, [1, 2]) == {"sections": ["A", "A > B"], "line_start": 1, "line_end": 9}
    assert locate([{"section": "S", "line_start": None, "line_end": None}], [1]) == {
        "sections": ["S"]
    }


def test_convert_file_reports_why_a_file_cannot_be_read(tmp_path: Path) -> None:
    latin = tmp_path / "menu.txt"
    latin.write_bytes("Caf\xe9 au lait\n".encode("latin-1"))
    fake_docx = make_text(tmp_path / "letter.docx", "plain words\n")
    empty_md = make_markdown(tmp_path / "empty.md", "<!-- nothing -->\n\n")
    bad_pdf = make_text(tmp_path / "bad.pdf", "this is not a pdf\n")
    png = tmp_path / "photo.md"
    png.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")

    reasons = {p.name: convert_file(str(p), "id").error for p in (latin, fake_docx, bad_pdf, png)}

    assert "not encoded as UTF-8" in reasons["menu.txt"]
    assert "not a Word document" in reasons["letter.docx"]
    assert "not a PDF" in reasons["bad.pdf"]
    assert "binary data" in reasons["photo.md"]
    assert "no text" in (convert_file(str(empty_md), "id").error or "")


def test_converter_emits_one_document_per_format_with_locations(tmp_path: Path) -> None:
    files = [
        make_pdf(tmp_path / "volcano.pdf", ["Volcanoes erupt basalt.", "Magma feeds vents."]),
        make_markdown(tmp_path / "guide.md"),
        make_text(tmp_path / "tides.txt"),
        make_html(tmp_path / "orchard.html"),
        make_docx(tmp_path / "manual.docx"),
    ]
    meta = [{"document_id": f"doc{i}"} for i in range(len(files))]

    out = FileConverter().run(sources=[str(p) for p in files], meta=meta)

    assert out["failed"] == []
    docs = {d.meta["file_name"]: d for d in out["documents"]}
    assert (
        docs["volcano.pdf"].meta["format"] == "pdf" and docs["volcano.pdf"].meta["page_count"] == 2
    )
    assert "segments" not in docs["volcano.pdf"].meta
    for name, fmt in [("guide.md", "markdown"), ("tides.txt", "text"), ("orchard.html", "html")]:
        doc = docs[name]
        assert doc.meta["format"] == fmt and doc.meta["page_count"] == 1
        assert len(doc.meta["segments"]) == len(doc.content.split("\f"))
    assert docs["guide.md"].meta["title"] == "Beekeeping Guide"
    assert docs["tides.txt"].meta["title"] == "Tide Tables"
    assert docs["orchard.html"].meta["title"] == "Orchard Notes"
    assert docs["manual.docx"].meta["title"] == "Glacier Field Manual"
