"""The API in its own process over a fake stack, serving on a socket the test already bound.

Usage: python server_process.py SOCKET_FD DATA_DIR INDEX_DIR
Questions containing "hang" stream one token and then never finish, so a test can kill the
process in the middle of an answer; other questions get a cited answer about the volcano PDF.
"""

from __future__ import annotations

import socket
import sys
import threading
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
    """Answers, except that it hangs after the first token when the question says "hang"."""

    @component.output_types(replies=list[ChatMessage])
    def run(self, messages: list[ChatMessage], streaming_callback=None, generation_kwargs=None):
        """Stream the answer (or its first token, then hang)."""
        question = messages[-1].text or ""
        if streaming_callback is not None:
            streaming_callback(StreamingChunk(content="Volcanoes "))
        if "hang" in question:
            threading.Event().wait()  # until the process is killed
        return {"replies": [ChatMessage.from_assistant(ANSWER)]}


def main() -> None:
    """Serve until killed."""
    fd, data_dir, index_dir = int(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    settings = Settings(
        _env_file=None,
        data_dir=data_dir,
        index_dir=index_dir,
        index_workers=1,
        min_relevance=0.1,
        followup_rewrite="off",
        records_db_url=f"sqlite:///{index_dir / 'records.db'}",
        log_level="WARNING",
    )
    stack = FakeStack(generator=HangingChatGenerator())
    app = create_app(settings, stack=stack)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", log_config=None))
    server.run(sockets=[socket.socket(fileno=fd)])


if __name__ == "__main__":
    main()
