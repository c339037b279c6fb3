"""Which document format a file is, told by its content (minimal stub: PDF only).

The formats work (Markdown, text, HTML, DOCX) replaces this module; only the signature of
:func:`detect_format` is relied upon by uploads.
"""

from __future__ import annotations

PDF_MAGIC = b"%PDF-"


def detect_format(head: bytes, file_name: str) -> str | None:
    """The format of a file from its first bytes (``head``), e.g. ``"pdf"``; ``None`` when
    it is not a supported format.

    The content decides, not the name: a ``.pdf`` name on text is ``None`` and a PDF named
    ``notes.txt`` is ``"pdf"``. ``file_name`` may break ties between text formats.
    """
    if head.startswith(PDF_MAGIC):
        return "pdf"
    return None
