"""Batch-scoring throughput: ingest rows/s and worker records/s on SQLite and PostgreSQL.

    python -m benchmarks.records --rows 100000 [--pg-url postgresql+psycopg://...]
    python -m benchmarks.records --model qwen2.5-1.5b --model-records 40

Ingest runs in a child process per database (so its peak RSS is its own). The worker is
measured twice: with an instant fake scorer, 1 and 4 processes (the queue's own overhead:
claim, lease renewal, lease-checked write), and optionally with the real embedded model.
Results are printed as a Markdown table and written to docs/results/records.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORDS = "good bad day work rain sun love hate game phone train coffee tired happy late".split()


def write_rows(path: Path, count: int) -> None:
    """Sentiment140-layout rows (headerless, Latin-1), synthetic text."""
    rng = random.Random(1)
    with path.open("w", encoding="latin-1", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL)
        for n in range(count):
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 20)))
            writer.writerow(
                [rng.choice("04"), 1_000_000_000 + n, "Mon Apr 06 22:19:45 PDT 2009"]
                + ["NO_QUERY", f"user{rng.randint(1, 5000)}", text]
            )


def _child_ingest(url: str, path: str) -> None:
    from tunedd_api.records.ingest import ingest_file
    from tunedd_api.records.store import RecordStore

    store = RecordStore(url)
    started = time.perf_counter()
    report = ingest_file(Path(path), store)
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    again = ingest_file(Path(path), store)
    print(
        json.dumps(
            {
                "rows": report.read,
                "inserted": report.inserted,
                "seconds": round(seconds, 2),
                "rows_per_s": round(report.read / seconds),
                "reingest_seconds": round(time.perf_counter() - started, 2),
                "reingest_inserted": again.inserted,
                "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            }
        )
    )


def _child_worker(url: str, owner: str) -> None:
    from tunedd_api.records.scoring import Scored
    from tunedd_api.records.store import RecordStore
    from tunedd_api.records.worker import Worker

    worker = Worker(
        store=RecordStore(url),
        scorer=lambda text: Scored(0.0, ("other",)),
        model_name="instant",
        prompt_version="bench",
        batch=32,
        owner=owner,
    )
    print(json.dumps(worker.run().as_dict()))


def _run_child(*args: str) -> dict:
    output = subprocess.run(
        [sys.executable, "-m", "benchmarks.records", "--child", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "RAG_LOG_LEVEL": "WARNING"},
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def worker_throughput(url: str, processes: int, records: int) -> dict:
    """Queue ``records`` jobs (the rest marked done), then time ``processes`` workers."""
    from sqlalchemy import delete, select

    from tunedd_api.records.schema import categories, jobs
    from tunedd_api.records.store import RecordStore

    store = RecordStore(url)
    with store.engine.begin() as connection:
        connection.execute(delete(categories))
        connection.execute(jobs.update().values(status="done", lease_owner=None))
        first = select(jobs.c.record_id).order_by(jobs.c.record_id).limit(records)
        connection.execute(
            jobs.update()
            .where(jobs.c.record_id.in_(first.scalar_subquery()))
            .values(status="pending", attempts=0)
        )
    store.close()
    started = time.perf_counter()
    children = [
        subprocess.Popen(
            [sys.executable, "-m", "benchmarks.records", "--child", "worker", url, f"w{n}"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "RAG_LOG_LEVEL": "WARNING"},
        )
        for n in range(processes)
    ]
    reports = [json.loads(child.communicate()[0].strip().splitlines()[-1]) for child in children]
    seconds = time.perf_counter() - started
    done = sum(r["done"] for r in reports)
    return {
        "processes": processes,
        "done": done,
        "seconds": round(seconds, 2),
        "records_per_s": round(done / seconds),
    }


def _topic_recall(url: str) -> float:
    """Share of sample tweets whose categories include the topic they were generated from
    (optimistic: the sample's wording and the category hints come from the same author)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from make_sample_records import FIRST_ID, TOPICS

    from tunedd_api.records.queries import RecordFilter, list_records
    from tunedd_api.records.store import RecordStore

    topics = list(TOPICS)
    rows = list_records(RecordStore(url), RecordFilter(status="done", limit=100_000))
    hits = sum(topics[(int(r["id"]) - FIRST_ID) % len(topics)] in r["categories"] for r in rows)
    return round(hits / len(rows), 3) if rows else 0.0


def model_throughput(model: str, count: int) -> dict:
    """The embedded model scoring ``count`` sample tweets (SQLite)."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/model.db"
        rows = (ROOT / "data/records/sample_tweets.csv").read_text().splitlines()[: count + 1]
        sample = Path(folder) / "sample.csv"
        sample.write_text("\n".join(rows) + "\n")
        env = {**os.environ, "RAG_LOCAL_CHAT_MODEL": model, "RAG_LOG_LEVEL": "WARNING"}
        tunedd = [sys.executable, "-m", "tunedd_api.cli"]
        subprocess.run(
            [*tunedd, "ingest", str(sample), "--db", url], check=True, env=env, capture_output=True
        )
        output = subprocess.run(
            [*tunedd, "worker", "--db", url, "--no-progress"],
            check=True,
            env=env,
            capture_output=True,
            text=True,
        ).stdout
        report = json.loads(output.strip().splitlines()[-1])
        quality = subprocess.run(
            [*tunedd, "quality", "--db", url, "--json"],
            check=True,
            env=env,
            capture_output=True,
            text=True,
        ).stdout
        checks = json.loads(quality)
        topic_recall = _topic_recall(url)
    return {
        "model": model,
        **report,
        "topic_recall": topic_recall,
        "label_agreement": checks["label_check"]["agreement"],
        "lexicon_agreement": checks["lexicon_check"]["agreement"],
        "flags": [f["code"] for f in checks["flags"]],
    }


def main() -> None:
    """Run the benchmark and print / save the results."""
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        {"ingest": _child_ingest, "worker": _child_worker}[sys.argv[2]](*sys.argv[3:])
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--pg-url", help="an empty PostgreSQL database (SQLAlchemy URL)")
    parser.add_argument("--worker-records", type=int, default=5000)
    parser.add_argument("--model", help="also measure this embedded chat model")
    parser.add_argument("--model-records", type=int, default=40)
    args = parser.parse_args()
    out = ROOT / "docs" / "results" / "records.json"
    # Keep the stored figures of the parts this run does not measure.
    results: dict = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
    if args.rows:
        results.update(rows=args.rows, worker_records=args.worker_records, databases={})
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "rows.csv"
        write_rows(data, args.rows)
        urls = {"sqlite": f"sqlite:///{folder}/bench.db"}
        if args.pg_url:
            urls["postgresql"] = args.pg_url
        for name, url in urls.items() if args.rows else ():
            results["databases"][name] = {
                "ingest": _run_child("ingest", url, str(data)),
                "worker_instant": [worker_throughput(url, n, args.worker_records) for n in (1, 4)],
            }
    if args.model:
        results.setdefault("models", {})[args.model] = model_throughput(
            args.model, args.model_records
        )
    print(
        "| database | ingest rows/s | peak RSS MiB | re-ingest s | worker 1 proc rec/s | "
        "worker 4 procs rec/s |\n|---|---|---|---|---|---|"
    )
    for name, result in results.get("databases", {}).items():
        ingest, (one, four) = result["ingest"], result["worker_instant"]
        print(
            f"| {name} | {ingest['rows_per_s']} | {ingest['peak_rss_mib']} | "
            f"{ingest['reingest_seconds']} | {one['records_per_s']} | {four['records_per_s']} |"
        )
    for name, result in results.get("models", {}).items():
        print(name, json.dumps(result))
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
