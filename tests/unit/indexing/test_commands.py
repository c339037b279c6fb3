"""`tunedd documents add/list/remove` against the app (the test client is an httpx client)."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import pytest
from apps import volcano_client
from fakes import FakeStack
from pdf_factory import make_pdf

from tunedd_api.cli import main
from tunedd_api.indexing.commands import (
    ServerError,
    add_documents,
    list_documents,
    remove_document,
    render_upload_progress,
)

GLACIER = ["Glaciers carve valleys from granite.", "Ice sheets retreat as summers warm."]


def test_add_follows_indexing_then_list_and_remove(tmp_path: Path) -> None:
    glacier = make_pdf(tmp_path / "src" / "glacier.pdf", GLACIER)
    progress = io.StringIO()
    with volcano_client(tmp_path, FakeStack()) as client:
        queue = client.app.state.tunedd.intake.queue

        [added] = add_documents(
            client, [glacier], progress=progress, pause=lambda: queue.wait_idle(60)
        )

        assert added["status"] == "indexed" and added["source"] == "upload"
        assert (
            progress.getvalue()
            .splitlines()[-1]
            .startswith(f"[{'#' * 30}] 1/1 files, {added['chunk_count']} chunks")
        )
        assert {d["file_name"] for d in list_documents(client)} == {"volcano.pdf", "glacier.pdf"}
        remove_document(client, added["id"])
        assert [d["file_name"] for d in list_documents(client)] == ["volcano.pdf"]
        with pytest.raises(ServerError, match="HTTP 404"):
            remove_document(client, added["id"])
        folder_id = list_documents(client)[0]["id"]
        with pytest.raises(ServerError, match="HTTP 409: .*read-only"):
            remove_document(client, folder_id)


def test_the_progress_line_counts_files_and_chunks() -> None:
    out = io.StringIO()
    documents = [
        {"status": "indexed", "chunk_count": 4, "file_name": "a.pdf"},
        {
            "status": "indexing",
            "chunk_count": 0,
            "file_name": "b.pdf",
            "progress": {"chunks_done": 3},
        },
    ]

    render_upload_progress(documents, out, width=10)

    assert out.getvalue() == "[#####.....] 1/2 files, 7 chunks  b.pdf\n"


def test_the_command_sends_the_api_key_and_reports_server_errors(capsys, monkeypatch) -> None:
    seen: list[httpx.Request] = []

    def server(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(404, json={"detail": "document abc not found", "code": "x"})

    original = httpx.Client.__init__

    def with_transport(self, *args, **kwargs):
        original(self, *args, transport=httpx.MockTransport(server), **kwargs)

    monkeypatch.setattr(httpx.Client, "__init__", with_transport)
    code = main(["documents", "remove", "abc", "--url", "http://tunedd:9", "--api-key", "k1"])

    assert code == 1
    assert seen[0].headers["authorization"] == "Bearer k1"
    assert str(seen[0].url) == "http://tunedd:9/documents/abc" and seen[0].method == "DELETE"
    assert "HTTP 404: document abc not found" in capsys.readouterr().err
