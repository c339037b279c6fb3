"""Bad uploads get a clear 4xx, or end `failed` with the reason, never a 5xx, and touch no other
document: size and file-count limits, type by content, broken PDFs, page cap, hostile names."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
from apps import volcano_client
from fakes import FakeStack
from fastapi.testclient import TestClient
from pdf_factory import (
    make_corrupt_pdf,
    make_encrypted_pdf,
    make_non_pdf,
    make_pdf,
    make_textless_pdf,
)

LIMIT = 4096


@pytest.fixture()
def client(tmp_path: Path) -> Iterator[TestClient]:
    with volcano_client(
        tmp_path, FakeStack(), max_upload_bytes=LIMIT, max_upload_files=2, max_upload_pages=3
    ) as test_client:
        yield test_client


def unchanged(client: TestClient, tmp_path: Path) -> None:
    """The folder document is still indexed and searchable; no upload was kept."""
    [volcano] = [d for d in client.get("/documents").json()["documents"] if d["source"] == "folder"]
    assert volcano["status"] == "indexed"
    hits = client.post("/search", json={"query": "basalt lava"}).json()["results"]
    assert hits and hits[0]["document_id"] == volcano["id"]
    assert list((tmp_path / "index" / "uploads").glob("*/*")) == []


def settle(client: TestClient, response) -> dict:
    assert response.status_code == 202, response.text
    assert client.app.state.tunedd.intake.queue.wait_idle(60)
    [accepted] = response.json()["documents"]
    return client.get(f"/documents/{accepted['id']}").json()


def small_pdf(tmp_path: Path) -> bytes:
    return make_pdf(tmp_path / "src" / "small.pdf", ["Deserts hold little rain."]).read_bytes()


@pytest.mark.parametrize(
    ("files", "status", "code"),
    [
        ([("files", ("a.pdf", b"%PDF-1.7\n" + b"x" * LIMIT, "application/pdf"))], 413, None),
        ([("files", ("notes.pdf", b"this is not a pdf\n", "application/pdf"))], 415, None),
        ([("files", ("empty.pdf", b"", "application/pdf"))], 415, None),
        (
            [("files", ("photo.pdf", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "application/pdf"))],
            415,
            None,
        ),
        (
            [("files", ("tool.docx", b"MZ\x90\x00" + b"\x00" * 64, "application/octet-stream"))],
            415,
            None,
        ),
        ([("note", (None, b"just a form field"))], 422, "invalid_input"),
    ],
    ids=["over-size", "text-named-pdf", "empty-file", "png-named-pdf", "exe-named-docx", "no-file"],
)
def test_refused_uploads_are_4xx_and_keep_nothing(client, tmp_path, files, status, code) -> None:
    response = client.post("/documents", files=files)

    assert response.status_code == status, response.text
    body = response.json()
    assert body["detail"] and body["code"] == (
        code or {413: "upload_too_large", 415: "unsupported_file_type"}[status]
    )
    unchanged(client, tmp_path)


def test_too_many_files_in_one_request_is_a_413(client: TestClient, tmp_path: Path) -> None:
    pdf = small_pdf(tmp_path)
    files = [("files", (f"{n}.pdf", pdf, "application/pdf")) for n in range(3)]

    response = client.post("/documents", files=files)

    assert response.status_code == 413 and "more than 2 files" in response.json()["detail"]
    unchanged(client, tmp_path)


def test_one_bad_file_refuses_the_whole_request(client: TestClient, tmp_path: Path) -> None:
    files = [
        ("files", ("good.pdf", small_pdf(tmp_path), "application/pdf")),
        ("files", ("bad.pdf", b"GIF89a not a pdf", "application/pdf")),
    ]
    response = client.post("/documents", files=files)

    assert response.status_code == 415 and "bad.pdf" in response.json()["detail"]
    unchanged(client, tmp_path)


@pytest.mark.parametrize(
    ("headers", "content", "status"),
    [
        ({"content-type": "application/json"}, b'{"files": []}', 415),
        ({"content-type": "multipart/form-data"}, b"--x\r\n\r\n", 422),  # no boundary
        ({"content-type": "multipart/form-data; boundary=x"}, b"garbage without parts", 422),
        (
            {"content-type": "multipart/form-data; boundary=x"},
            b"--x\r\nContent-Type: a\r\n\r\n",
            422,
        ),
        (
            {"content-type": "multipart/form-data; boundary=x"},
            b'--x\r\nContent-Disposition: form-data; name="files"; filename="a.pdf"\r\n\r\n%PDF-',
            422,  # the body ends before the closing boundary
        ),
        ({"content-type": "multipart/form-data; boundary=x"}, b"x" * (LIMIT * 3), 422),
    ],
    ids=["json", "no-boundary", "no-parts", "no-disposition", "truncated", "preamble-only"],
)
def test_malformed_upload_requests_are_4xx(client, tmp_path, headers, content, status) -> None:
    response = client.post("/documents", content=content, headers=headers)

    assert response.status_code == status, response.text
    assert response.json()["detail"] and response.json()["code"]
    unchanged(client, tmp_path)


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda p: make_encrypted_pdf(p, ["Secret basalt."]), "encrypted"),
        (make_corrupt_pdf, "corrupt"),
        (lambda p: make_textless_pdf(p, 2), "no extractable text"),
        (lambda p: make_pdf(p, ["one", "two", "three", "four"]), "4 pages; uploads are limited"),
    ],
    ids=["encrypted", "corrupt", "image-only", "over-page-cap"],
)
def test_unreadable_pdfs_end_failed_with_the_reason(client, tmp_path, make, reason) -> None:
    pdf = make(tmp_path / "src" / "bad.pdf").read_bytes()
    assert len(pdf) <= LIMIT

    status = settle(client, client.post("/documents", files=[("files", ("bad.pdf", pdf))]))

    assert status["status"] == "failed" and reason in status["error"], status
    [volcano] = [d for d in client.get("/documents").json()["documents"] if d["source"] == "folder"]
    assert volcano["status"] == "indexed"
    assert client.delete(f"/documents/{status['id']}").status_code == 204


def test_a_pdf_under_any_name_is_taken_by_its_content(client: TestClient, tmp_path) -> None:
    status = settle(
        client, client.post("/documents", files=[("files", ("x.txt", small_pdf(tmp_path)))])
    )

    assert status["status"] == "indexed" and status["file_name"] == "x.txt.pdf"


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\windows\\evil.pdf", "evil.pdf"),
        ("\u202egnp.pdf", "gnp.pdf"),  # right-to-left override
        ("re\u0000port\u0007.pdf", "report.pdf"),  # sent raw (clients escape these)
        ("ｆｕｌｌ　ｗｉｄｔｈ.pdf", "full width.pdf"),  # NFKC
        ("..", "upload.pdf"),
        ("Ünïcødé 論文.pdf", "Ünïcødé 論文.pdf"),
    ],
)
def test_hostile_file_names_are_neutralised(client, tmp_path, given: str, kept: str) -> None:
    pdf = make_pdf(tmp_path / "src" / "n.pdf", [f"Names are cleaned {len(given)}."]).read_bytes()

    boundary = b"tunedd-test-boundary"
    body = (
        b"--"
        + boundary
        + b'\r\nContent-Disposition: form-data; name="files"; filename="'
        + given.encode("utf-8")
        + b'"\r\nContent-Type: application/pdf\r\n\r\n'
        + pdf
        + b"\r\n--"
        + boundary
        + b"--\r\n"
    )
    headers = {"content-type": "multipart/form-data; boundary=" + boundary.decode()}

    status = settle(client, client.post("/documents", content=body, headers=headers))

    assert status["file_name"] == kept and status["status"] == "indexed"
    stored = list((tmp_path / "index" / "uploads").glob("*/*"))
    assert [p.name for p in stored] == [kept] and stored[0].parent.name == status["id"]
    assert not (tmp_path / "etc").exists() and not (tmp_path / "windows").exists()
    client.delete(f"/documents/{status['id']}")


def test_a_non_pdf_named_pdf_from_the_factory_is_refused(client, tmp_path) -> None:
    fake = make_non_pdf(tmp_path / "src" / "fake.pdf").read_bytes()

    response = client.post("/documents", files=[("files", ("fake.pdf", fake))])

    assert response.status_code == 415
    unchanged(client, tmp_path)
