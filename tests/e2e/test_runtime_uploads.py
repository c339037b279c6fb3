"""Runtime upload end to end on the real embedded stack (ONNX MiniLM, SQLite store, SmolLM2):
a generated PDF is uploaded, indexed in the background, found by /search, then deleted and
gone from /search; the data-folder document is untouched throughout."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pdf_factory import make_pdf

from tunedd_api.main import create_app
from tunedd_api.settings import Settings

pytestmark = pytest.mark.e2e

QUERY = "How many hives does the harbour lighthouse keep on its gallery?"


def test_upload_search_delete_on_the_embedded_stack(tmp_path: Path) -> None:
    make_pdf(
        tmp_path / "data" / "volcano.pdf",
        ["Volcanoes erupt molten basalt lava.", "Magma chambers feed volcano vents."],
        title="Volcano Notes",
    )
    upload = make_pdf(
        tmp_path / "src" / "lighthouse.pdf",
        [
            "The harbour lighthouse keeps seven beehives on its gallery.",
            "Keepers inspect the lighthouse hives every second week in spring.",
        ],
        title="Lighthouse Bees",
    )
    settings = Settings(
        _env_file=None,
        data_dir=tmp_path / "data",
        index_dir=tmp_path / "index",
        local_chat_model="smollm2-135m",
        local_context_tokens=2048,
        max_answer_tokens=32,
    )
    with TestClient(create_app(settings)) as client:
        with upload.open("rb") as handle:
            response = client.post("/documents", files={"files": ("lighthouse.pdf", handle)})
        assert response.status_code == 202, response.text
        [accepted] = response.json()["documents"]
        assert client.app.state.tunedd.intake.queue.wait_idle(300)

        status = client.get(f"/documents/{accepted['id']}").json()
        assert status["status"] == "indexed" and status["page_count"] == 2, status
        hits = client.post("/search", json={"query": QUERY, "top_k": 3}).json()["results"]
        assert hits[0]["document_id"] == accepted["id"] and hits[0]["file_name"] == "lighthouse.pdf"

        assert client.delete(f"/documents/{accepted['id']}").status_code == 204

        hits = client.post("/search", json={"query": QUERY, "top_k": 10}).json()["results"]
        assert hits and accepted["id"] not in {hit["document_id"] for hit in hits}
        documents = client.get("/documents").json()["documents"]
        assert [(d["file_name"], d["status"]) for d in documents] == [("volcano.pdf", "indexed")]
