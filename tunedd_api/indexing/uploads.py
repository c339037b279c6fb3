"""Uploaded files on disk: one folder per document id, holding the file under a clean name.

``<uploads>/<document_id>/<clean name>``: the id (the content hash) decides where a file goes,
so no client-given name reaches a path; the clean name is what citations show. Files arrive in
``<uploads>/.incoming/`` while they stream in and are renamed into place once accepted, so a
crash leaves no half-written upload where the indexer looks. They stay until deleted, and the
startup synchronisation indexes them together with the data folder.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import unicodedata
from pathlib import Path

from tunedd_api.components.pdf_text import DOCUMENT_ID_LENGTH
from tunedd_api.formats import SUPPORTED_EXTENSIONS

logger = logging.getLogger(__name__)

INCOMING = ".incoming"
_DOCUMENT_ID = re.compile(rf"^[0-9a-f]{{{DOCUMENT_ID_LENGTH}}}$")
_UNSAFE = re.compile(r"[^\w.\-+,() ]")
_MAX_NAME_BYTES = 150
#: The extension given to a name without one of its format's (the format's name otherwise).
_DEFAULT_EXTENSION = {"markdown": "md", "text": "txt"}
#: Markdown and plain text are told apart by content, so either's extension fits both.
_PLAIN = {"markdown", "text"}


def is_document_id(value: str) -> bool:
    """Whether ``value`` has the shape of a document id (safe to use as a folder name)."""
    return bool(_DOCUMENT_ID.match(value))


def clean_file_name(name: str, extension: str) -> str:
    """A display name safe on any file system: the last path part of ``name``, NFKC-normalised,
    without control, format (bidi override, zero-width) or other unsafe characters, at most
    150 UTF-8 bytes, ending in an extension of the format ``extension`` (a format name such as
    ``pdf`` or ``markdown``): the name's own when it fits (``notes.md``, ``page.htm``), else
    the format's (``notes`` → ``notes.md``); ``upload.<ext>`` when nothing is left."""
    name = unicodedata.normalize("NFKC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C"))
    name = re.sub(r"\s+", " ", _UNSAFE.sub("_", name)).strip(" ._")
    stem, dot, suffix = name.rpartition(".")
    suffix = suffix.lower()
    if not dot or not _fits(suffix, extension):
        stem, suffix = name, _DEFAULT_EXTENSION.get(extension, extension)
    while len(stem.encode("utf-8")) > _MAX_NAME_BYTES:
        stem = stem[:-1]
    stem = stem.strip(" ._") or "upload"
    return f"{stem}.{suffix}"


def _fits(suffix: str, file_format: str) -> bool:
    named = SUPPORTED_EXTENSIONS.get(f".{suffix}")
    return suffix == file_format or named == file_format or {named, file_format} <= _PLAIN


def stored_uploads(folder: Path) -> list[Path]:
    """The kept uploaded files (one per document folder), sorted by document id."""
    if not folder.is_dir():
        return []
    files: list[Path] = []
    for document_dir in sorted(folder.iterdir()):
        if document_dir.is_dir() and is_document_id(document_dir.name):
            files += [path for path in document_dir.iterdir() if path.is_file()][:1]
    return files


class UploadStore:
    """The folder of uploaded files (blocking file-system calls: run them off the event loop)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def prepare(self) -> None:
        """Create the folder and drop files a crash left half-received."""
        shutil.rmtree(self.folder / INCOMING, ignore_errors=True)
        (self.folder / INCOMING).mkdir(parents=True, exist_ok=True)

    def incoming(self) -> Path:
        """A new empty file to stream an upload into."""
        (self.folder / INCOMING).mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=self.folder / INCOMING, suffix=".part")
        Path(name).chmod(0o600)
        os.close(handle)
        return Path(name)

    def path(self, document_id: str) -> Path | None:
        """The kept file of ``document_id``, if it is an upload."""
        if not is_document_id(document_id):
            return None
        folder = self.folder / document_id
        found = [p for p in folder.iterdir() if p.is_file()] if folder.is_dir() else []
        return found[0] if found else None

    def keep(self, received: Path, document_id: str, file_name: str) -> Path:
        """Move a received file into place as ``<document_id>/<file_name>`` and return it."""
        folder = self.folder / document_id
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / file_name
        received.replace(target)
        return target

    def remove(self, document_id: str) -> bool:
        """Delete the kept file of ``document_id``; whether there was one."""
        if not is_document_id(document_id) or not (self.folder / document_id).is_dir():
            return False
        shutil.rmtree(self.folder / document_id)
        logger.info("Removed uploaded document %s", document_id)
        return True
