r"""Embedded document-store candidates on the same synthetic 100,000-chunk set.

Usage: python -m benchmarks.stores [--chunks 100000] [--candidates a,b,c]
                                   [--out docs/results/stores.json]

The candidate libraries are not project dependencies. Install them for yourself with

    python3.11 -m pip install --target /work/bench-libs \
        lancedb qdrant-client bm25s sqlite-vec faiss-cpu numpy

and run with PYTHONPATH=/work/bench-libs (plus the repository), e.g.

    PYTHONPATH=.:/work/bench-libs .venv/bin/python -m benchmarks.stores --chunks 5000

Check that the --target copies do not shadow the project's own packages: with PYTHONPATH they
come first, and the full install above brings protobuf 7, grpcio, httpx and pydantic releases
other than the project's. If they do, install the candidates with --no-deps plus only what the
project's environment lacks (when this was written: deprecation h2 hpack hyperframe
lance-namespace lance-namespace-urllib3-client overrides portalocker pyarrow).
If that Python's ``sqlite3`` cannot load extensions (pyenv builds often cannot), also install
``pysqlite3-binary`` the same way; ``sqlite_vec_fts5`` then uses it. Candidates whose packages
are missing are reported as skipped.

Candidates (``benchmarks/store_candidates/``): ``inmemory`` (today's Haystack
InMemoryDocumentStore, saved whole), ``numpy_bm25s``, ``sqlite_vec_fts5``, ``lancedb`` (flat),
``lancedb_ivfpq``, ``lancedb_hnsw``, ``qdrant_local`` (dense only), ``faiss`` (dense only) and
``tunedd`` (the project's SQLiteDocumentStore, skipped until it exists).

Set (``benchmarks/synthetic_corpus.py``): ``chunks // 100`` documents of 100 chunks, ~150
Zipf-distributed pseudo-words per chunk, clustered 384-d unit vectors, 100 queries with a
5-document scope each. Query embedding time is excluded: the query vectors are given.

Per candidate, each step in a spawned process of its own (so memory is the candidate's):
* build: bulk load of every chunk into a fresh folder (time; peak RSS includes the corpus);
  disk size of the folder;
* query: RSS after opening the folder in a fresh process (open + one count, so that a store
  that loads lazily has loaded; RSS after the queries is in the JSON too); dense / BM25 /
  hybrid top-10 latency p50 and p95, unfiltered and filtered to the query's 5 documents inside
  the store (prefilter);
  hybrid = dense top 20 + BM25 top 20 fused by reciprocal rank fusion (k=60) in Python, the same
  code for every candidate (LanceDB's native hybrid is not used); recall@10 of dense results
  against exact numpy search over the same vectors; add one document (100 chunks) and delete
  one, each timed until durable (the store's call, then an fsync of every file in its folder);
  LanceDB's ``optimize()`` timed separately;
* kill -9: a child writes one document per call into a copy of the store; the parent SIGKILLs
  it at a random moment after its first write returned, reopens the store in a fresh process
  and checks that it opens, that every document whose write returned is whole (100 chunks),
  that the count is consistent, that queries work, and that it takes a new write;
* dependency size: installed size of the candidate's distributions and their requirements,
  in total and beyond what the project's environment already has.
Stores that score in Python (``inmemory``) are timed over fewer queries (``query_limit``).

On a shared or busy 2-core machine, multi-threaded BLAS / OpenMP matrix-vector products wait
for a busy core (at 5,000 chunks, one store's numpy dense query took a flat ~8 ms with two
OpenBLAS threads on a loaded machine and ~0.2 ms with one): ``--threads 1`` pins them; the
report records which was used. Run from
the repository root so that ``tunedd_api`` is the checkout's (the current directory comes first
on ``sys.path`` with ``-m``).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import pickle
import platform
import random
import shutil
import signal
import sys
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np

from benchmarks.store_candidates import MODULES
from benchmarks.store_deps import dependency_size
from benchmarks.store_phases import run_phase
from benchmarks.store_report import markdown_table
from benchmarks.synthetic_corpus import (
    CHUNKS_PER_DOCUMENT,
    DEFAULT_SEED,
    document_id,
    exact_top_k,
    make_corpus,
    make_queries,
)

DEFAULT_OUT = Path("docs/results/stores.json")
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def spawn(phase: str, kwargs: dict, workdir: Path, timeout: float) -> dict:
    """Run one phase in a fresh spawned process and return its JSON result."""
    result_path = workdir / f"result-{phase}-{time.time_ns()}.json"
    process = multiprocessing.get_context("spawn").Process(
        target=run_phase, args=(phase, kwargs, str(result_path))
    )
    process.start()
    process.join(timeout)
    if process.is_alive():
        process.kill()
        process.join()
        return {"status": "timeout", "timeout_s": timeout}
    if not result_path.exists():
        return {"status": "crashed", "exitcode": process.exitcode}
    result = json.loads(result_path.read_text())
    result_path.unlink()
    return result


def disk_mib(folder: Path) -> float:
    """Allocated size of every file under ``folder`` (what du reports), in MiB."""
    total = 0
    for root, _dirs, files in os.walk(folder):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_blocks * 512
            except FileNotFoundError:
                continue
    return round(total / 2**20, 2)


def read_progress(path: Path) -> list[list[str]]:
    if not path.exists():
        return []
    return [line.split() for line in path.read_text().splitlines() if line.strip()]


def kill_test(name: str, folder: Path, workdir: Path, plan: dict, timeout: float) -> dict:
    """Write documents in a child, SIGKILL it at a random moment, reopen in a fresh process."""
    copy = workdir / f"{name}-kill"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(folder, copy)
    progress = workdir / f"{name}-kill.log"
    progress.unlink(missing_ok=True)
    result_path = workdir / f"result-writer-{name}.json"
    kwargs = {
        "name": name,
        "folder": str(copy),
        "progress_path": str(progress),
        "first_number": plan["writer_number"],
        "seed": plan["seed"],
    }
    process = multiprocessing.get_context("spawn").Process(
        target=run_phase, args=("writer", kwargs, str(result_path))
    )
    process.start()
    deadline = time.monotonic() + timeout
    lines: list[list[str]] = []
    while time.monotonic() < deadline and process.is_alive():
        lines = read_progress(progress)
        if any(line[0] == "done" for line in lines):
            break
        time.sleep(0.01)
    if not any(line[0] == "done" for line in lines):
        process.kill()
        process.join()
        writer = json.loads(result_path.read_text()) if result_path.exists() else {}
        return {"status": "error", "error": "no write returned before the deadline", **writer}
    start = next(float(line[2]) for line in lines if line[0] == "start")
    first_write_s = next(float(line[2]) for line in lines if line[0] == "done") - start
    rng = random.Random(zlib.crc32(name.encode()) ^ plan["seed"])
    delay = rng.uniform(0.0, 2.0 * min(max(first_write_s, 0.05), 60.0))
    time.sleep(delay)
    os.kill(process.pid, signal.SIGKILL)
    process.join()
    lines = read_progress(progress)
    started = [line[1] for line in lines if line[0] == "start"]
    done = [line[1] for line in lines if line[0] == "done"]
    kill = {
        "base_count": int(lines[0][1]),
        "done": done,
        "in_flight": started[-1] if len(started) > len(done) else None,
        "first_write_s": round(first_write_s, 4),
        "kill_delay_s": round(delay, 4),
        "exitcode": process.exitcode,
    }
    verify = spawn(
        "verify",
        {"name": name, "folder": str(copy), "kill": kill, "plan_path": str(workdir / "plan.pkl")},
        workdir,
        timeout,
    )
    shutil.rmtree(copy, ignore_errors=True)
    kill.pop("done")
    return {**kill, "documents_returned": len(done), "verify": verify}


def bench_candidate(name: str, workdir: Path, args: argparse.Namespace) -> dict:
    folder = workdir / name
    shutil.rmtree(folder, ignore_errors=True)
    print(f"[{name}] build", flush=True)
    build = spawn(
        "build",
        {"name": name, "folder": str(folder), "corpus_path": str(workdir / "corpus.pkl")},
        workdir,
        args.timeout,
    )
    if build["status"] == "skipped":
        print(f"[{name}] skipped: {build['reason']}", flush=True)
        return {"status": "skipped", "reason": build["reason"]}
    result: dict = {"status": build["status"], "build": build}
    if build["status"] != "ok":
        return result
    result["disk_mib"] = disk_mib(folder)
    print(f"[{name}] queries, add, delete", flush=True)
    limit = args.query_limit.get(name)
    result["query"] = spawn(
        "query",
        {
            "name": name,
            "folder": str(folder),
            "plan_path": str(workdir / "plan.pkl"),
            "queries": args.queries,
            "query_limit": limit,
        },
        workdir,
        args.timeout,
    )
    result["disk_after_updates_mib"] = disk_mib(folder)
    if result["query"]["status"] != "ok":
        result["status"] = result["query"]["status"]
    if not args.no_kill:
        print(f"[{name}] kill -9", flush=True)
        plan = {"seed": args.seed, "writer_number": args.documents + 100}
        result["kill"] = kill_test(name, folder, workdir, plan, args.timeout)
    packages = set(build.get("packages", [])) | set(result["query"].get("loaded_distributions", []))
    result["dependencies"] = dependency_size(packages)
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)
    return result


def make_plan(args: argparse.Namespace, workdir: Path) -> dict:
    """Generate the set, write it for the build processes, and the queries with exact answers."""
    started = time.perf_counter()
    corpus = make_corpus(args.chunks, args.seed)
    queries = make_queries(corpus, args.queries, args.seed)
    generated_s = time.perf_counter() - started
    with (workdir / "corpus.pkl").open("wb") as handle:
        pickle.dump(corpus, handle, protocol=pickle.HIGHEST_PROTOCOL)
    documents = np.array(corpus.document_ids)
    truth = [exact_top_k(corpus.vectors, documents, corpus.ids, q) for q in queries]
    victim = document_id(args.documents - 1)
    plan = {
        "seed": args.seed,
        "queries": queries,
        "truth": [t[0] for t in truth],
        "truth_filtered": [t[1] for t in truth],
        "add_number": args.documents,
        "delete_id": victim,
        "delete_probe": corpus.vectors[corpus.ids.index(f"{victim}-00000")],
        "verify_number": args.documents + 99,
    }
    with (workdir / "plan.pkl").open("wb") as handle:
        pickle.dump(plan, handle, protocol=pickle.HIGHEST_PROTOCOL)
    return {"chunks": len(corpus), "generated_s": round(generated_s, 2)}


def parse_limits(text: str) -> dict[str, int]:
    limits = {}
    for item in filter(None, text.split(",")):
        name, _, value = item.partition("=")
        limits[name.strip()] = int(value)
    return limits


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--candidates", default=",".join(MODULES))
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument(
        "--query-limit",
        type=parse_limits,
        default={},
        help="per-candidate cap on timed queries, e.g. inmemory=10 (default: the adapter's)",
    )
    parser.add_argument("--workdir", type=Path, help="where stores are built (default: a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the built stores")
    parser.add_argument("--no-kill", action="store_true", help="skip the kill -9 test")
    parser.add_argument("--timeout", type=float, default=3 * 3600, help="seconds per phase")
    parser.add_argument(
        "--threads",
        type=int,
        help="BLAS/OpenMP threads in the candidate processes (default: the libraries' own)",
    )
    args = parser.parse_args(argv)
    args.candidates = [c.strip() for c in args.candidates.split(",") if c.strip()]
    unknown = [c for c in args.candidates if c not in MODULES]
    if unknown:
        parser.error(f"unknown candidates {unknown}; known: {', '.join(MODULES)}")
    args.documents = max(1, args.chunks // CHUNKS_PER_DOCUMENT)
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.threads:  # read by OpenBLAS / OpenMP when a spawned process loads them
        for variable in THREAD_VARIABLES:
            os.environ[variable] = str(args.threads)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="tunedd-stores-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"work dir {workdir}", flush=True)
    corpus = make_plan(args, workdir)
    report = {
        "config": {
            **corpus,
            "documents": args.documents,
            "queries": args.queries,
            "seed": args.seed,
            "top_k": 10,
            "hybrid": "dense top 20 + BM25 top 20, reciprocal rank fusion k=60, in Python",
            "note": "query embedding time excluded: query vectors are given",
            "python": sys.version.split()[0],
            "machine": f"{platform.machine()}, {os.cpu_count()} cores",
            "threads": args.threads or "library defaults",
        },
        "candidates": {},
    }
    for name in args.candidates:
        report["candidates"][name] = bench_candidate(name, workdir, args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, default=str) + "\n")
    if not args.keep and args.workdir is None:
        shutil.rmtree(workdir, ignore_errors=True)
    print()
    print(markdown_table(report))
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
