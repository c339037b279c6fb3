"""Keeps the lease on the upload being indexed, and publishes its progress, from a thread.

A conversion or an embedding batch can outlast the lease, so renewal cannot wait for progress
callbacks: a keeper thread renews every ``min(lease / 3, 1 s)`` and writes the latest progress
with it, so every API process sees it (at most a second late). If the lease is lost (the job
was deleted, or the lease expired and another process took the job), ``lost`` is set.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from tunedd_api.indexing.jobs import IndexJobs

logger = logging.getLogger(__name__)


class LeaseKeeper:
    """Renews one job's lease until stopped (use as a context manager)."""

    def __init__(self, jobs: IndexJobs, document_id: str, owner: str, lease_s: float) -> None:
        self._jobs = jobs
        self._document_id = document_id
        self._owner = owner
        self._lease_s = lease_s
        self._progress: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="upload-lease", daemon=True)
        self.lost = False

    def publish(self, **progress: Any) -> None:
        """Progress columns to write with the next renewal."""
        with self._lock:
            self._progress.update(progress)

    def progress(self) -> dict[str, Any]:
        """The latest progress published (not necessarily written yet)."""
        with self._lock:
            return dict(self._progress)

    def __enter__(self) -> "LeaseKeeper":
        self._thread.start()
        return self

    def __exit__(self, *_exc: Any) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        interval = min(self._lease_s / 3, 1.0)
        while not self._stop.wait(interval):
            try:
                held = self._jobs.renew(
                    self._document_id, self._owner, self._lease_s, **self.progress()
                )
            except Exception:  # the database may be back before the lease expires
                logger.warning("Renewing the lease on upload %s failed", self._document_id)
                continue
            if not held:
                self.lost = True
                logger.warning("Lost the lease on upload %s", self._document_id)
                return
