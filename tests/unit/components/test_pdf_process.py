"""The converter's background parser: a child interpreter that parses what it is sent."""

from __future__ import annotations

from pdf_factory import make_non_pdf, make_pdf

from tunedd_api.components.pdf_process import ParserProcess
from tunedd_api.components.pdf_text import convert


def test_the_child_parses_like_the_parent_in_order(tmp_path):
    first, second = tmp_path / "a.pdf", tmp_path / "b.pdf"
    make_pdf(first, ["Volcanoes erupt basalt."], title="A")
    make_non_pdf(second)
    parser = ParserProcess()
    futures = [parser.submit(str(first), "id-a"), parser.submit(str(second), "id-b")]
    results = [future.result(timeout=60) for future in futures]
    parser.close()

    assert results == [convert(str(first), "id-a"), convert(str(second), "id-b")]
    assert results[1].parsed is None and results[1].error


def test_files_pending_when_the_child_dies_fail_with_a_reason(tmp_path):
    path = tmp_path / "a.pdf"
    make_pdf(path, ["Glaciers carve valleys."])
    parser = ParserProcess()
    parser._process.kill()
    parser._process.wait()
    result = parser.submit(str(path), "id-a").result(timeout=60)
    parser.close()

    assert result.parsed is None and "parser stopped" in result.error
