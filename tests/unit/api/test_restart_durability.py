"""A server killed with SIGKILL in the middle of an answer keeps every acknowledged turn and
no partial one: a real server process, restarted over the same index directory."""

from __future__ import annotations

from pathlib import Path

from pdf_factory import make_pdf
from servers import server


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
