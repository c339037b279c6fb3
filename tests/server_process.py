"""The API in its own process over a fake stack, serving on a socket the test already bound.

Usage: python server_process.py SOCKET_FD DATA_DIR INDEX_DIR [options]

Questions containing "hang" stream one token and then never finish, so a test can kill the
process in the middle of an answer; other questions get a cited answer about the volcano PDF.
Options for tests running several replicas on one database:

--database-url URL  the application database (default: SQLite in INDEX_DIR)
--upload-dir DIR    where uploads are kept (replicas share it, like compose's volume)
--name NAME         this replica's name in the log
--log FILE          the generator appends "NAME<TAB>start|end<TAB>QUESTION<TAB>PROMPT" lines
--gate FILE         questions containing "slow" wait (after their first token) for FILE
--hang-indexing     embedding an upload whose text says "hang" creates INDEX_DIR/embedding
                    and never returns, so a test can kill the process mid-indexing
--upload-lease S, --upload-poll S   short leases and polls for tests
"""

from __future__ import annotations

import argparse
import os
import socket
import threading
import time
from pathlib import Path

import uvicorn
from fakes import FakeStack
from haystack import component
from haystack.dataclasses import ChatMessage, StreamingChunk

from tunedd_api.main import create_app
from tunedd_api.settings import Settings

ANSWER = "Volcanoes erupt molten basalt lava [1]."


@component
class HangingChatGenerator:
    """Answers, except that it hangs after the first token when the question says "hang"
    (and waits for the gate file when it says "slow")."""

    def __init__(self, name: str = "", log: Path | None = None, gate: Path | None = None):
        self.name, self.log, self.gate = name, log, gate

    @component.output_types(replies=list[ChatMessage])
    def run(self, messages: list[ChatMessage], streaming_callback=None, generation_kwargs=None):
        """Stream the answer (or its first token, then hang)."""
        question = messages[-1].text or ""
        history = " | ".join((m.text or "") for m in messages)  # the whole prompt
        self._log("start", question, history)
        if streaming_callback is not None:
            streaming_callback(StreamingChunk(content="Volcanoes "))
        if "hang" in question:
            threading.Event().wait()  # until the process is killed
        if "slow" in question and self.gate is not None:
            deadline = time.monotonic() + 120
            while not self.gate.exists() and time.monotonic() < deadline:
                time.sleep(0.01)
        self._log("end", question, "")
        return {"replies": [ChatMessage.from_assistant(ANSWER)]}

    def _log(self, event: str, question: str, history: str) -> None:
        if self.log is not None:
            fields = (self.name, event, question, history)
            line = "\t".join(" ".join(field.split()) for field in fields)
            descriptor = os.open(self.log, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
            os.write(descriptor, (line + "\n").encode())
            os.close(descriptor)


def hang_on_uploads(stack: FakeStack, marker: Path) -> None:
    """Make embedding a document that says "hang" never return (after creating ``marker``)."""
    embed = stack.document_embedder.run

    def run(documents):
        if any("hang" in (d.content or "") for d in documents):
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.touch()
            threading.Event().wait()
        return embed(documents=documents)

    stack.document_embedder.run = run


def main() -> None:
    """Serve until killed."""
    parser = argparse.ArgumentParser()
    parser.add_argument("fd", type=int)
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("index_dir", type=Path)
    parser.add_argument("--database-url")
    parser.add_argument("--upload-dir", type=Path)
    parser.add_argument("--name", default="")
    parser.add_argument("--log", type=Path)
    parser.add_argument("--gate", type=Path)
    parser.add_argument("--hang-indexing", action="store_true")
    parser.add_argument("--upload-lease", type=float, default=60.0)
    parser.add_argument("--upload-poll", type=float, default=2.0)
    args = parser.parse_args()
    settings = Settings(
        _env_file=None,
        data_dir=args.data_dir,
        index_dir=args.index_dir,
        index_workers=1,
        min_relevance=0.1,
        followup_rewrite="off",
        records_db_url=f"sqlite:///{args.index_dir / 'records.db'}",
        database_url=args.database_url,
        upload_dir=args.upload_dir,
        upload_lease_s=args.upload_lease,
        upload_poll_s=args.upload_poll,
        log_level="WARNING",
    )
    stack = FakeStack(generator=HangingChatGenerator(args.name, args.log, args.gate))
    if args.hang_indexing:
        hang_on_uploads(stack, args.index_dir / "embedding")
    app = create_app(settings, stack=stack)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", log_config=None))
    server.run(sockets=[socket.socket(fileno=args.fd)])


if __name__ == "__main__":
    main()
