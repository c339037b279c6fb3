"""The upload queue and intake on fakes: queued → indexed into the catalog through the indexing
graph without pruning, dedup, a full queue, deletion, and the startup sync keeping uploads."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from fakes import FakeStack
from pdf_factory import make_pdf

from tunedd_api.components.pdf_text import document_id_for
from tunedd_api.documents import MARKER_FILTER, DocumentRecord, document_filter
from tunedd_api.errors import (
    DocumentNotFoundError,
    DocumentsRemovedError,
    ReadOnlyDocumentError,
    UploadQueueFullError,
)
from tunedd_api.indexing.catalog import DocumentCatalog
from tunedd_api.indexing.intake import DocumentIntake, ReceivedFile
from tunedd_api.indexing.uploads import clean_file_name, stored_uploads
from tunedd_api.runtime import build_runtime
from tunedd_api.settings import Settings
from tunedd_api.storage.migrate import open_app_database

VOLCANO = ["Volcanoes erupt molten basalt lava.", "Magma chambers feed the volcano vents."]
GLACIER = ["Glaciers carve valleys from granite.", "Ice sheets retreat as summers warm."]


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    make_pdf(tmp_path / "data" / "volcano.pdf", VOLCANO, title="Volcano Notes")
    return Settings(
        _env_file=None,
        data_dir=tmp_path / "data",
        index_dir=tmp_path / "index",
        index_workers=1,
        upload_queue_size=2,
    )


@pytest.fixture()
def backend() -> FakeStack:
    return FakeStack()


@pytest.fixture()
def catalog() -> DocumentCatalog:
    return DocumentCatalog()


@pytest.fixture()
def intake(settings: Settings, backend: FakeStack, catalog: DocumentCatalog) -> DocumentIntake:
    database = open_app_database(settings.app_database_url)
    built = DocumentIntake.build(build_runtime(settings, stack=backend), catalog, database)
    built.store.prepare()
    catalog.replace(built.indexer.sync().records)
    return built


def received(intake: DocumentIntake, source: Path, name: str | None = None) -> ReceivedFile:
    path = intake.store.incoming()
    path.write_bytes(source.read_bytes())
    return ReceivedFile(
        name=name or source.name, path=path, size=path.stat().st_size, head=b"%PDF-"
    )


def test_an_accepted_upload_is_queued_then_indexed_without_touching_others(
    intake, backend, catalog, tmp_path
) -> None:
    glacier = make_pdf(tmp_path / "src" / "glacier.pdf", GLACIER)
    folder_chunks = backend.document_store.count_documents()

    [accepted] = intake.accept([received(intake, glacier)])

    assert accepted.status == "queued" and accepted.document_id == document_id_for(glacier)
    assert catalog.get(accepted.document_id).status == "queued"
    assert intake.queue.progress(accepted.document_id) is not None
    intake.queue.start()
    assert intake.queue.wait_idle(60)
    intake.queue.stop()
    record = catalog.get(accepted.document_id)
    assert record.status == "indexed" and record.chunk_count >= 1
    assert accepted.document_id in catalog.indexed_ids() and len(catalog.indexed_ids()) == 2
    assert backend.document_store.count_documents() == folder_chunks + record.chunk_count
    assert intake.queue.progress(accepted.document_id) is None


def test_a_full_queue_refuses_the_whole_request_and_keeps_nothing(intake, tmp_path) -> None:
    files = [make_pdf(tmp_path / "src" / f"{n}.pdf", [f"Page {n} of rivers."]) for n in range(3)]
    intake.accept([received(intake, files[0])])

    with pytest.raises(UploadQueueFullError) as refused:
        intake.accept([received(intake, files[1]), received(intake, files[2])])

    assert refused.value.retry_after_s >= 1
    assert len(stored_uploads(intake.store.folder)) == 1
    assert list((intake.store.folder / ".incoming").iterdir()) == []


def test_duplicates_in_one_request_and_against_the_collection(intake, settings, tmp_path) -> None:
    glacier = make_pdf(tmp_path / "src" / "glacier.pdf", GLACIER)
    volcano = settings.data_dir / "volcano.pdf"

    results = intake.accept(
        [
            received(intake, glacier),
            received(intake, glacier, "again.pdf"),
            received(intake, volcano),
        ]
    )

    assert [(r.duplicate, r.status) for r in results] == [
        (False, "queued"),
        (True, "queued"),
        (True, "indexed"),
    ]
    assert results[1].file_name == "glacier.pdf" and results[2].file_name == "volcano.pdf"
    assert len(stored_uploads(intake.store.folder)) == 1


def test_delete_of_a_queued_upload_dequeues_it(intake, catalog, backend, tmp_path) -> None:
    glacier = make_pdf(tmp_path / "src" / "glacier.pdf", GLACIER)
    [accepted] = intake.accept([received(intake, glacier)])
    embedded = backend.document_embedder.embedded

    intake.delete(accepted.document_id)
    intake.queue.start()
    assert intake.queue.wait_idle(60)
    intake.queue.stop()

    assert catalog.get(accepted.document_id) is None
    assert backend.document_embedder.embedded == embedded
    assert stored_uploads(intake.store.folder) == []
    with pytest.raises(DocumentNotFoundError):
        intake.delete(accepted.document_id)
    folder_id = next(iter(catalog.indexed_ids()))
    with pytest.raises(ReadOnlyDocumentError):
        intake.delete(folder_id)


def test_the_startup_sync_keeps_uploads_and_prunes_the_rest(intake, backend, tmp_path) -> None:
    glacier = make_pdf(tmp_path / "src" / "glacier.pdf", GLACIER)
    [accepted] = intake.accept([received(intake, glacier)])
    intake.queue.start()
    assert intake.queue.wait_idle(60)
    intake.queue.stop()

    report = intake.indexer.sync()

    assert report.reused == 2 and report.removed_documents == 0
    intake.store.remove(accepted.document_id)
    assert intake.indexer.sync().removed_documents == 1
    markers = backend.document_store.filter_documents(MARKER_FILTER)
    assert [m.meta["file_name"] for m in markers] == ["volcano.pdf"]


def test_a_scope_with_removed_documents_names_them() -> None:
    catalog = DocumentCatalog()
    catalog.put(make_record("a"))
    catalog.put(make_record("b"))
    catalog.require_still_indexed(["a", "b"])
    catalog.remove("b")

    with pytest.raises(DocumentsRemovedError) as removed:
        catalog.require_still_indexed(["a", "b", "b"])

    assert removed.value.document_ids == ["b"]


def make_record(document_id: str) -> DocumentRecord:
    return DocumentRecord(document_id, f"{document_id}.pdf", document_id, 1, 1, "indexed")


@pytest.mark.parametrize(
    ("given", "extension", "kept"),
    [
        ("paper.pdf", "pdf", "paper.pdf"),
        ("PAPER.PDF", "pdf", "PAPER.pdf"),
        ("notes", "pdf", "notes.pdf"),
        ("/abs/../x.pdf", "pdf", "x.pdf"),
        ("a\u200bb\u202e.pdf", "pdf", "ab.pdf"),
        ("", "pdf", "upload.pdf"),
        ("...", "pdf", "upload.pdf"),
        ("a<b>|c?.pdf", "pdf", "a_b__c.pdf"),
        ("ü" * 300 + ".pdf", "pdf", "ü" * 75 + ".pdf"),
        ("notes.md", "markdown", "notes.md"),
        ("notes.MARKDOWN", "markdown", "notes.markdown"),
        ("plain.md", "text", "plain.md"),  # no Markdown in it: read as text, name kept
        ("log.txt", "text", "log.txt"),
        ("page.htm", "html", "page.htm"),
        ("letter.docx", "docx", "letter.docx"),
        ("notes", "markdown", "notes.md"),
        ("log", "text", "log.txt"),
        ("page.txt", "html", "page.txt.html"),
        ("report.pdf", "docx", "report.pdf.docx"),
    ],
)
def test_clean_file_names(given: str, extension: str, kept: str) -> None:
    assert clean_file_name(given, extension) == kept


def test_delete_during_indexing_leaves_no_chunk_file_or_record(intake, backend, catalog, tmp_path):
    entered, release = threading.Event(), threading.Event()
    embed = backend.document_embedder.run

    def gated(documents):
        entered.set()
        assert release.wait(60)
        return embed(documents=documents)

    backend.document_embedder.run = gated
    glacier = make_pdf(tmp_path / "src" / "glacier.pdf", GLACIER)
    [accepted] = intake.accept([received(intake, glacier)])
    intake.queue.start()
    assert entered.wait(60)  # the worker is embedding the upload now
    deleting = threading.Thread(target=intake.delete, args=(accepted.document_id,))
    deleting.start()
    release.set()
    deleting.join(60)
    assert intake.queue.wait_idle(60)
    intake.queue.stop()

    assert not deleting.is_alive()
    assert catalog.get(accepted.document_id) is None
    assert backend.document_store.filter_documents(document_filter([accepted.document_id])) == []
    assert stored_uploads(intake.store.folder) == []


def test_the_catalog_follows_uploads_other_processes_indexed_or_deleted() -> None:
    catalog = DocumentCatalog([make_record("folder")])
    known = catalog.follow([make_record("a"), make_record("b")], set())
    assert known == {"a", "b"} and catalog.indexed_ids() == {"folder", "a", "b"}

    known = catalog.follow([make_record("b")], known)  # "a" was deleted elsewhere

    assert known == {"b"} and catalog.indexed_ids() == {"folder", "b"}
