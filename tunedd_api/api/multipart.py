"""A streaming ``multipart/form-data`` reader: parts come out as they arrive, in chunks.

Own code because FastAPI's form parsing needs the ``python-multipart`` package (not a
dependency) and spools every file completely before the route sees it; uploads must stop at
the first byte over the limit instead. Only what browsers, curl and HTTP clients send is
supported: a boundary from the Content-Type, CRLF line ends, ``Content-Disposition`` with a
``name`` and an optional ``filename``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import AsyncIterator

from tunedd_api.errors import InvalidInputError

_MAX_HEADER_BYTES = 16 * 1024
_BOUNDARY = re.compile(r'boundary="?([^";]{1,200})"?', re.IGNORECASE)
_PARAM = re.compile(r';\s*([a-z*]+)="((?:[^"\\]|\\.)*)"|;\s*([a-z*]+)=([^;\s]+)', re.IGNORECASE)


@dataclass(frozen=True)
class PartStart:
    """A part begins: its form field name and, for a file, the client's file name."""

    name: str
    file_name: str | None


@dataclass(frozen=True)
class PartData:
    """Bytes of the current part's body."""

    data: bytes


@dataclass(frozen=True)
class PartEnd:
    """The current part is complete."""


def boundary_of(content_type: str) -> bytes:
    """The boundary of a ``multipart/form-data`` Content-Type; raises InvalidInputError."""
    media_type = content_type.split(";")[0].strip().lower()
    found = _BOUNDARY.search(content_type)
    if media_type != "multipart/form-data" or found is None:
        raise InvalidInputError("send the files as multipart/form-data (curl -F files=@a.pdf)")
    return found.group(1).encode("latin-1")


def _disposition(headers: bytes) -> PartStart:
    name, file_name = None, None
    for line in headers.decode("utf-8", errors="replace").split("\r\n"):
        key, _, value = line.partition(":")
        if key.strip().lower() != "content-disposition":
            continue
        for quoted_key, quoted, bare_key, bare in _PARAM.findall(value):
            key_name, key_value = (quoted_key, quoted) if quoted_key else (bare_key, bare)
            if key_name.lower() == "name":
                name = key_value
            elif key_name.lower() == "filename":
                file_name = key_value.replace('\\"', '"')
    if name is None:
        raise InvalidInputError("a multipart part has no Content-Disposition name")
    return PartStart(name=name, file_name=file_name)


async def read_parts(
    stream: AsyncIterator[bytes], boundary: bytes
) -> AsyncIterator[PartStart | PartData | PartEnd]:
    """The parts of a multipart body as events; raises InvalidInputError if it is malformed.

    Memory stays bounded by the size of the chunks the server hands over (plus the delimiter):
    body bytes are passed on as soon as they cannot be the start of a delimiter.
    """
    delimiter = b"\r\n--" + boundary
    buffer = b"\r\n"  # the first delimiter has no CRLF before it
    state = "preamble"
    async for chunk in stream:
        buffer += chunk
        while True:
            if state in ("preamble", "body"):
                at = buffer.find(delimiter)
                if at < 0:
                    keep = len(delimiter) - 1
                    if state == "body" and len(buffer) > keep:
                        yield PartData(buffer[:-keep])
                        buffer = buffer[-keep:]
                    elif state == "preamble" and len(buffer) > _MAX_HEADER_BYTES:
                        raise InvalidInputError("no multipart boundary found in the body")
                    break
                if state == "body":
                    if at:
                        yield PartData(buffer[:at])
                    yield PartEnd()
                buffer = buffer[at + len(delimiter) :]
                state = "after_delimiter"
            if state == "after_delimiter":
                if len(buffer) < 2:
                    break
                if buffer.startswith(b"--"):
                    return
                if not buffer.startswith(b"\r\n"):
                    raise InvalidInputError("malformed multipart delimiter")
                buffer = buffer[2:]
                state = "headers"
            if state == "headers":
                end = buffer.find(b"\r\n\r\n")
                if end < 0:
                    if len(buffer) > _MAX_HEADER_BYTES:
                        raise InvalidInputError("multipart part headers are too long")
                    break
                yield _disposition(buffer[:end])
                buffer = buffer[end + 4 :]
                state = "body"
    raise InvalidInputError("the multipart body ended before its closing boundary")
