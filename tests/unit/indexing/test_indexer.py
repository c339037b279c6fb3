"""Startup indexing: page meta, idempotent restarts, changed/removed/bad files, crash safety."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from fakes import FakeStack
from haystack import Document, Pipeline
from haystack.document_stores.types import DuplicatePolicy
from pdf_factory import make_corrupt_pdf, make_encrypted_pdf, make_non_pdf, make_pdf

from tunedd_api.cli import render_progress
from tunedd_api.indexing.indexer import IndexProgress, Indexer
from tunedd_api.documents import MARKER_FILTER, chunk_id, document_filter
from tunedd_api.runtime import build_runtime
from tunedd_api.settings import Settings

VOLCANO = ["Volcanoes erupt molten basalt lava.", "Magma chambers feed the volcano vents."]
GLACIER = ["Glaciers carve valleys from granite.", "Ice sheets retreat as summers warm."]


@pytest.fixture()
def data_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    make_pdf(folder / "volcano.pdf", VOLCANO, title="Volcano Notes")
    make_pdf(folder / "glacier.pdf", GLACIER, title="Glacier Notes")
    return folder


@pytest.fixture()
def settings(tmp_path: Path, data_dir: Path) -> Settings:
    return Settings(
        _env_file=None,
        data_dir=data_dir,
        index_dir=tmp_path / "index",
        index_workers=1,
        chunk_size_tokens=64,
        chunk_overlap_tokens=8,
    )


_PIPELINES: dict[int, tuple[FakeStack, Pipeline]] = {}


def _sync(backend: FakeStack, settings: Settings):
    """Index through the runtime's graph (built once per stack: components join one graph)."""
    if id(backend) not in _PIPELINES or _PIPELINES[id(backend)][0] is not backend:
        _PIPELINES[id(backend)] = (backend, build_runtime(settings, stack=backend).indexing)
    pipeline = _PIPELINES[id(backend)][1]
    return Indexer(pipeline=pipeline, data_dir=settings.data_dir).sync()


def _chunks(backend: FakeStack, file_name: str) -> list[Document]:
    docs = backend.document_store.filter_documents(
        {"field": "meta.file_name", "operator": "==", "value": file_name}
    )
    return sorted(docs, key=lambda d: d.meta["chunk_index"])


def test_chunks_carry_document_identity_and_pages(settings: Settings) -> None:
    backend = FakeStack()
    report = _sync(backend, settings)

    assert report.indexed == 2 and report.failed == 0
    chunks = _chunks(backend, "volcano.pdf")
    assert chunks, "volcano.pdf produced no chunks"
    pages = sorted({page for chunk in chunks for page in chunk.meta["pages"]})
    assert pages == [1, 2]
    meta = chunks[0].meta
    assert meta["title"] == "Volcano Notes"
    assert meta["document_id"] == report.records[1].document_id
    assert meta["page_count"] == 2
    assert all(c.embedding is not None for c in chunks)
    page_one = [c for c in chunks if 1 in c.meta["pages"]]
    assert any("basalt" in c.content for c in page_one)


def test_restart_reuses_everything_and_embeds_nothing(settings: Settings) -> None:
    index_path = settings.index_dir / "index.sqlite3"
    first = FakeStack(index_path=index_path)
    _sync(first, settings)
    first.close()

    restarted = FakeStack(index_path=index_path)
    report = _sync(restarted, settings)

    assert report.reused == 2 and report.indexed == 0
    assert restarted.document_embedder.calls == 0
    assert restarted.document_store.count_documents() == first.document_store.count_documents()


def test_changed_file_is_reindexed_and_old_chunks_deleted(settings: Settings) -> None:
    backend = FakeStack()
    before = {r.file_name: r.document_id for r in _sync(backend, settings).records}
    make_pdf(settings.data_dir / "volcano.pdf", VOLCANO + ["Lava domes grow slowly."])

    report = _sync(backend, settings)

    after = {r.file_name: r.document_id for r in report.records}
    assert after["volcano.pdf"] != before["volcano.pdf"]
    assert after["glacier.pdf"] == before["glacier.pdf"]
    assert report.indexed == 1 and report.reused == 1 and report.removed_documents == 1
    old = backend.document_store.filter_documents(document_filter([before["volcano.pdf"]]))
    assert old == []
    assert any("domes" in c.content for c in _chunks(backend, "volcano.pdf"))


def test_removed_file_is_dropped(settings: Settings) -> None:
    backend = FakeStack()
    _sync(backend, settings)
    (settings.data_dir / "glacier.pdf").unlink()

    report = _sync(backend, settings)

    assert [r.file_name for r in report.records] == ["volcano.pdf"]
    assert _chunks(backend, "glacier.pdf") == []


@pytest.mark.parametrize(
    ("maker", "reason"),
    [
        (make_corrupt_pdf, "corrupt"),
        (make_non_pdf, "not a PDF"),
        (lambda path: make_encrypted_pdf(path, ["Secret text."]), "encrypted"),
        (lambda path: make_pdf(path, ["", ""]), "no extractable text"),
    ],
)
def test_bad_file_is_listed_with_reason_and_others_index(settings, maker, reason) -> None:
    maker(settings.data_dir / "bad.pdf")
    backend = FakeStack()

    report = _sync(backend, settings)

    by_name = {r.file_name: r for r in report.records}
    assert by_name["bad.pdf"].status == "failed"
    assert reason in by_name["bad.pdf"].error
    assert by_name["volcano.pdf"].status == by_name["glacier.pdf"].status == "indexed"
    assert report.failed == 1 and report.indexed == 2


