"""The streaming multipart reader: the same parts whatever the chunking, clear errors on
malformed bodies, and uploads cut off at the first chunk over the limit (rest never read)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import AsyncIterator

import pytest

from tunedd_api.api.multipart import PartData, PartEnd, PartStart, boundary_of, read_parts
from tunedd_api.api.upload_stream import receive_files
from tunedd_api.errors import InvalidInputError, UploadTooLargeError
from tunedd_api.indexing.uploads import UploadStore

BOUNDARY = b"----b0undary"
BODY = (
    b"--" + BOUNDARY + b'\r\nContent-Disposition: form-data; name="note"\r\n\r\nhello\r\n'
    b"--" + BOUNDARY + b'\r\nContent-Disposition: form-data; name="files"; '
    b'filename="a \\"b\\".pdf"\r\nContent-Type: application/pdf\r\n\r\n'
    b"%PDF-1.7\r\n--not-the-boundary\r\n\r\nbody" + b"\r\n--" + BOUNDARY + b"--\r\n"
)


async def chunks(data: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def parse(data: bytes, size: int) -> list:
    async def collect() -> list:
        return [event async for event in read_parts(chunks(data, size), BOUNDARY)]

    events = asyncio.run(collect())
    merged: list = []
    for event in events:  # join data events: chunking decides how they are split
        if isinstance(event, PartData) and merged and isinstance(merged[-1], PartData):
            merged[-1] = PartData(merged[-1].data + event.data)
        else:
            merged.append(event)
    return merged


@pytest.mark.parametrize("size", [1, 2, 3, 7, 16, 64, 10_000])
def test_parts_are_the_same_whatever_the_chunking(size: int) -> None:
    assert parse(BODY, size) == [
        PartStart("note", None),
        PartData(b"hello"),
        PartEnd(),
        PartStart("files", 'a "b".pdf'),
        PartData(b"%PDF-1.7\r\n--not-the-boundary\r\n\r\nbody"),
        PartEnd(),
    ]


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "multipart/form-data", "multipart/mixed; boundary=x", ""],
)
def test_a_content_type_without_a_form_boundary_is_refused(content_type: str) -> None:
    with pytest.raises(InvalidInputError):
        boundary_of(content_type)


def test_the_boundary_is_read_quoted_or_bare() -> None:
    assert boundary_of('multipart/form-data; boundary="a b"') == b"a b"
    assert boundary_of("Multipart/Form-Data;boundary=xyz") == b"xyz"


@pytest.mark.parametrize(
    "body",
    [
        b"",
        BODY[: len(BODY) // 2],
        b"--" + BOUNDARY + b"X\r\n",
        b"--" + BOUNDARY + b"\r\n" + b"h" * 20_000,
    ],
    ids=["empty", "truncated", "bad-delimiter", "endless-headers"],
)
def test_malformed_bodies_raise_invalid_input(body: bytes) -> None:
    with pytest.raises(InvalidInputError):
        parse(body, 5)


def test_an_upload_over_the_limit_stops_being_read(tmp_path: Path) -> None:
    head = b"--" + BOUNDARY + b'\r\nContent-Disposition: form-data; name="f"; filename="a.pdf"'
    read: list[int] = []

    async def endless() -> AsyncIterator[bytes]:
        yield head + b"\r\n\r\n"
        for n in range(1000):  # 64 MB if it were all read
            read.append(n)
            yield b"%PDF-" + b"x" * 65_531

    store = UploadStore(tmp_path / "uploads")
    content_type = "multipart/form-data; boundary=" + BOUNDARY.decode()
    with pytest.raises(UploadTooLargeError):
        asyncio.run(receive_files(content_type, endless(), store, max_bytes=100_000, max_files=1))

    assert len(read) <= 3
    assert list((tmp_path / "uploads" / ".incoming").iterdir()) == []
