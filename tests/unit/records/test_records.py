"""Records ingest: strict validation with reasons, the common file layouts, idempotence."""

from __future__ import annotations

import json
from datetime import timezone
from pathlib import Path

import pytest
from pydantic import ValidationError

from tunedd_api.records.ingest import ingest_file
from tunedd_api.records.model import TextRecord, parse_timestamp
from tunedd_api.records.readers import read_rows
from tunedd_api.records.queries import RecordFilter, list_records
from tunedd_api.records.store import RecordStore

SENTIMENT140 = (
    '"0","1467810369","Mon Apr 06 22:19:45 PDT 2009","NO_QUERY","_TheSpecialOne_","is upset"\n'
    '"4","1467822272","Mon Apr 06 22:22:45 PDT 2009","NO_QUERY","ersle","loving the sun"\n'
    '"4","not an id!","Mon Apr 06 22:22:45 PDT 2009","NO_QUERY","ersle","bad id"\n'
    '"4","1467822273","yesterday","NO_QUERY","ersle","bad time"\n'
)


@pytest.fixture()
def store(db_url: str) -> RecordStore:
    store = RecordStore(db_url)
    yield store
    store.close()


def test_timestamps_need_a_timezone_and_become_utc() -> None:
    record = TextRecord(id="1", author_id="a", created_at="2009-04-06T22:19:45-07:00", text="x")
    assert record.created_at.tzinfo == timezone.utc and record.created_at.hour == 5
    assert parse_timestamp("Mon Apr 06 22:19:45 PDT 2009").utcoffset().total_seconds() == -7 * 3600
    with pytest.raises(ValidationError, match="timezone"):
        TextRecord(id="1", author_id="a", created_at="2009-04-06T22:19:45", text="x")


def test_sentiment140_layout_is_read_and_bad_rows_are_kept_with_reasons(tmp_path, store) -> None:
    path = tmp_path / "training.csv"
    path.write_text(SENTIMENT140, encoding="latin-1")

    report = ingest_file(path, store)

    assert (report.read, report.inserted, report.rejected) == (4, 2, 2)
    reasons = {row["line"]: row["reason"] for row in store.rejected()}
    assert reasons[3].startswith("id:") and reasons[4].startswith("created_at:")
    labels = {row["id"]: row["label"] for row in list_records(store, RecordFilter())}
    assert labels == {"1467810369": "negative", "1467822272": "positive"}  # targets 0 and 4
    raw = json.loads(store.rejected()[0]["raw"])
    assert raw["text"] == "bad id"  # the raw row is kept for inspection


def test_reingesting_the_same_file_inserts_nothing_twice(tmp_path, store) -> None:
    path = tmp_path / "training.csv"
    path.write_text(SENTIMENT140, encoding="latin-1")
    ingest_file(path, store)

    again = ingest_file(path, store)

    assert (again.inserted, again.duplicates) == (0, 2)
    assert store.count() == 2 and len(store.rejected()) == 2


def test_csv_with_header_jsonl_and_json_array(tmp_path, store) -> None:
    rows = [
        {"tweet_id": "10", "user_id": "u1", "timestamp": "2024-01-01T10:00:00Z", "text": "hi"},
        {"tweet_id": "11", "user_id": "u2", "timestamp": "2024-01-01T11:00:00Z", "text": "yo"},
    ]
    (tmp_path / "a.csv").write_text(
        "tweet_id,user_id,timestamp,text\n"
        + "".join(f"{r['tweet_id']},{r['user_id']},{r['timestamp']},{r['text']}\n" for r in rows)
    )
    jsonl = [{**r, "tweet_id": str(int(r["tweet_id"]) + 10)} for r in rows]
    (tmp_path / "b.jsonl").write_text("\n".join(json.dumps(r) for r in jsonl) + "\nnot json\n")
    array = [{**r, "tweet_id": str(int(r["tweet_id"]) + 20)} for r in rows]
    (tmp_path / "c.json").write_text(json.dumps(array, indent=2))

    reports = [ingest_file(tmp_path / name, store) for name in ("a.csv", "b.jsonl", "c.json")]

    assert [r.inserted for r in reports] == [2, 2, 2]
    assert reports[1].rejected == 1 and "invalid JSON" in store.rejected()[0]["reason"]
    assert store.count() == 6


def test_json_arrays_are_decoded_incrementally(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    row = {"id": "1", "author_id": "a", "created_at": "2024-01-01T00:00:00Z", "text": "x" * 500}
    path.write_text("[" + ",".join(json.dumps({**row, "id": str(i)}) for i in range(400)) + "]")

    rows = read_rows(path)
    first = next(rows)  # a generator: the first row arrives before the file is consumed

    assert first.fields["id"] == "0"
    assert sum(1 for _ in rows) == 399


def test_migrations_build_exactly_the_schema_the_code_uses(store: RecordStore) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from tunedd_api.records import migrate
    from tunedd_api.records.schema import metadata

    assert migrate.current_revision(store.engine) == migrate.head_revision()
    with store.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), metadata) == []
    migrate.upgrade(store.engine)  # idempotent
    assert migrate.current_revision(store.engine) == migrate.head_revision()


def test_new_records_are_queued_in_the_same_transaction(store: RecordStore) -> None:
    from sqlalchemy import select

    from tunedd_api.records.schema import jobs

    now = "2024-01-01T00:00:00Z"
    store.add_records([TextRecord(id="a1", author_id="u", created_at=now, text="hi")], "s")
    with store.engine.connect() as connection:
        queued = connection.execute(select(jobs.c.record_id, jobs.c.status)).all()
    assert [tuple(row) for row in queued] == [("a1", "pending")]


def test_an_unreachable_database_is_a_clear_backend_error() -> None:
    from tunedd_api.errors import BackendUnavailableError

    with pytest.raises(BackendUnavailableError, match="records database unavailable"):
        RecordStore("postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=2")
