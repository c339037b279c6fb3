"""Upload → indexed for one paper, and /search latency while it indexes (issue 16).

Usage: python -m benchmarks.uploads [--paper "Chan et al."] [--runs 3] [--searches 69]
       [--out docs/results/uploads.json]

A server process (uvicorn, one worker) runs the embedded stack (the real ONNX embedder and
SQLite document store; an instant chat model instead of the GGUF: no LLM is loaded, and none is
needed for uploads or /search) over a temporary data folder holding the other four papers
(symlinks), indexed at startup. This process is the client (httpx), and each run:

1. /search, one request at a time, for the labelled questions: the idle latency;
2. ``POST /documents`` the paper, poll ``GET /documents/{id}`` every 50 ms until ``indexed``:
   seconds, pages, chunks, chunks/s; then ``DELETE`` it (no searches meanwhile);
3. the same upload again while a thread sends the same /search requests back to back: their
   latency during indexing, and the upload's own time under that load.

Afterwards, with the server stopped, the embedder bound: the document embedder's encoder alone
on the paper's chunk texts (same batch size), best of three, in this process.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from benchmarks.state_support import CORPUS, embedded_stack, load, machine, percentiles
from tunedd_api.settings import Settings

logger = logging.getLogger(__name__)


def serve(port: int, data_dir: Path, index_dir: Path) -> None:
    """Run the server (child process) until killed."""
    import uvicorn

    from tunedd_api.main import create_app

    settings = Settings(_env_file=None, data_dir=data_dir, index_dir=index_dir, log_level="WARNING")
    app = create_app(settings, stack=embedded_stack(settings))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", log_config=None)


def searches(client: httpx.Client, queries: list[str], until: threading.Event | None) -> list:
    """Seconds per /search, the queries in order (again and again until ``until`` is set)."""
    times: list[float] = []
    while True:
        for query in queries:
            if until is not None and until.is_set():
                return times
            started = time.perf_counter()
            client.post("/search", json={"query": query}).raise_for_status()
            times.append(time.perf_counter() - started)
        if until is None:
            return times


def upload(client: httpx.Client, paper: Path) -> dict[str, Any]:
    """Upload ``paper`` and wait until it is indexed; its id, time and size."""
    started = time.perf_counter()
    files = [("files", (paper.name, paper.read_bytes(), "application/pdf"))]
    sent = client.post("/documents", files=files)
    sent.raise_for_status()
    document_id = sent.json()["documents"][0]["id"]
    while True:
        record = client.get(f"/documents/{document_id}").json()
        if record["status"] in ("indexed", "failed"):
            break
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    if record["status"] != "indexed":
        raise RuntimeError(f"upload failed: {record['error']}")
    return {
        "id": document_id,
        "seconds": round(seconds, 2),
        "pages": record["page_count"],
        "chunks": record["chunk_count"],
        "chunks_per_s": round(record["chunk_count"] / seconds, 2),
    }


def one_run(client: httpx.Client, paper: Path, queries: list[str]) -> dict[str, Any]:
    """Idle searches, a quiet upload, and an upload under search load."""
    result: dict[str, Any] = {"load_start": load()}
    result["search_idle"] = percentiles(searches(client, queries, None))
    result["upload_quiet"] = upload(client, paper)
    client.delete(f"/documents/{result['upload_quiet']['id']}").raise_for_status()
    indexed = threading.Event()
    busy: list[float] = []
    worker = threading.Thread(target=lambda: busy.extend(searches(client, queries, indexed)))
    worker.start()
    try:
        result["upload_under_search"] = upload(client, paper)
    finally:
        indexed.set()
        worker.join()
    result["search_during_indexing"] = percentiles(busy)
    result["load_end"] = load()
    client.delete(f"/documents/{result['upload_under_search']['id']}").raise_for_status()
    return result


def embedder_bound(paper: Path, index_dir: Path) -> dict[str, Any]:
    """Chunks/s of the document embedder's encoder alone on the paper's chunks."""
    from tunedd_api.indexing.indexer import Indexer
    from tunedd_api.runtime import build_runtime

    data_dir = index_dir / "bound-data"
    data_dir.mkdir()
    (data_dir / paper.name).symlink_to(paper)
    settings = Settings(_env_file=None, data_dir=data_dir, index_dir=index_dir / "bound")
    runtime = build_runtime(settings, stack=embedded_stack(settings))
    runtime.prepare(chat=False)
    report = Indexer(pipeline=runtime.indexing, data_dir=data_dir).sync()
    texts = [d.content or "" for d in runtime.stack.document_store.filter_documents()]
    encoder = runtime.stack.document_embedder.encoder
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        encoder.encode(texts, batch_size=settings.embedding_batch_size)
        best = min(best, time.perf_counter() - started)
    runtime.close()
    return {
        "chunks": len(texts),
        "seconds": round(best, 2),
        "chunks_per_s": round(len(texts) / best, 2),
        "indexing_pipeline_alone": {
            "seconds": round(report.seconds, 2),
            "chunks_per_s": round(report.chunks_embedded / report.seconds, 2),
        },
    }


def start_server(base: Path, paper: Path) -> tuple[subprocess.Popen, str]:
    """The server over the other four papers, once it answers."""
    data_dir = base / "data"
    data_dir.mkdir()
    for other in sorted(CORPUS.glob("*.pdf")):
        if other != paper:
            (data_dir / other.name).symlink_to(other)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "benchmarks.uploads", "--serve", str(port)]
    process = subprocess.Popen(command + [str(data_dir), str(base / "index")])
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(f"{url}/healthz", timeout=5).status_code == 200:  # after startup
                return process, url
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    process.kill()
    raise RuntimeError("the server did not become ready")


def main() -> None:
    """Measure and write the results."""
    if len(sys.argv) > 1 and sys.argv[1] == "--serve":
        serve(int(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]))
        return
    from tunedd_api.evaluation.dataset import load_questions

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per request
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paper", default="Chan et al.", help="start of the paper's file name")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--searches", type=int, default=69, help="labelled questions used")
    parser.add_argument("--out", type=Path, default=Path("docs/results/uploads.json"))
    args = parser.parse_args()
    paper = next(p for p in sorted(CORPUS.glob("*.pdf")) if p.name.startswith(args.paper))
    queries = [q.question for q in load_questions()][: args.searches]
    base = Path(tempfile.mkdtemp(prefix="tunedd-uploads-"))
    result: dict[str, Any] = {"machine": machine(), "paper": paper.name, "queries": len(queries)}
    process, url = start_server(base, paper)
    try:
        with httpx.Client(base_url=url, timeout=120) as client:
            searches(client, queries[:5], None)  # warm-up
            result["runs"] = []
            for run in range(args.runs):
                result["runs"].append(one_run(client, paper, queries))
                logger.info("run %d: %s", run + 1, json.dumps(result["runs"][-1]))
        status = Path(f"/proc/{process.pid}/status").read_text().splitlines()
        result["server_memory"] = [line for line in status if line.startswith(("VmRSS", "VmHWM"))]
    finally:
        process.terminate()
        process.wait(30)
    try:
        result["load_before_bound"] = load()
        result["embedder_bound"] = embedder_bound(paper, base)
        result["load_end"] = load()
    finally:
        shutil.rmtree(base, ignore_errors=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
