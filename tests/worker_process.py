"""A worker in its own process, with a slow fake scorer that logs every call.

Usage: python worker_process.py DB_URL OWNER LOG_FILE SECONDS_PER_RECORD LEASE_S BATCH [GO_FILE]
With GO_FILE, the worker waits (ready) until that file exists, so racing workers start together.
Each scoring call appends "OWNER<TAB>TEXT" to LOG_FILE before returning, so a test can see
what a worker started even if it is killed right after.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from tunedd_api.records.scoring import Scored
from tunedd_api.records.store import RecordStore
from tunedd_api.records.worker import Worker


def main() -> None:
    """Run one worker until the queue is empty; print its report."""
    url, owner, log_path, pause, lease, batch = sys.argv[1:7]
    go_file = sys.argv[7] if len(sys.argv) > 7 else None
    log = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)

    def scorer(text: str) -> Scored:
        os.write(log, f"{owner}\t{text}\n".encode())
        time.sleep(float(pause))
        return Scored(score=0.5, categories=("other",))

    worker = Worker(
        store=RecordStore(url),
        scorer=scorer,
        model_name="fake",
        prompt_version="test",
        batch=int(batch),
        lease_s=float(lease),
        owner=owner,
    )
    if go_file:
        Path(go_file + f".{owner}.ready").touch()
        while not os.path.exists(go_file):
            time.sleep(0.01)
    print(json.dumps(worker.run().as_dict()), flush=True)


if __name__ == "__main__":
    main()
