"""PDF parsing in a child interpreter of its own, for the converter's prefetch.

A plain ``python -m tunedd_api.components.pdf_process`` child rather than a multiprocessing
one: it imports only pypdf and :mod:`pdf_text` (~0.5 s), where a spawned multiprocessing child
re-imports the parent's main module (the whole server: seconds). Being a process, it parses
beside the encoder without competing for the parent's GIL (a thread slowed the encoder and
the splitter by more than it saved), and a file that crashes pypdf fails alone.

Protocol: pickled ``(path, document_id)`` requests on stdin, pickled
:class:`~tunedd_api.components.pdf_text.Converted` results on stdout, in order.
"""

from __future__ import annotations

import logging
import os
import pickle
import subprocess
import sys
import threading
from collections import deque
from concurrent.futures import Future

from tunedd_api.components.pdf_text import Converted, convert

logger = logging.getLogger(__name__)


class ParserProcess:
    """One child process that parses the PDFs it is sent, in order."""

    def __init__(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", __name__], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        self._pending: deque[tuple[Future, str, str]] = deque()
        self._lock = threading.Lock()
        self._ended = False
        self._reader = threading.Thread(target=self._read, name="pdf-parser", daemon=True)
        self._reader.start()

    def submit(self, path: str, document_id: str) -> Future:
        """Queue a file; the future gets its :class:`Converted`."""
        future: Future = Future()
        with self._lock:
            if self._ended:
                future.set_result(_stopped(path, document_id))
                return future
            self._pending.append((future, path, document_id))
            try:
                pickle.dump((path, document_id), self._process.stdin)
                self._process.stdin.flush()
            except (BrokenPipeError, ValueError, OSError):
                pass  # the reader fails every pending future
        return future

    def close(self) -> None:
        """Let the child finish and exit (it stops at the end of its input)."""
        try:
            self._process.stdin.close()
        except OSError:
            pass
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()

    def _read(self) -> None:
        while True:
            try:
                result = pickle.load(self._process.stdout)
            except (EOFError, OSError, pickle.UnpicklingError):
                break
            with self._lock:
                future, _, _ = self._pending.popleft()
            future.set_result(result)
        with self._lock:
            self._ended = True
            for future, path, document_id in self._pending:
                logger.warning("PDF parser process ended before %s", path)
                future.set_result(_stopped(path, document_id))
            self._pending.clear()


def _stopped(path: str, document_id: str) -> Converted:
    return Converted(path, document_id, error="the PDF parser stopped on this file")


def main() -> None:
    """The child: answer each request until stdin closes."""
    # Lowest priority: it runs on the time the encoder leaves idle instead of slowing it.
    os.nice(19)
    requests, results = sys.stdin.buffer, sys.stdout.buffer
    while True:
        try:
            path, document_id = pickle.load(requests)
        except EOFError:
            return
        pickle.dump(convert(path, document_id), results)
        results.flush()


if __name__ == "__main__":
    main()
