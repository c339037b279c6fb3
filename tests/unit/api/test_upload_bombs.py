"""Decompression bombs end `failed` with the reason, in bounded memory and time, and touch
no other document: a PDF whose stream inflates past pypdf's limit, and a Word archive that
declares more than the converter unpacks."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Iterator

import pytest
from apps import volcano_client
from fakes import FakeStack
from fastapi.testclient import TestClient

#: Over pypdf's 75 MB cap on one inflated stream; about 80 KB compressed.
PDF_INFLATED_BYTES = 80_000_000


def flate_bomb_pdf(inflated: int) -> bytes:
    """A one-page PDF whose content stream inflates to ``inflated`` bytes."""
    stream = zlib.compress(b"BT /F1 12 Tf (Deserts hold rain.) Tj ET " + b" " * inflated, 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )


def lying_docx(declared: int) -> bytes:
    """A small Word-like archive whose directory claims ``declared`` unpacked bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    data = bytearray(buffer.getvalue())
    start = data.find(b"PK\x01\x02")
    while start != -1:  # central directory entries: uncompressed size at offset 24
        struct.pack_into("<I", data, start + 24, declared)
        start = data.find(b"PK\x01\x02", start + 4)
    return bytes(data)


@pytest.fixture()
def client(tmp_path: Path) -> Iterator[TestClient]:
    with volcano_client(tmp_path, FakeStack()) as test_client:
        yield test_client


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("bomb.pdf", lambda: flate_bomb_pdf(PDF_INFLATED_BYTES), "Limit reached"),
        ("bomb.docx", lambda: lying_docx(300 * 1024 * 1024), "decompression bomb"),
    ],
    ids=["pdf-flate-bomb", "docx-declared-bomb"],
)
def test_decompression_bombs_end_failed(client: TestClient, name, content, reason) -> None:
    response = client.post("/documents", files=[("files", (name, content()))])
    assert response.status_code == 202, response.text
    assert client.app.state.tunedd.intake.queue.wait_idle(60)
    [accepted] = response.json()["documents"]

    status = client.get(f"/documents/{accepted['id']}").json()

    assert status["status"] == "failed" and reason in status["error"], status
    [volcano] = [d for d in client.get("/documents").json()["documents"] if d["source"] == "folder"]
    assert volcano["status"] == "indexed"
