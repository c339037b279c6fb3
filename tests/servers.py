"""Real API server processes (tests/server_process.py) for tests, each on a socket bound here
so that requests queue until it serves them."""

from __future__ import annotations

import socket
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import httpx

TESTS = Path(__file__).resolve().parent


@contextmanager
def server(
    data_dir: Path, index_dir: Path, *options: str
) -> Iterator[tuple[httpx.Client, subprocess.Popen]]:
    """A server process (killed on exit) and a client of it; ``options`` go to the script."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    port = listener.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, str(TESTS / "server_process.py"), str(listener.fileno())]
        + [str(data_dir), str(index_dir), *options],
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
