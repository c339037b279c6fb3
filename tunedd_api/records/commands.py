"""`tunedd` subcommands for batch scoring: db, ingest, worker, requeue, quality, spot-check."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path

from tunedd_api.settings import Settings


def _store(args: argparse.Namespace):
    from tunedd_api.records.store import RecordStore

    return RecordStore(args.db or Settings().records_db_url)


def _db(args: argparse.Namespace) -> int:
    from tunedd_api.records import migrate

    store = _store(args)  # opening migrates to the newest revision
    print(
        json.dumps(
            {"revision": migrate.current_revision(store.engine), "url": str(store.engine.url)}
        )
    )
    return 0


def _ingest(args: argparse.Namespace) -> int:
    from tunedd_api.records.ingest import ingest_file

    store = _store(args)
    report = ingest_file(Path(args.file), store)
    summary = {**report.__dict__, "rejected_examples": []}
    if report.rejected:
        summary["rejected_examples"] = [
            {"line": row["line"], "reason": row["reason"]} for row in store.rejected(limit=5)
        ]
    print(json.dumps(summary, indent=2))
    return 0


def _worker(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from tunedd_api.records.scoring import CategoryScheme, LLMScorer
    from tunedd_api.records.worker import Worker
    from tunedd_api.runtime import build_runtime

    settings = Settings()
    store = _store(args)
    if args.metrics_port:
        from prometheus_client import start_http_server

        from tunedd_api.observability.metrics import REGISTRY

        start_http_server(args.metrics_port, addr=args.metrics_host, registry=REGISTRY)
    scheme = CategoryScheme(tuple(settings.records_categories), settings.records_max_categories)
    runtime = build_runtime(settings)  # retries, 429/Retry-After, breaker
    model = runtime.stack.chat_model
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):  # finish the record, hand the rest back
        signal.signal(signum, lambda *_: stop.set())
    try:
        runtime.prepare()
        worker = Worker(
            store=store,
            scorer=LLMScorer(model, scheme, timeout_s=settings.records_timeout_s),
            model_name=model.model_name,
            prompt_version=scheme.prompt_version,
            batch=args.batch or settings.records_batch_size,
            lease_s=settings.records_lease_s,
            max_attempts=settings.records_max_attempts,
        )
        store.enqueue_missing()
        show = not args.no_progress and sys.stderr.isatty()
        with tqdm(total=worker.open_count(), unit="rec", disable=not show) as bar:

            def advance(outcome: str) -> None:
                bar.update(outcome != "retried")
                bar.set_postfix_str(outcome, refresh=False)

            report = worker.run(stop=stop, follow=args.follow, on_record=advance)
    finally:
        runtime.close()
    print(json.dumps(report.as_dict()))
    return 0


def _requeue(args: argparse.Namespace) -> int:
    from tunedd_api.records.scoring import CategoryScheme

    settings = Settings()
    current = CategoryScheme(tuple(settings.records_categories), settings.records_max_categories)
    stale = current.prompt_version if args.stale else None
    count = _store(args).requeue(failed=args.failed, not_prompt_version=stale)
    print(json.dumps({"requeued": count, "current_prompt_version": current.prompt_version}))
    return 0


def _quality(args: argparse.Namespace) -> int:
    from tunedd_api.records.quality import quality_report

    settings = Settings()
    report = quality_report(_store(args), scheme=tuple(settings.records_categories))
    if args.json:
        print(json.dumps(report, indent=2, default=str))
        return 0 if report["ok"] or not args.strict else 1
    stats = report["stats"]
    print(f"records {stats['records']}  rejected rows {stats['rejected_rows']}")
    print("status   " + "  ".join(f"{k} {v}" for k, v in stats["by_status"].items()))
    print("sentiment " + "  ".join(f"{k} {v}" for k, v in stats["by_sentiment"].items()))
    print(f"score mean {stats['score_mean']}  std {stats['score_std']}")
    print("scores   " + "  ".join(f"{k}:{v}" for k, v in stats["score_histogram"].items()))
    print("categories " + "  ".join(f"{k} {v}" for k, v in stats["by_category"].items()))
    for name, check in (("lexicon", report["lexicon_check"]), ("labels", report["label_check"])):
        print(f"{name} agreement {check['agreement']} on {check['checked']} records")
    for flag in report["flags"]:
        print(f"[{flag['severity']}] {flag['code']}: {flag['message']}")
    print("OK" if report["ok"] else "ANOMALIES FOUND")
    return 0 if report["ok"] or not args.strict else 1


def _spot_check(args: argparse.Namespace) -> int:
    from tunedd_api.records.lexicon import lexicon_sentiment
    from tunedd_api.records.queries import sample_records

    for row in sample_records(_store(args), args.n, seed=args.seed):
        lexicon = lexicon_sentiment(row["text"]) or "-"
        print(
            f"{row['id']}  score {row['score']:+.2f} {row['sentiment']:<8} "
            f"categories {','.join(row['categories'])}  label {row['label'] or '-'}  "
            f"lexicon {lexicon}\n    {row['text']}"
        )
    return 0


def add_commands(commands: argparse._SubParsersAction) -> None:
    """Register the records subcommands on the `tunedd` parser."""
    db_help = "SQLAlchemy URL (default: RAG_RECORDS_DB_URL)"
    db = commands.add_parser("db", help="migrate the records database to the newest revision")
    db.add_argument("action", choices=["upgrade"])
    ingest = commands.add_parser("ingest", help="validate and store records from CSV/JSON(L)")
    ingest.add_argument("file", help="a .csv, .jsonl or .json file")
    worker = commands.add_parser("worker", help="score and classify unprocessed records")
    worker.add_argument("--batch", type=int, help="records claimed per lease")
    worker.add_argument("--follow", action="store_true", help="keep polling for new records")
    worker.add_argument("--metrics-port", type=int, help="serve Prometheus metrics on this port")
    worker.add_argument("--metrics-host", default="127.0.0.1", help="address for --metrics-port")
    worker.add_argument("--no-progress", action="store_true", help="no progress bar")
    requeue = commands.add_parser("requeue", help="queue failed or stale records again")
    requeue.add_argument("--failed", action="store_true", help="records marked failed")
    requeue.add_argument(
        "--stale", action="store_true", help="results from another prompt version / scheme"
    )
    quality = commands.add_parser("quality", help="quality report with anomaly flags")
    quality.add_argument("--json", action="store_true", help="the full report as JSON")
    quality.add_argument("--strict", action="store_true", help="exit 1 on any warning flag")
    spot = commands.add_parser("spot-check", help="print a random sample of scored records")
    spot.add_argument("-n", type=int, default=10, help="sample size")
    spot.add_argument("--seed", type=int, help="make the sample reproducible")
    for parser, run in (
        (db, _db),
        (ingest, _ingest),
        (worker, _worker),
        (requeue, _requeue),
        (quality, _quality),
        (spot, _spot_check),
    ):
        parser.add_argument("--db", help=db_help)
        parser.set_defaults(run=run)
