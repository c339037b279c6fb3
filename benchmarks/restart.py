"""Restart with 10,000 stored conversations: startup time and memory, one process per start.

Usage: python -m benchmarks.restart [--conversations 10000] [--messages 6] [--runs 3]
       [--out docs/results/restart.json]

Seeds a SQLite application database with ``--conversations`` conversations of ``--messages``
messages each (questions and answers with five citations, as the store writes them), then
starts fresh Python processes, alternating, over it and over an empty (migrated) database:

* ``store``: ``open_database`` + ``conversation_store`` (migrations check), the first page of
  ``GET /conversations`` (``page(limit=20)``) and ``count()``, nothing else imported;
* ``app``: ``create_app`` on the embedded stack (the real ONNX embedder and SQLite document
  store; an instant chat model instead of the GGUF, so no LLM is loaded) over an empty data
  folder, started with ``TestClient`` (lifespan: runtime, conversation store, startup
  indexing), then ``GET /healthz`` and ``GET /conversations``;
* ``app`` with ``RAG_CONVERSATION_STORE=memory``: the same without any conversation database,
  to isolate the database's share.

Each child reports seconds since it was spawned (interpreter start included; ``imported_s``
once the modules it uses are imported) and its VmRSS / VmHWM. One warm-up start per folder
first (it joins the embedder files into the index folder), so every timed start is a restart
with the files in the page cache.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

VARIANTS = (("store", "sql"), ("app", "sql"), ("app", "memory"))


def child(kind: str, store_kind: str, index_dir: Path, spawned: float) -> dict[str, Any]:
    """One start in this (fresh) process; times are seconds since the parent spawned it."""
    from benchmarks.state_support import embedded_stack, rss_mib
    from tunedd_api.settings import Settings
    from tunedd_api.state import conversation_store, open_database

    if kind == "app":
        from fastapi.testclient import TestClient

        from tunedd_api.main import create_app
    marks: dict[str, float] = {"imported_s": time.time() - spawned}
    settings = Settings(
        _env_file=None,
        data_dir=index_dir / "data",
        index_dir=index_dir,
        conversation_store=store_kind,
        log_level="WARNING",
    )
    if kind == "store":
        store = conversation_store(settings, open_database(settings))
        marks["store_open_s"] = time.time() - spawned
        listed = len(store.page(limit=20).conversations)
        marks["first_page_s"] = time.time() - spawned
        held = store.count()
        marks["counted_s"] = time.time() - spawned
        marks.update(rss_mib())
    else:
        app = create_app(settings, stack=embedded_stack(settings))
        with TestClient(app) as client:
            marks["started_s"] = time.time() - spawned
            client.get("/healthz").raise_for_status()
            marks["healthz_s"] = time.time() - spawned
            response = client.get("/conversations")
            response.raise_for_status()
            marks["first_page_s"] = time.time() - spawned
            listed = len(response.json()["conversations"])
            held = app.state.tunedd.conversations.count()
            marks.update(rss_mib())
    return {**{k: round(v, 3) for k, v in marks.items()}, "listed": listed, "held": held}


def seed(index_dir: Path, conversations: int, messages: int) -> float:
    """Write ``conversations`` × ``messages`` rows in bulk into a migrated database."""
    from benchmarks.state_support import turn
    from tunedd_api.storage.migrate import open_app_database
    from tunedd_api.storage.schema import conversations as table
    from tunedd_api.storage.schema import messages as message_table
    from tunedd_api.turns import utc_now

    started = time.perf_counter()
    engine = open_app_database(f"sqlite:///{index_dir / 'tunedd.db'}")
    rng, now = random.Random(10_000), utc_now()
    with engine.begin() as connection:
        for n in range(conversations):
            conversation_id = str(uuid.uuid4())
            created = now - timedelta(seconds=conversations - n)
            rows = [m for _ in range(messages // 2) for m in turn(rng)]
            connection.execute(
                table.insert().values(
                    id=conversation_id,
                    title=rows[0].content[:80],
                    created_at=created,
                    last_active_at=now,
                    message_count=len(rows),
                )
            )
            connection.execute(
                message_table.insert(),
                [
                    {
                        "conversation_id": conversation_id,
                        "seq": seq,
                        "id": str(m.id),
                        "role": m.role,
                        "content": m.content,
                        "created_at": created,
                        "citations": [asdict(c) for c in m.citations],
                        "retrieval_query": m.retrieval_query,
                        "groundedness": m.groundedness,
                    }
                    for seq, m in enumerate(rows)
                ],
            )
    engine.dispose()
    return time.perf_counter() - started


def spawn(kind: str, store_kind: str, index_dir: Path) -> dict[str, Any]:
    """Run one start in a new interpreter and return its report."""
    command = [sys.executable, "-m", "benchmarks.restart", "--child", kind, store_kind]
    command += [str(index_dir), repr(time.time())]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def summarise(reports: list[dict[str, Any]]) -> dict[str, Any]:
    """Every run, and the median of each timed or measured field."""
    fields = [k for k, v in reports[0].items() if isinstance(v, float)]
    return {
        "runs": reports,
        "median": {k: statistics.median(r[k] for r in reports) for k in fields},
    }


def main() -> None:
    """Seed, start repeatedly, and write the results."""
    from benchmarks.state_support import load, machine

    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        kind, store_kind, index_dir, spawned = sys.argv[2:6]
        print(json.dumps(child(kind, store_kind, Path(index_dir), float(spawned))))
        return
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=6)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("docs/results/restart.json"))
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="tunedd-restart-"))
    folders = {"empty": base / "empty", "full": base / "full"}
    result: dict[str, Any] = {"machine": machine(), "load_start": load()}
    for folder in folders.values():
        (folder / "data").mkdir(parents=True)
    seed(folders["empty"], 0, args.messages)
    seconds = seed(folders["full"], args.conversations, args.messages)
    result["seed"] = {
        "conversations": args.conversations,
        "messages_each": args.messages,
        "seconds": round(seconds, 1),
        "db_mib": round((folders["full"] / "tunedd.db").stat().st_size / 2**20, 1),
    }
    for folder in folders.values():
        spawn("app", "sql", folder)  # warm-up: joins the embedder files, creates the index
    runs: dict[str, list[dict[str, Any]]] = {}
    for run in range(args.runs):
        for kind, store_kind in VARIANTS:
            for name, folder in folders.items():
                if store_kind == "memory" and name == "full":
                    continue
                label = f"{kind}/{store_kind}/{name}" if store_kind == "sql" else f"{kind}/memory"
                runs.setdefault(label, []).append(spawn(kind, store_kind, folder))
                logger.info("%s run %d: %s", label, run + 1, runs[label][-1])
    result["starts"] = {label: summarise(reports) for label, reports in runs.items()}
    result["load_end"] = load()
    shutil.rmtree(base, ignore_errors=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
