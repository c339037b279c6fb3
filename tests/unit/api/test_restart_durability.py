"""A server killed with SIGKILL in the middle of an answer keeps every acknowledged turn and
no partial one: a real server process, restarted over the same index directory."""

from __future__ import annotations

import socket
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import httpx
from pdf_factory import make_pdf

TESTS = Path(__file__).resolve().parents[2]


@contextmanager
def server(data_dir: Path, index_dir: Path) -> Iterator[tuple[httpx.Client, subprocess.Popen]]:
    """A server process on a socket bound here, so requests queue until it serves them."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    port = listener.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, str(TESTS / "server_process.py"), str(listener.fileno())]
        + [str(data_dir), str(index_dir)],
        pass_fds=[listener.fileno()],
        env={
            "PYTHONPATH": f"{TESTS}:{TESTS.parent}",
            "HAYSTACK_TELEMETRY_ENABLED": "False",
            "PATH": "",
        },
    )
    listener.close()
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            yield client, process
    finally:
        process.kill()
        process.wait()


def test_a_turn_killed_mid_answer_is_not_stored_and_acknowledged_ones_are(
    tmp_path: Path,
) -> None:
    data_dir, index_dir = tmp_path / "data", tmp_path / "index"
    make_pdf(data_dir / "volcano.pdf", ["Volcanoes erupt molten basalt lava."], title="Volcano")

    with server(data_dir, index_dir) as (client, process):
        assert client.get("/readyz").status_code == 200
        conversation_id = client.post("/conversations", json={}).json()["id"]
        url = f"/conversations/{conversation_id}/messages"
        acknowledged = client.post(url, json={"message": "What do volcanoes erupt?"})
        assert acknowledged.status_code == 200
        question = {"message": "And what do volcanoes erupt? (hang)", "stream": True}
        with client.stream("POST", url, json=question) as sse:
            events = []
            for line in sse.iter_lines():
                events.append(line)
                if line == "event: token":  # the answer is being generated: kill now
                    process.kill()
                    break
        assert events[-1] == "event: token", events
        process.wait()

    with server(data_dir, index_dir) as (client, _):
        stored = client.get(f"/conversations/{conversation_id}")
        listed = client.get("/conversations").json()["conversations"]

    assert stored.status_code == 200
    messages = stored.json()["messages"]
    assert [m["content"] for m in messages] == [
        "What do volcanoes erupt?",
        acknowledged.json()["answer"],
    ]
    assert messages[1]["citations"][0]["pages"] == [1]
    assert [(c["id"], c["title"], c["message_count"]) for c in listed] == [
        (conversation_id, "What do volcanoes erupt?", 2)
    ]
