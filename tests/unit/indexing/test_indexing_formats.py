"""A folder with one file of each format indexes through the graph; chunks and citations say
where in the file they are (pages for PDFs, sections and lines for the rest)."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import pytest
from fakes import FakeStack
from format_factory import make_docx, make_html, make_markdown, make_text
from haystack import Document
from pdf_factory import make_pdf

from tunedd_api.api.schemas import CitationOut
from tunedd_api.documents import CHUNK_META_FIELDS
from tunedd_api.indexing.indexer import Indexer, find_documents
from tunedd_api.runtime import build_runtime
from tunedd_api.settings import Settings
from tunedd_api.turns import Citation, RetrievedChunk


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    folder = tmp_path / "data"
    make_pdf(folder / "volcano.pdf", ["Volcanoes erupt basalt lava.", "Magma feeds the vents."])
    make_markdown(folder / "guide.md")
    make_text(folder / "tides.TXT")
    make_html(folder / "orchard.html")
    make_docx(folder / "manual.docx")
    (folder / "photo.html").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (folder / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    return Settings(
        _env_file=None,
        data_dir=folder,
        index_dir=tmp_path / "index",
        chunk_size_tokens=64,
        chunk_overlap_tokens=8,
    )


def _chunks(stack: FakeStack, file_name: str) -> list[Document]:
    docs = stack.document_store.filter_documents(
        {"field": "meta.file_name", "operator": "==", "value": file_name}
    )
    return sorted(docs, key=lambda d: d.meta["chunk_index"])


def _containing(chunks: list[Document], words: str) -> Document:
    return next(c for c in chunks if words in (c.content or ""))


@pytest.fixture()
def indexed(settings: Settings, tmp_path: Path) -> tuple[FakeStack, object]:
    stack = FakeStack(index_path=tmp_path / "index" / "index.sqlite3")  # meta through SQLite
    pipeline = build_runtime(settings, stack=stack).indexing
    report = Indexer(pipeline=pipeline, data_dir=settings.data_dir, files_per_run=1).sync()
    return stack, report


def test_the_scan_picks_up_every_supported_extension(settings: Settings) -> None:
    names = [p.name for p in find_documents(settings.data_dir)]
    assert names == [
        "guide.md",
        "manual.docx",
        "orchard.html",
        "photo.html",
        "tides.TXT",
        "volcano.pdf",
    ]


def test_every_format_indexes_and_a_disguised_image_fails(indexed) -> None:
    stack, report = indexed
    by_name = {r.file_name: r for r in report.records}

    assert {n for n, r in by_name.items() if r.status == "indexed"} == {
        "guide.md", "manual.docx", "orchard.html", "tides.TXT", "volcano.pdf"
    }  # fmt: skip
    assert "binary data" in by_name["photo.html"].error
    assert by_name["guide.md"].page_count == 1 and by_name["volcano.pdf"].page_count == 2
    for name in ("guide.md", "manual.docx", "orchard.html", "tides.TXT", "volcano.pdf"):
        for chunk in _chunks(stack, name):
            assert set(chunk.meta) <= set(CHUNK_META_FIELDS) | {"embedding"}


def test_chunks_are_located_by_pages_sections_and_lines(indexed) -> None:
    stack, _ = indexed

    pdf = _containing(_chunks(stack, "volcano.pdf"), "Magma")
    assert pdf.meta["format"] == "pdf" and pdf.meta["pages"] == [1, 2]
    assert "sections" not in pdf.meta and "line_start" not in pdf.meta

    md = _containing(_chunks(stack, "guide.md"), "queen cells")
    assert md.meta["format"] == "markdown" and md.meta["pages"] == [1]
    assert "Beekeeping Guide > Spring inspection" in md.meta["sections"]
    assert md.meta["line_start"] <= 9 <= md.meta["line_end"]

    text = _containing(_chunks(stack, "tides.TXT"), "Neap tides")
    assert text.meta["sections"] == [] and text.meta["line_end"] == 7

    html = _containing(_chunks(stack, "orchard.html"), "pheromone traps")
    assert "Orchard Notes > Pests" in html.meta["sections"] and "line_start" not in html.meta
    assert "script text" not in html.content

    word = _containing(_chunks(stack, "manual.docx"), "pulley system")
    assert "Glacier Field Manual > Crevasses > Rescue" in word.meta["sections"]


def test_citations_carry_the_location(indexed) -> None:
    stack, _ = indexed
    md = _containing(_chunks(stack, "guide.md"), "queen cells")
    pdf = _containing(_chunks(stack, "volcano.pdf"), "Magma")

    cited = Citation.from_source(1, RetrievedChunk(md, 0.8), snippet="queen cells", support=0.9)
    paged = Citation.from_source(2, RetrievedChunk(pdf, 0.7), snippet="Magma", support=0.9)

    assert cited.pages == [1]
    assert "Beekeeping Guide > Spring inspection" in cited.sections
    assert cited.lines == [md.meta["line_start"], md.meta["line_end"]]
    assert paged.pages == [1, 2] and paged.sections == [] and paged.lines is None
    out = CitationOut(**asdict(cited)).model_dump()
    assert out["sections"] == cited.sections and out["lines"] == cited.lines
    assert CitationOut(**asdict(paged)).model_dump()["lines"] is None
