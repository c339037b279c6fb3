"""Validates rows against :class:`TextRecord` and stores them in batches (bounded memory)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from tunedd_api.records.metrics import RECORDS_INGESTED
from tunedd_api.records.model import TextRecord
from tunedd_api.records.readers import read_rows
from tunedd_api.records.store import RecordStore

BATCH = 1000


@dataclass
class IngestReport:
    """What one ingest did."""

    read: int = 0
    inserted: int = 0
    duplicates: int = 0
    rejected: int = 0


def ingest_file(path: Path, store: RecordStore, *, batch_size: int = BATCH) -> IngestReport:
    """Read, validate and store ``path``; re-running it inserts nothing twice."""
    report = IngestReport()
    valid: list[TextRecord] = []
    rejected: list[dict] = []
    source = path.name

    def flush() -> None:
        inserted = store.add_records(valid, source)
        report.inserted += inserted
        report.duplicates += len(valid) - inserted
        store.add_rejected(rejected)
        valid.clear()
        rejected.clear()

    for row in read_rows(path):
        report.read += 1
        reason = row.fields.get("_error")
        if reason is None:
            try:
                valid.append(TextRecord.model_validate(row.fields))
            except ValidationError as error:
                first = error.errors()[0]
                reason = f"{'.'.join(map(str, first['loc'])) or 'row'}: {first['msg']}"
        if reason is not None:
            report.rejected += 1
            raw = json.dumps(row.fields, ensure_ascii=False, default=str)[:2000]
            rejected.append({"source": source, "line": row.line, "reason": reason, "raw": raw})
        if len(valid) + len(rejected) >= batch_size:
            flush()
    flush()
    RECORDS_INGESTED.labels(outcome="inserted").inc(report.inserted)
    RECORDS_INGESTED.labels(outcome="duplicate").inc(report.duplicates)
    RECORDS_INGESTED.labels(outcome="rejected").inc(report.rejected)
    return report
