"""Helpers of the browser tests: the app served by uvicorn on loopback, Chromium's flags, the
fake LLM's answers. Fixtures live in conftest.py."""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import pytest
import uvicorn
from haystack.dataclasses import ChatMessage

from tunedd_api.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("TUNEDD_ARTIFACTS", "test-artifacts"))
#: Without the background-networking flags Chromium keeps calling home on a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
#: Uploads over this many bytes get 413 (small, so a test can send one over it cheaply).
MAX_UPLOAD_BYTES = 1_000_000

skip_without_chromium = pytest.mark.skipif(
    not CHROMIUM.exists() and os.environ.get("TUNEDD_REQUIRE_BROWSER") != "1",
    reason="needs Debian's chromium at /usr/bin/chromium (installed by .ci/run)",
)


def quote_first_source(messages: list[ChatMessage]) -> str:
    """Answers with the first sentence of source [1], so the citation check keeps it."""
    prompt = messages[-1].text or ""
    body = prompt.split("[1]", 1)[1].split("\n", 1)[1]  # skip the "title, page" line
    sentence = re.split(r"(?<=[.!?])\s", body.strip(), maxsplit=1)[0]
    return f"{sentence.rstrip('.')} [1]."


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Run ``app`` (any ASGI app) with uvicorn on a free loopback port; yields its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.1)  # uvicorn has no start event to wait on
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def page_settings(data_dir: Path, index_dir: Path) -> Settings:
    return Settings(
        _env_file=None,
        data_dir=data_dir,
        index_dir=index_dir,
        min_relevance=0.05,
        log_format="text",
        max_upload_bytes=MAX_UPLOAD_BYTES,
    )


def sideways_overflow(page: Any) -> int:
    """How far the page scrolls sideways (> 0 is a layout bug at phone width)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
