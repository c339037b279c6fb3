"""Runtime uploads through the API: upload → queued → indexed → searchable and scopable; the
same bytes again embed nothing; delete removes chunks, file and record; folder documents are
read-only; a conversation scoped to a removed document says so; uploads survive a restart."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
from apps import volcano_client
from fakes import FakeStack, RecordingLLM
from fastapi.testclient import TestClient
from pdf_factory import make_pdf

from tunedd_api.components.pdf_text import document_id_for
from tunedd_api.state import AppState

GLACIER = ["Glaciers carve valleys from granite.", "Ice sheets retreat as summers warm."]


@pytest.fixture()
def backend() -> FakeStack:
    return FakeStack(RecordingLLM("Glaciers carve valleys [1]."))


@pytest.fixture()
def client(tmp_path: Path, backend: FakeStack) -> Iterator[TestClient]:
    with volcano_client(tmp_path, backend) as test_client:
        yield test_client


def state_of(client: TestClient) -> AppState:
    return client.app.state.tunedd


def upload(client: TestClient, *files: tuple[str, bytes]):
    return client.post("/documents", files=[("files", (n, b, "application/pdf")) for n, b in files])


def indexed(client: TestClient, *files: tuple[str, bytes]) -> list[dict]:
    """Upload and wait until the worker has nothing left to do."""
    response = upload(client, *files)
    assert response.status_code == 202, response.text
    assert state_of(client).intake.queue.wait_idle(60)
    return response.json()["documents"]


def search_ids(client: TestClient, query: str) -> set[str]:
    hits = client.post("/search", json={"query": query, "top_k": 10}).json()["results"]
    return {hit["document_id"] for hit in hits}


@pytest.fixture()
def glacier(tmp_path: Path) -> bytes:
    return make_pdf(tmp_path / "src" / "glacier.pdf", GLACIER, title="Glacier Notes").read_bytes()


def test_an_upload_is_indexed_in_the_background_and_becomes_searchable(
    client: TestClient, glacier: bytes, tmp_path: Path
) -> None:
    response = upload(client, ("glacier.pdf", glacier))

    assert response.status_code == 202
    [accepted] = response.json()["documents"]
    assert accepted["id"] == document_id_for(tmp_path / "src" / "glacier.pdf")
    assert accepted["status"] in {"queued", "indexing", "indexed"}
    assert accepted["duplicate"] is False
    assert state_of(client).intake.queue.wait_idle(60)
    status = client.get(f"/documents/{accepted['id']}").json()
    assert status["status"] == "indexed" and status["chunk_count"] >= 1
    assert status["source"] == "upload" and status["page_count"] == 2
    assert status["file_name"] == "glacier.pdf" and status["title"] == "Glacier Notes"
    assert accepted["id"] in search_ids(client, "glaciers carve granite valleys")
    listed = {d["id"]: d for d in client.get("/documents").json()["documents"]}
    assert listed[accepted["id"]]["source"] == "upload"
    assert {d["source"] for d in listed.values()} == {"folder", "upload"}
    scoped = client.post("/conversations", json={"document_ids": [accepted["id"]]})
    assert scoped.status_code == 201
    stored = list((tmp_path / "index" / "uploads" / accepted["id"]).iterdir())
    assert [p.name for p in stored] == ["glacier.pdf"]


def test_the_same_bytes_again_return_the_existing_id_and_embed_nothing(
    client: TestClient, backend: FakeStack, glacier: bytes
) -> None:
    [first] = indexed(client, ("glacier.pdf", glacier))
    embedded = backend.document_embedder.embedded

    [again, copy] = indexed(client, ("renamed.pdf", glacier), ("copy.pdf", glacier))

    assert again["id"] == copy["id"] == first["id"]
    assert (
        again["duplicate"] and again["status"] == "indexed" and again["file_name"] == "glacier.pdf"
    )
    assert backend.document_embedder.embedded == embedded


def test_a_data_folder_file_uploaded_again_is_recognised(client: TestClient, tmp_path) -> None:
    volcano = (tmp_path / "data" / "volcano.pdf").read_bytes()

    [accepted] = indexed(client, ("mine.pdf", volcano))

    assert accepted["duplicate"] and accepted["id"] == document_id_for(
        tmp_path / "data" / "volcano.pdf"
    )
    assert not (tmp_path / "index" / "uploads" / accepted["id"]).exists()


def test_delete_removes_chunks_file_and_record(
    client: TestClient, glacier: bytes, tmp_path
) -> None:
    [accepted] = indexed(client, ("glacier.pdf", glacier))
    doc_id = accepted["id"]

    response = client.delete(f"/documents/{doc_id}")

    assert response.status_code == 204
    missing = client.get(f"/documents/{doc_id}")
    assert missing.status_code == 404 and missing.json()["code"] == "document_not_found"
    assert doc_id not in search_ids(client, "glaciers carve granite valleys")
    assert doc_id not in {d["id"] for d in client.get("/documents").json()["documents"]}
    assert not (tmp_path / "index" / "uploads" / doc_id).exists()
    assert (
        state_of(client).backend.document_store.filter_documents(
            {"field": "meta.document_id", "operator": "==", "value": doc_id}
        )
        == []
    )
    assert client.delete(f"/documents/{doc_id}").status_code == 404
    # Deleted, then uploaded again: indexed anew.
    [back] = indexed(client, ("glacier.pdf", glacier))
    assert back["id"] == doc_id and not back["duplicate"]
    assert client.get(f"/documents/{doc_id}").json()["status"] == "indexed"


def test_data_folder_documents_are_read_only(client: TestClient) -> None:
    [volcano] = client.get("/documents").json()["documents"]

    response = client.delete(f"/documents/{volcano['id']}")

    assert response.status_code == 409 and response.json()["code"] == "read_only_document"
    assert client.get(f"/documents/{volcano['id']}").json()["status"] == "indexed"


@pytest.mark.parametrize("path", ["/documents/0123456789abcdef", "/documents/..%2F..%2Fetc"])
def test_unknown_documents_are_a_typed_404(client: TestClient, path: str) -> None:
    for response in (client.get(path), client.delete(path)):
        assert response.status_code == 404, response.text
        assert response.json()["code"] in {"document_not_found", "http_404"}


def test_a_conversation_scoped_to_a_removed_document_says_so(
    client: TestClient, glacier: bytes
) -> None:
    [accepted] = indexed(client, ("glacier.pdf", glacier))
    conversation = client.post("/conversations", json={"document_ids": [accepted["id"]]}).json()
    url = f"/conversations/{conversation['id']}/messages"
    assert client.post(url, json={"message": "What do glaciers carve?"}).status_code == 200
    client.delete(f"/documents/{accepted['id']}")

    for body in ({"message": "And ice sheets?"}, {"message": "And ice?", "stream": True}):
        refused = client.post(url, json=body)
        assert refused.status_code == 409, refused.text
        assert refused.json()["code"] == "documents_removed"
        assert refused.json()["document_ids"] == [accepted["id"]]
    assert len(client.get(f"/conversations/{conversation['id']}").json()["messages"]) == 2


def test_uploads_survive_a_restart_without_re_embedding(tmp_path: Path, glacier: bytes) -> None:
    index_path = tmp_path / "index" / "index.sqlite3"
    first = FakeStack(index_path=index_path)
    with volcano_client(tmp_path, first) as client:
        [accepted] = indexed(client, ("glacier.pdf", glacier))
    first.close()

    restarted = FakeStack(index_path=index_path)
    with volcano_client(tmp_path, restarted) as client:
        status = client.get(f"/documents/{accepted['id']}").json()
        assert status["status"] == "indexed" and status["source"] == "upload"
        assert accepted["id"] in search_ids(client, "glaciers carve granite valleys")
    assert restarted.document_embedder.calls == 0


def test_a_full_queue_is_a_503_with_retry_after(tmp_path: Path, glacier: bytes) -> None:
    other = make_pdf(tmp_path / "src" / "other.pdf", ["Deserts hold little rain."]).read_bytes()
    with volcano_client(tmp_path, FakeStack(), upload_queue_size=1) as client:
        state_of(client).intake.queue.stop()  # nothing drains the queue now
        assert upload(client, ("glacier.pdf", glacier)).status_code == 202
        queued = client.get("/documents").json()["documents"]
        assert {d["status"] for d in queued} == {"indexed", "queued"}

        refused = upload(client, ("other.pdf", other))

        assert refused.status_code == 503 and refused.json()["code"] == "upload_queue_full"
        assert int(refused.headers["Retry-After"]) >= 1
        assert len(list((tmp_path / "index" / "uploads").glob("*/*.pdf"))) == 1
