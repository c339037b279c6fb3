"""Streams raw rows from CSV (with a header, or the headerless Sentiment140 layout), JSON lines
and JSON arrays, one at a time, so files of millions of rows are read in bounded memory."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

#: Column names seen in public tweet dumps, mapped to the record's fields.
_ALIASES = {
    "id": "id",
    "tweet_id": "id",
    "ids": "id",
    "id_str": "id",
    "author_id": "author_id",
    "user_id": "author_id",
    "user": "author_id",
    "username": "author_id",
    "created_at": "created_at",
    "timestamp": "created_at",
    "date": "created_at",
    "text": "text",
    "tweet": "text",
    "content": "text",
    "label": "label",
    "target": "label",
    "sentiment": "label",
}
#: Sentiment140: target, id, date, flag, user, text (no header, Latin-1).
_SENTIMENT140 = ["label", "id", "created_at", "flag", "author_id", "text"]
_CHUNK = 1 << 16


@dataclass(frozen=True)
class RawRow:
    """A row before validation, with where it came from."""

    line: int
    fields: dict[str, Any]


def read_rows(path: Path) -> Iterator[RawRow]:
    """Rows of ``path`` by its extension (.csv, .jsonl/.ndjson, .json)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        yield from _csv_rows(path)
    elif suffix in (".jsonl", ".ndjson"):
        yield from _jsonl_rows(path)
    elif suffix == ".json":
        yield from _json_array_rows(path)
    else:
        raise ValueError(f"unsupported file type {suffix!r}: use .csv, .jsonl or .json")


def _normalise(row: dict[str, Any]) -> dict[str, Any]:
    return {_ALIASES.get(str(k).strip().lower(), str(k)): v for k, v in row.items()}


def _csv_rows(path: Path) -> Iterator[RawRow]:
    with path.open("rb") as probe:
        head = probe.read(4096).decode("latin-1")
    first = next(csv.reader([head.splitlines()[0] if head else ""]), [])
    has_header = any(cell.strip().lower() in _ALIASES for cell in first)
    encoding = "utf-8" if has_header else "latin-1"  # Sentiment140 ships as Latin-1
    with path.open(encoding=encoding, errors="replace", newline="") as handle:
        if has_header:
            for line, row in enumerate(csv.DictReader(handle), start=2):
                yield RawRow(line, _normalise(row))
        else:
            for line, cells in enumerate(csv.reader(handle), start=1):
                yield RawRow(line, dict(zip(_SENTIMENT140, cells)))


def _jsonl_rows(path: Path) -> Iterator[RawRow]:
    with path.open(encoding="utf-8", errors="replace") as handle:
        for line, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                value = json.loads(text)
            except json.JSONDecodeError as error:
                yield RawRow(line, {"_error": f"invalid JSON: {error.msg}"})
                continue
            yield RawRow(
                line, _normalise(value) if isinstance(value, dict) else {"_error": "not an object"}
            )


def _json_array_rows(path: Path) -> Iterator[RawRow]:
    """Objects of a top-level JSON array, decoded incrementally (never the whole file)."""
    decoder = json.JSONDecoder()
    with path.open(encoding="utf-8", errors="replace") as handle:
        buffer, position, index, started = "", 0, 0, False
        while True:
            chunk = handle.read(_CHUNK)
            buffer = buffer[position:] + chunk
            position = 0
            while True:
                while position < len(buffer) and buffer[position] in " \t\r\n,":
                    position += 1
                if not started and position < len(buffer):
                    if buffer[position] != "[":
                        raise ValueError("a .json file must hold an array of objects")
                    started, position = True, position + 1
                    continue
                if position < len(buffer) and buffer[position] == "]":
                    return
                try:
                    value, end = decoder.raw_decode(buffer, position)
                except json.JSONDecodeError:
                    break  # need more text
                index += 1
                position = end
                yield RawRow(
                    index,
                    _normalise(value) if isinstance(value, dict) else {"_error": "not an object"},
                )
            if not chunk:
                if buffer[position:].strip():
                    yield RawRow(index + 1, {"_error": "truncated JSON at the end of the file"})
                return
