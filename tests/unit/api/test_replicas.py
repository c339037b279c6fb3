"""Two API server processes on one PostgreSQL database, as `docker compose --scale api=2` runs
them: a conversation's turns sent to both never interleave, and an upload whose indexing
process is killed is indexed by the other once its lease expires."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path
from typing import Callable

import httpx
import pytest
from pdf_factory import make_pdf
from servers import server
from sqlalchemy import create_engine, text

VOLCANO = ["Volcanoes erupt molten basalt lava."]


def until(condition: Callable[[], bool], timeout_s: float = 60.0) -> None:
    """Wait (bounded) until ``condition()`` holds."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def log_lines(log: Path) -> list[list[str]]:
    return [line.split("\t") for line in log.read_text().splitlines()] if log.exists() else []


@pytest.fixture()
def database_url(postgres_server) -> str:
    return postgres_server.new_database()


@pytest.fixture()
def data_dir(tmp_path: Path) -> Path:
    make_pdf(tmp_path / "data" / "volcano.pdf", VOLCANO, title="Volcano")
    return tmp_path / "data"


def test_turns_sent_to_two_replicas_run_one_after_the_other(
    tmp_path: Path, data_dir: Path, database_url: str
) -> None:
    log, gate = tmp_path / "generator.log", tmp_path / "gate"
    shared = ["--database-url", database_url, "--log", str(log), "--gate", str(gate)]
    engine = create_engine(database_url)
    waiting = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"

    def waiters() -> int:
        with engine.connect() as connection:
            return connection.execute(text(waiting)).scalar_one()

    with (
        server(data_dir, tmp_path / "a", "--name", "A", *shared) as (a, _),
        server(data_dir, tmp_path / "b", "--name", "B", *shared) as (b, _),
    ):
        assert a.get("/readyz").status_code == 200 and b.get("/readyz").status_code == 200
        conversation_id = a.post("/conversations", json={}).json()["id"]
        url = f"/conversations/{conversation_id}/messages"
        q1, q2 = "What do volcanoes erupt? (slow)", "Which lava do volcanoes erupt?"
        replies: dict[str, httpx.Response] = {}

        def send(name: str, client: httpx.Client, question: str) -> None:
            replies[name] = client.post(url, json={"message": question})

        first = threading.Thread(target=send, args=("A", a, q1))
        first.start()
        until(lambda: [line[:2] for line in log_lines(log)] == [["A", "start"]])
        second = threading.Thread(target=send, args=("B", b, q2))
        second.start()
        until(lambda: waiters() == 1)  # B's turn waits for A's in the database
        assert [line[:2] for line in log_lines(log)] == [["A", "start"]]
        gate.touch()  # let A's answer finish
        first.join(60)
        second.join(60)
        stored = b.get(f"/conversations/{conversation_id}").json()["messages"]
    engine.dispose()

    assert replies["A"].status_code == 200 and replies["B"].status_code == 200
    events = log_lines(log)
    assert [line[:2] for line in events] == [
        ["A", "start"],
        ["A", "end"],
        ["B", "start"],
        ["B", "end"],
    ]
    assert q1 in events[2][3]  # B's turn started from a history holding A's stored turn
    assert [m["content"] for m in stored] == [
        q1,
        replies["A"].json()["answer"],
        q2,
        replies["B"].json()["answer"],
    ]


def test_an_upload_whose_replica_is_killed_mid_indexing_is_indexed_by_another(
    tmp_path: Path, data_dir: Path, database_url: str
) -> None:
    uploads = tmp_path / "uploads"  # shared, like compose's volume
    fast = ["--upload-lease", "1.0", "--upload-poll", "0.1"]
    shared = ["--database-url", database_url, "--upload-dir", str(uploads), *fast]
    pdf = make_pdf(tmp_path / "src" / "glacier.pdf", ["Glaciers hang over granite valleys."])
    engine = create_engine(database_url)

    def job() -> tuple[str, str | None, int] | None:
        query = "SELECT status, lease_owner, attempts FROM index_jobs"
        with engine.connect() as connection:
            row = connection.execute(text(query)).first()
        return tuple(row) if row is not None else None

    with server(data_dir, tmp_path / "a", "--hang-indexing", *shared) as (a, process):
        assert a.get("/readyz").status_code == 200
        files = [("files", ("glacier.pdf", pdf.read_bytes(), "application/pdf"))]
        accepted = a.post("/documents", files=files)
        assert accepted.status_code == 202, accepted.text
        document_id = accepted.json()["documents"][0]["id"]
        until(lambda: (tmp_path / "a" / "embedding").exists())  # A is embedding the upload
        status, owner, attempts = job()
        assert status == "indexing" and owner and attempts == 1
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL

    with server(data_dir, tmp_path / "b", *shared) as (b, _):
        assert b.get("/readyz").status_code == 200

        def indexed() -> bool:
            return b.get(f"/documents/{document_id}").json()["status"] == "indexed"

        until(indexed)  # once A's lease has expired, B claims the job again
        document = b.get(f"/documents/{document_id}").json()
        found = b.post("/search", json={"query": "glaciers granite valleys", "top_k": 5})
    final = job()
    engine.dispose()

    assert document["source"] == "upload" and document["chunk_count"] >= 1
    assert final[0] == "indexed" and final[1] is None and final[2] == 2  # a second attempt
    assert document_id in {hit["document_id"] for hit in found.json()["results"]}
