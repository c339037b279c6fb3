"""Conversation append and read latency of the SQL conversation store (issue 16: ≤ 5 ms p95).

Usage: python -m benchmarks.conversations [--conversations 25] [--pairs 100]
       [--postgres auto|off] [--out docs/results/conversations.json]

``SqlConversationStore.append`` of one question + answer pair (the answer ~120 words with five
citations and their snippets), round-robin over ``--conversations`` conversations until each
holds ``2 × --pairs`` messages (the default limit, 200), so appends land in conversations of
0..198 messages; then ``get`` of a 50-message conversation. Each call is one transaction,
timed from the caller's side. SQLite: a file in a temporary folder (WAL, the store's own
pragmas, default ``synchronous``). PostgreSQL, with ``--postgres auto``: the server of
``TUNEDD_TEST_POSTGRES_URL``, else a throwaway local one from ``initdb`` with fsync on.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.state_support import ROOT, load, machine, percentiles, turn
from tunedd_api.chat.sql_conversations import SqlConversationStore
from tunedd_api.storage.migrate import open_app_database

logger = logging.getLogger(__name__)

BUCKETS = ((0, 48), (50, 98), (100, 148), (150, 198))


def measure(url: str, conversations: int, pairs: int, reads: int) -> dict[str, Any]:
    """Append and read latency of the store at ``url`` (a fresh, empty database)."""
    started_load = load()
    store = SqlConversationStore(
        engine=open_app_database(url), max_messages=max(2 * pairs, 50), ttl_s=86_400.0
    )
    rng = random.Random(16)
    warm = store.create(None)
    for _ in range(5):
        store.append(warm.id, turn(rng))
    ids = [store.create(None).id for _ in range(conversations)]
    times: list[float] = []
    by_size: dict[tuple[int, int], list[float]] = {bucket: [] for bucket in BUCKETS}
    for step in range(pairs):
        for conversation_id in ids:
            new = turn(rng)
            started = time.perf_counter()
            store.append(conversation_id, new)
            elapsed = time.perf_counter() - started
            times.append(elapsed)
            held = 2 * step
            by_size[next(b for b in BUCKETS if b[0] <= held <= b[1])].append(elapsed)
    fifty = store.create(None)
    for _ in range(25):
        store.append(fifty.id, turn(rng))
    gets = []
    for _ in range(reads):
        started = time.perf_counter()
        got = store.get(fifty.id)
        gets.append(time.perf_counter() - started)
    if len(got.messages) != 50:
        raise RuntimeError(f"read {len(got.messages)} messages, wrote 50")
    store.close()
    return {
        "appends": percentiles(times),
        "appends_by_messages_held": {
            f"{low}-{high}": percentiles(values)
            for (low, high), values in by_size.items()
            if values
        },
        "get_50_messages": percentiles(gets),
        "load_start": started_load,
        "load_end": load(),
    }


def start_postgres() -> tuple[str, Any] | None:
    """A database URL and the server to stop (None for a given URL), or None if no server."""
    sys.path.insert(0, str(ROOT / "tests"))
    import postgres  # the tests' throwaway server (tests/postgres.py)

    server = postgres.start_postgres()
    if server is None:
        return None
    if server.data_dir is not None:  # started with fsync off for the tests: restart with it on
        pg_ctl = [*server.run_as, str(server.bin_dir / "pg_ctl"), "-D", str(server.data_dir)]
        port = server.admin_url.rsplit(":", 1)[1].split("/")[0]
        socket_dir = server.data_dir.parent
        options = f"-p {port} -k {socket_dir} -c listen_addresses=127.0.0.1 -c fsync=on"
        log = ["-l", str(socket_dir / "server.log")]
        postgres.subprocess.run(
            [*pg_ctl, "-o", options, "-w", *log, "restart"], check=True, capture_output=True
        )
    return server.new_database(), server


def server_settings(url: str) -> dict[str, str]:
    """The PostgreSQL settings that decide what a commit costs."""
    engine = open_app_database(url)
    with engine.connect() as connection:
        found = {
            name: connection.exec_driver_sql(f"SHOW {name}").scalar()
            for name in ("server_version", "fsync", "synchronous_commit")
        }
    engine.dispose()
    return found


def main() -> None:
    """Measure and write the results."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=25)
    parser.add_argument("--pairs", type=int, default=100)
    parser.add_argument("--reads", type=int, default=500)
    parser.add_argument("--postgres", choices=("auto", "off"), default="auto")
    parser.add_argument("--out", type=Path, default=Path("docs/results/conversations.json"))
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="tunedd-conv-bench-"))
    sqlite_url = f"sqlite:///{folder / 'tunedd.db'}"
    result: dict[str, Any] = {"machine": machine(), "target_append_p95_ms": 5.0}
    logger.info("SQLite: %s", sqlite_url)
    result["sqlite"] = measure(sqlite_url, args.conversations, args.pairs, args.reads)
    shutil.rmtree(folder, ignore_errors=True)
    started = start_postgres() if args.postgres == "auto" else None
    if started is not None:
        url, server = started
        logger.info("PostgreSQL: %s", url)
        try:
            result["postgresql"] = measure(url, args.conversations, args.pairs, args.reads)
            result["postgresql"]["server"] = server_settings(url)
        finally:
            server.stop()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
