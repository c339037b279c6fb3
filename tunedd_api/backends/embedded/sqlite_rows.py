"""How the embedded store lays chunks out in SQLite, and which filters SQL can narrow.

One row per chunk: the document as Haystack serialises it (JSON, without the vector), the
vector as float32 bytes, and its BM25 statistics (term ids, counts, length) so that opening the
store re-tokenises nothing. ``document_id`` and ``chunk_index`` are copied into indexed columns:
they are what tunedd filters on (a conversation's scope, the commit markers).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from haystack import Document

from tunedd_api.backends.embedded.bm25_index import TermStats

FORMAT_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS chunks (
    id TEXT PRIMARY KEY,
    document_id TEXT,
    chunk_index INTEGER,
    data TEXT NOT NULL,
    embedding BLOB,
    terms BLOB,
    counts BLOB,
    length INTEGER
);
CREATE INDEX IF NOT EXISTS chunks_document_id ON chunks (document_id);
CREATE INDEX IF NOT EXISTS chunks_chunk_index ON chunks (chunk_index);
CREATE TABLE IF NOT EXISTS terms (id INTEGER PRIMARY KEY, term TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS store_info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

#: Metadata fields with their own indexed column, and the Python type a value must have there.
INDEXED_FIELDS: dict[str, type] = {"document_id": str, "chunk_index": int}


@dataclass(frozen=True)
class ChunkRow:
    """A document ready to insert, with what the in-memory index needs of it."""

    document: Document
    vector: np.ndarray | None
    stats: TermStats | None

    def values(self) -> tuple[Any, ...]:
        # Without the vector: Document.to_dict copies it float by float (10x slower).
        record = replace(self.document, embedding=None).to_dict(flatten=False)
        record.pop("embedding", None)
        stats = self.stats
        return (
            self.document.id,
            indexed_value(self.document.meta, "document_id"),
            indexed_value(self.document.meta, "chunk_index"),
            json.dumps(record),
            None if self.vector is None else self.vector.tobytes(),
            None if stats is None else stats.terms.tobytes(),
            None if stats is None else stats.counts.tobytes(),
            None if stats is None else stats.length,
        )


INSERT = "INSERT INTO chunks VALUES (?, ?, ?, ?, ?, ?, ?, ?)"


def indexed_value(meta: dict[str, Any], field: str) -> Any:
    """The column value of an indexed field (NULL unless it has the column's type)."""
    value = meta.get(field)
    wanted = INDEXED_FIELDS[field]
    return value if type(value) is wanted else None


def stats_of(terms: bytes | None, counts: bytes | None, length: int | None) -> TermStats | None:
    """BM25 statistics from their stored bytes."""
    if terms is None or counts is None or length is None:
        return None
    return TermStats(
        np.frombuffer(terms, dtype=np.int32), np.frombuffer(counts, dtype=np.float32), length
    )


def vector_of(blob: bytes | None) -> np.ndarray | None:
    """A stored vector (read-only view of the bytes)."""
    return None if blob is None else np.frombuffer(blob, dtype=np.float32)


def document_of(
    data: str, embedding: bytes | None, *, with_embedding: bool, score: float | None = None
) -> Document:
    """The stored document, with its vector if asked (float32, as stored) and ``score``."""
    record = json.loads(data)
    if score is not None:
        record["score"] = score
    if with_embedding and embedding is not None:
        record["embedding"] = np.frombuffer(embedding, dtype=np.float32).tolist()
    return Document.from_dict(record)


def narrowing(filters: dict[str, Any]) -> tuple[dict[str, list[Any]], bool]:
    """What the indexed columns can narrow a filter to, and whether that is the whole filter.

    Only top-level ``==`` / ``in`` conditions on indexed fields (alone or under ``AND``) with
    values of the column's type narrow; everything else is checked on the documents by
    Haystack's own ``document_matches_filter``.
    """
    if filters.get("operator") == "NOT":
        return {}, False
    if "field" in filters:
        conditions = [filters]
    elif filters.get("operator") == "AND" and isinstance(filters.get("conditions"), list):
        conditions = filters["conditions"]
    else:
        return {}, False
    allowed: dict[str, list[Any]] = {}
    complete = True
    for condition in conditions:
        values = _indexed_values(condition)
        if values is None:
            complete = False
            continue
        field = condition["field"].removeprefix("meta.")
        previous = allowed.get(field)
        allowed[field] = values if previous is None else [v for v in previous if v in values]
    return allowed, complete


def _indexed_values(condition: dict[str, Any]) -> list[Any] | None:
    field = condition.get("field")
    if not isinstance(field, str) or not field.startswith("meta."):
        return None
    wanted = INDEXED_FIELDS.get(field.removeprefix("meta."))
    operator, value = condition.get("operator"), condition.get("value")
    if wanted is None or operator not in ("==", "in"):
        return None
    values = [value] if operator == "==" else value
    if not isinstance(values, list) or any(type(v) is not wanted for v in values):
        return None
    return values


def exclusion(filters: dict[str, Any]) -> tuple[str, list[Any]] | None:
    """``NOT`` of one ``==`` / ``in`` on an indexed field (e.g. "every document but these"),
    as the column and the excluded values."""
    conditions = filters.get("conditions")
    if filters.get("operator") != "NOT" or not isinstance(conditions, list):
        return None
    if len(conditions) != 1 or (values := _indexed_values(conditions[0])) is None:
        return None
    return conditions[0]["field"].removeprefix("meta."), values


def where_clause(filters: dict[str, Any] | None) -> tuple[str, list[Any], bool]:
    """SQL narrowing ``filters`` (``""``: none), its parameters, and whether it is exact."""
    if not filters:
        return "", [], True
    excluded = exclusion(filters)
    if excluded is not None:
        field, values = excluded
        marks = ", ".join("?" * len(values))
        return f" WHERE {field} IS NULL OR {field} NOT IN ({marks})", values, False
    allowed, complete = narrowing(filters)
    parts, params = [], []
    for field, values in allowed.items():
        parts.append(f"{field} IN ({', '.join('?' * len(values))})" if values else "0")
        params.extend(values)
    return (" WHERE " + " AND ".join(parts)) if parts else "", params, complete
