"""Bounded load test: drives a real tunedd server on loopback for a fixed time.

Usage:
  python -m benchmarks.load [--duration 60] [--concurrency 8] [--model smollm2-135m]
                            [--mix search=6,create=2,read=2,message=1] [--data DIR]

Starts ``uvicorn`` with the embedded backend in a subprocess (index reused from
``.tunedd/bench``), waits for ``/readyz``, then runs ``concurrency`` clients that each pick an
operation by weight until the time is up. Reports requests, throughput, p50/p95/p99 latency per
operation, status counts (503 model_busy is load shedding by design, listed apart from errors),
and the server's peak RSS. Writes JSON to ``docs/results/load.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import httpx

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "arxiv-ai-agents"
QUERIES = [
    "What measures increase visibility into AI agents?",
    "How do context-aware multi-agent systems sense their environment?",
    "What challenges do LLM multi-agent systems face?",
    "Which neural network does the intelligent multi-agent framework use?",
    "How does game theory relate to multi-agent learning?",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid: int, field: str = "VmRSS") -> int:
    """Resident memory of ``pid`` (VmRSS now, or VmHWM: the peak) in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


async def client_loop(
    http: httpx.AsyncClient, deadline: float, mix: dict, results: dict, ids: list
):
    operations, weights = zip(*mix.items())
    while time.monotonic() < deadline:
        operation = random.choices(operations, weights)[0]
        started = time.perf_counter()
        try:
            response = await _run(http, operation, ids)
            status = response.status_code
            if status == 503:
                status = f"503 {response.json().get('code')}"
        except httpx.HTTPError as error:
            status = type(error).__name__
        results[operation].append((time.perf_counter() - started, status))


async def _run(http: httpx.AsyncClient, operation: str, ids: list) -> httpx.Response:
    if operation == "search":
        body = {"query": random.choice(QUERIES), "top_k": 5}
        return await http.post("/search", json=body)
    if operation == "create" or not ids:
        response = await http.post("/conversations", json={})
        if response.status_code == 201:
            ids.append(response.json()["id"])
        return response
    if operation == "read":
        return await http.get(f"/conversations/{random.choice(ids)}")
    return await http.post(
        f"/conversations/{random.choice(ids)}/messages", json={"message": random.choice(QUERIES)}
    )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def drive(base_url: str, duration: float, concurrency: int, mix: dict, pid: int) -> dict:
    results: dict[str, list] = defaultdict(list)
    ids: list[str] = []
    peak = 0
    timeout = httpx.Timeout(300.0)
    async with httpx.AsyncClient(base_url=base_url, timeout=timeout) as http:
        started = time.monotonic()
        deadline = started + duration
        tasks = [
            asyncio.create_task(client_loop(http, deadline, mix, results, ids))
            for _ in range(concurrency)
        ]
        while not all(t.done() for t in tasks):
            peak = max(peak, rss_kib(pid))
            await asyncio.sleep(0.5)
        await asyncio.gather(*tasks)
    elapsed = time.monotonic() - started  # in-flight requests finish after the deadline
    report = {}
    for operation, rows in sorted(results.items()):
        latencies = [seconds for seconds, status in rows if status in (200, 201)]
        report[operation] = {
            "requests": len(rows),
            "statuses": dict(Counter(str(status) for _, status in rows)),
            "p50_s": round(statistics.median(latencies), 4) if latencies else None,
            "p95_s": round(percentile(latencies, 0.95), 4) if latencies else None,
            "p99_s": round(percentile(latencies, 0.99), 4) if latencies else None,
        }
    all_rows = [status for rows in results.values() for _, status in rows]
    return {
        "operations": report,
        "requests": len(all_rows),
        "elapsed_s": round(elapsed, 1),
        "throughput_rps": round(len(all_rows) / elapsed, 1),
        "errors": sum(1 for s in all_rows if s not in (200, 201) and s != "503 model_busy"),
        "shed_503_model_busy": sum(1 for s in all_rows if s == "503 model_busy"),
        "peak_rss_mib": round(max(peak, rss_kib(pid, "VmHWM")) / 1024, 1),
    }


def main() -> None:
    """Start the server, drive it, print and save the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--mix", default="search=6,create=2,read=2,message=1")
    parser.add_argument("--data", type=Path, default=CORPUS)
    parser.add_argument("--out", type=Path, default=Path("docs/results/load.json"))
    args = parser.parse_args()
    mix = {k: float(v) for k, v in (pair.split("=") for pair in args.mix.split(","))}
    port = free_port()
    env = {
        **os.environ,
        "RAG_DATA_DIR": str(args.data),
        "RAG_INDEX_DIR": ".tunedd/bench",
        "RAG_LOCAL_CHAT_MODEL": args.model,
        "RAG_LOG_LEVEL": "WARNING",
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "tunedd_api.main:create_app_from_env",
        "--factory",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    server = subprocess.Popen(command, env=env)
    try:
        base_url = f"http://127.0.0.1:{port}"
        _wait_ready(base_url, server)
        report = asyncio.run(drive(base_url, args.duration, args.concurrency, mix, server.pid))
    finally:
        server.terminate()
        server.wait(timeout=30)
    report.update(
        {
            "duration_s": args.duration,
            "concurrency": args.concurrency,
            "model": args.model,
            "mix": mix,
        }
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))


def _wait_ready(base_url: str, server: subprocess.Popen, timeout_s: float = 600) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("the server exited during startup")
        try:
            if httpx.get(f"{base_url}/readyz", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise SystemExit("the server did not become ready")


if __name__ == "__main__":
    main()
