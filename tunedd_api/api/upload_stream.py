"""Streams the files of an upload request to disk, stopping at the first byte over a limit.

Nothing is held in memory beyond one chunk and a file's first bytes (for type detection); a
file over ``max_bytes`` or a request with more than ``max_files`` files is refused the moment
that is known, and everything received so far is deleted.
"""

from __future__ import annotations

import asyncio
from typing import AsyncIterator, BinaryIO

from tunedd_api.api.multipart import PartData, PartEnd, PartStart, boundary_of, read_parts
from tunedd_api.errors import InvalidInputError, UploadTooLargeError
from tunedd_api.indexing.intake import ReceivedFile
from tunedd_api.indexing.uploads import UploadStore

#: Bytes of each file kept for content-type detection.
HEAD_BYTES = 4096


async def receive_files(
    content_type: str,
    stream: AsyncIterator[bytes],
    uploads: UploadStore,
    *,
    max_bytes: int,
    max_files: int,
) -> list[ReceivedFile]:
    """The request's files, each streamed to its own incoming file (form fields are ignored)."""
    boundary = boundary_of(content_type)
    received: list[ReceivedFile] = []
    current: ReceivedFile | None = None
    handle: BinaryIO | None = None
    try:
        async for event in read_parts(stream, boundary):
            if isinstance(event, PartStart):
                if event.file_name is None:
                    continue
                if len(received) >= max_files:
                    raise UploadTooLargeError(f"more than {max_files} files in one request")
                path = await asyncio.to_thread(uploads.incoming)
                current = ReceivedFile(name=event.file_name, path=path)
                received.append(current)
                handle = await asyncio.to_thread(path.open, "wb")
            elif isinstance(event, PartData) and current is not None and handle is not None:
                current.size += len(event.data)
                if current.size > max_bytes:
                    raise UploadTooLargeError(
                        f"{current.name!r} is over the upload limit of {max_bytes} bytes"
                    )
                if len(current.head) < HEAD_BYTES:
                    current.head += event.data[: HEAD_BYTES - len(current.head)]
                await asyncio.to_thread(handle.write, event.data)
            elif isinstance(event, PartEnd) and handle is not None:
                await asyncio.to_thread(handle.close)
                current, handle = None, None
    except BaseException:
        if handle is not None:
            await asyncio.to_thread(handle.close)
        for done in received:
            await asyncio.to_thread(done.path.unlink, True)
        raise
    if not received:
        raise InvalidInputError("no files in the request; send them as multipart file fields")
    return received
