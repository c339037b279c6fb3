"""The planner converts again a document indexed with an older text extraction."""

from __future__ import annotations

from pathlib import Path

import pytest
from haystack.document_stores.in_memory import InMemoryDocumentStore
from pdf_factory import make_pdf

from tunedd_api.components.index_planner import IndexPlanner
from tunedd_api.components.pdf_text import document_id_for
from tunedd_api.documents import TEXT_VERSION, chunk_document, document_filter

SOURCE = {"file_name": "a.pdf", "title": "A", "page_count": 1}


def _index(store: InMemoryDocumentStore, document_id: str, *, version: int | None) -> None:
    meta = {**SOURCE, "document_id": document_id}
    chunks = [
        chunk_document(meta, index=i, count=3, text=f"chunk {i}", pages=[1], tokens=2)
        for i in range(3)
    ]
    for chunk in chunks:
        if version is None:
            del chunk.meta["text_version"]
        else:
            chunk.meta["text_version"] = version
    store.write_documents(chunks)


@pytest.fixture()
def pdf(tmp_path: Path) -> Path:
    return make_pdf(tmp_path / "a.pdf", ["A page about volcanoes."])


def test_a_current_document_is_reused(pdf: Path) -> None:
    store = InMemoryDocumentStore()
    _index(store, document_id_for(pdf), version=TEXT_VERSION)

    plan = IndexPlanner(document_store=store).run(sources=[str(pdf)])

    assert plan["sources"] == []
    assert [record.document_id for record in plan["reused"]] == [document_id_for(pdf)]
    assert store.count_documents() == 3


@pytest.mark.parametrize("version", [None, TEXT_VERSION - 1])
@pytest.mark.parametrize("prune", [True, False])
def test_a_document_of_an_older_text_version_is_deleted_and_converted_again(
    pdf: Path, version: int | None, prune: bool
) -> None:
    store = InMemoryDocumentStore()
    document_id = document_id_for(pdf)
    _index(store, document_id, version=version)
    _index(store, "other0000000000", version=TEXT_VERSION)

    plan = IndexPlanner(document_store=store).run(sources=[str(pdf)], prune=prune)

    assert plan["sources"] == [str(pdf)] and plan["reused"] == []
    assert plan["meta"] == [{"document_id": document_id}]
    assert store.filter_documents(document_filter([document_id])) == []
    assert plan["removed"] == (1 if prune else 0)
    others = store.filter_documents(document_filter(["other0000000000"]))
    assert len(others) == (0 if prune else 3)


def test_new_chunks_carry_the_text_version() -> None:
    meta = {**SOURCE, "document_id": "x"}
    chunk = chunk_document(meta, index=0, count=1, text="t", pages=[1], tokens=1)

    assert chunk.meta["text_version"] == TEXT_VERSION
