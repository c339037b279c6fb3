"""Which kind of document a file is, judged by its bytes rather than its name.

:func:`detect_format` looks at the first bytes of a file (an upload's head, before the rest is
read); :func:`detect_file_format` looks at a stored file and confirms what the head can only
suggest (a zip archive is a Word document only if it holds ``word/document.xml``). The name
decides only between kinds the content allows: a text file named ``.md`` is Markdown, one named
``.txt`` is plain text, and one with another name is Markdown when it is structured like it. A
PDF renamed ``.txt`` is still a PDF; a PNG renamed ``.pdf`` is nothing we read (``None``), and
neither is text named ``.pdf`` or ``.docx`` (a broken file, not a text document).
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path, PurePath

#: Bytes of a file's head that :func:`detect_format` needs to decide.
HEAD_BYTES = 8192

#: Extensions the data-folder scan picks up, and the format each one names.
SUPPORTED_EXTENSIONS: dict[str, str] = {
    ".pdf": "pdf",
    ".docx": "docx",
    ".html": "html",
    ".htm": "html",
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".text": "text",
}
FORMATS = ("pdf", "docx", "html", "markdown", "text")

_PDF_MAGIC = b"%PDF-"
_ZIP_MAGIC = b"PK\x03\x04"
_DOCX_PART = "word/document.xml"
_BOM = "\ufeff"
_HTML_START = re.compile(
    r"^(?:<\?xml[^>]*>\s*|<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b", re.I | re.S
)
_MD_HEADING = re.compile(r"^#{1,6}[ \t]+\S", re.M)
_MD_SIGNAL = re.compile(
    r"^(?:#{1,6}[ \t]+\S|```|~~~|[-*+][ \t]+\S|\d+[.)][ \t]+\S|>[ \t]?\S|[=-]{3,}[ \t]*$)"
    r"|\[[^\]\n]+\]\([^)\s]+\)",
    re.M,
)
#: Control characters (other than tab, newlines and form feed) allowed per 1,000 characters.
_MAX_CONTROLS_PER_MILLE = 5


def detect_format(head: bytes, file_name: str) -> str | None:
    """The format of a file from its first bytes: pdf, docx, html, markdown, text, or None.

    :param head: The file's first bytes (:data:`HEAD_BYTES` are enough; fewer for tiny files).
    :param file_name: Its name, used only to tell Markdown from plain text and to accept a
        ``.docx`` zip whose head does not show its parts.
    :returns: The format, or ``None`` for anything else (images, archives, executables,
        binary data, text that is not UTF-8).
    """
    suffix = PurePath(file_name).suffix.lower()
    if head.startswith(_PDF_MAGIC):
        return "pdf"
    if head.startswith(_ZIP_MAGIC):
        return "docx" if _DOCX_PART.encode() in head or suffix == ".docx" else None
    named = SUPPORTED_EXTENSIONS.get(suffix)
    text = _utf8_text(head)
    if text is None or not text.strip() or named in ("pdf", "docx"):
        return None  # binary, empty, or text posing as a PDF or Word file (a broken one)
    if _HTML_START.match(text.lstrip()):
        return "html"
    if named in ("markdown", "text"):
        return named
    if named == "html" and text.lstrip().startswith("<"):
        return "html"
    return "markdown" if _looks_like_markdown(text) else "text"


def detect_file_format(path: Path) -> str | None:
    """The format of a stored file, its zip directory checked for a Word document's parts.

    :param path: The file.
    :returns: As :func:`detect_format`; a zip is ``docx`` only when it holds
        ``word/document.xml``.
    """
    path = Path(path)
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    if not head.startswith(_ZIP_MAGIC):
        return detect_format(head, path.name)
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    return "docx" if _DOCX_PART in names else None


def _utf8_text(head: bytes) -> str | None:
    """The head as text when it is UTF-8 without binary control bytes, else None."""
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as error:
        # The head may end inside a multi-byte character; anything earlier is not UTF-8.
        if error.start < len(head) - 3 or error.reason != "unexpected end of data":
            return None
        text = head[: error.start].decode("utf-8")
    text = text.removeprefix(_BOM)
    if "\x00" in text:
        return None
    controls = sum(1 for c in text if ord(c) < 32 and c not in "\t\n\r\f\x0b")
    if controls * 1000 > _MAX_CONTROLS_PER_MILLE * max(len(text), 1):
        return None
    return text


def _looks_like_markdown(text: str) -> bool:
    """At least one heading and one more Markdown construct (list, fence, link, quote)."""
    return bool(_MD_HEADING.search(text)) and len(_MD_SIGNAL.findall(text)) >= 2