def test_interrupted_write_is_cleaned_up_and_redone(settings: Settings) -> None:
    backend = FakeStack()
    report = _sync(backend, settings)
    volcano_id = next(r.document_id for r in report.records if r.file_name == "volcano.pdf")
    # Simulate a crash after the other chunks were written but before the commit marker.
    marker = backend.document_store.filter_documents(
        {"operator": "AND", "conditions": [document_filter([volcano_id]), MARKER_FILTER]}
    )[0]
    backend.document_store.delete_documents([marker.id])
    orphan = Document(id=chunk_id("deadbeefdeadbeef", 3), content="orphan", meta={})
    orphan.meta.update(document_id="deadbeefdeadbeef", chunk_index=3)
    backend.document_store.write_documents([orphan], policy=DuplicatePolicy.OVERWRITE)

    report = _sync(backend, settings)

    assert report.indexed == 1 and report.reused == 1
    assert backend.document_store.filter_documents(document_filter(["deadbeefdeadbeef"])) == []
    assert len(backend.document_store.filter_documents(MARKER_FILTER)) == 2


def test_renamed_file_keeps_its_vectors(settings: Settings) -> None:
    backend = FakeStack()
    _sync(backend, settings)
    embedded_before = backend.document_embedder.embedded
    (settings.data_dir / "glacier.pdf").rename(settings.data_dir / "ice.pdf")

    report = _sync(backend, settings)

    assert backend.document_embedder.embedded == embedded_before
    assert {r.file_name for r in report.records} == {"ice.pdf", "volcano.pdf"}
    assert _chunks(backend, "ice.pdf") and _chunks(backend, "glacier.pdf") == []


def test_duplicate_content_is_indexed_once(settings: Settings) -> None:
    shutil.copy(settings.data_dir / "volcano.pdf", settings.data_dir / "volcano-copy.pdf")
    backend = FakeStack()

    report = _sync(backend, settings)

    volcanoes = [r for r in report.records if r.file_name.startswith("volcano")]
    assert sorted(r.status for r in volcanoes) == ["failed", "indexed"]
    assert "same content" in next(r.error for r in volcanoes if r.status == "failed")
    assert report.indexed == 2


def test_parallel_parsing_gives_the_same_chunks(settings: Settings) -> None:
    serial, parallel = FakeStack(), FakeStack()
    _sync(serial, settings)
    _sync(parallel, settings.model_copy(update={"index_workers": 2}))

    def contents(backend: FakeStack) -> list[tuple[str, str]]:
        return sorted((d.id, d.content) for d in backend.document_store.filter_documents())

    assert contents(parallel) == contents(serial)


def test_missing_data_folder_indexes_nothing(settings: Settings, tmp_path: Path) -> None:
    report = _sync(FakeStack(), settings.model_copy(update={"data_dir": tmp_path / "none"}))

    assert report.records == [] and report.indexed == 0


def test_one_run_per_file_parses_the_next_file_while_this_one_embeds(settings: Settings) -> None:
    """Each run converts one file (smallest first) and hands the next to the converter's
    background parser; a bad file is reported once, not retried in a loop."""
    make_pdf(settings.data_dir / "zz-large.pdf", VOLCANO * 30 + GLACIER * 30)
    make_non_pdf(settings.data_dir / "broken.pdf")
    backend = FakeStack()
    pipeline = build_runtime(settings, stack=backend).indexing
    runs: list[dict] = []
    original = pipeline.run

    def recording_run(data, **kwargs):
        outputs = original(data, **kwargs)
        runs.append(outputs["planner"])
        return outputs

    pipeline.run = recording_run
    report = Indexer(pipeline=pipeline, data_dir=settings.data_dir).sync()

    assert (report.indexed, report.failed) == (3, 1)
    assert [len(run["sources"]) for run in runs] == [1, 1, 1, 1]
    sizes = [Path(run["sources"][0]).stat().st_size for run in runs]
    assert sizes == sorted(sizes)
    assert [run["prefetch_sources"] for run in runs[:-1]] == [run["sources"] for run in runs[1:]]
    assert runs[-1]["prefetch_sources"] == [] and runs[-1]["deferred"] == 0
    converter = pipeline.get_component("converter")
    assert converter._background is None and not converter._prefetched
    assert _chunks(backend, "zz-large.pdf")


def test_progress_is_reported_after_every_file(settings: Settings) -> None:
    seen: list = []
    backend = FakeStack()
    pipeline = build_runtime(settings, stack=backend).indexing
    report = Indexer(pipeline=pipeline, data_dir=settings.data_dir).sync(on_progress=seen.append)

    assert [(p.files_done, p.files_total) for p in seen] == [(1, 2), (2, 2)]
    assert seen[-1].chunks_done == report.chunks_embedded > seen[0].chunks_done > 0
    assert {p.last_file for p in seen} == {"volcano.pdf", "glacier.pdf"}

    seen.clear()
    Indexer(pipeline=pipeline, data_dir=settings.data_dir).sync(on_progress=seen.append)
    assert seen == [], "nothing to convert, nothing to report"


def test_the_cli_draws_one_progress_line_per_file() -> None:
    stream = io.StringIO()
    render_progress(IndexProgress(1, 4, 120, "a.pdf"), stream, width=8)
    render_progress(IndexProgress(4, 4, 480, "d.pdf"), stream, width=8)

    assert stream.getvalue().splitlines() == [
        "[##......] 1/4 files, 120 chunks  a.pdf",
        "[########] 4/4 files, 480 chunks  d.pdf",
    ]
