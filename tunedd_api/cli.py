"""`tunedd` command line: serve the API, index the data folder, evaluate, dump the pipelines,
the batch scoring commands (db, ingest, worker, quality, spot-check), and `documents
add/list/remove` against a running server."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

from tunedd_api.indexing.commands import add_commands as add_documents_commands
from tunedd_api.access.binding import bind_refusal
from tunedd_api.access.commands import add_commands as add_keys_commands
from tunedd_api.observability.logging import configure_logging
from tunedd_api.records.commands import add_commands as add_records_commands
from tunedd_api.settings import Settings


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    refusal = bind_refusal(args.host, Settings(), allow_unauthenticated=args.allow_unauthenticated)
    if refusal is not None:
        print(refusal, file=sys.stderr)
        return 2

    uvicorn.run(
        "tunedd_api.main:create_app_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        log_level="info",
        log_config=None,  # keep tunedd's JSON logging for uvicorn's records too
    )
    return 0


def render_progress(progress: Any, stream: TextIO, *, width: int = 30) -> None:
    """One progress line for ``tunedd index``: redrawn in place on a terminal, else appended."""
    done, total = progress.files_done, max(progress.files_total, 1)
    filled = round(width * done / total)
    line = (
        f"[{'#' * filled}{'.' * (width - filled)}] {done}/{progress.files_total} files, "
        f"{progress.chunks_done} chunks  {progress.last_file or ''}"
    )
    if stream.isatty():
        stream.write("\r" + line + ("\n" if done >= progress.files_total else ""))
    else:
        stream.write(line + "\n")
    stream.flush()


def _index(args: argparse.Namespace) -> int:
    from tunedd_api.indexing.indexer import Indexer
    from tunedd_api.runtime import build_runtime

    settings = Settings()
    runtime = build_runtime(settings)
    try:
        runtime.prepare(chat=False)
        indexer = Indexer(
            pipeline=runtime.indexing, data_dir=settings.data_dir, uploads_dir=settings.uploads_path
        )
        report = indexer.sync(on_progress=lambda progress: render_progress(progress, sys.stderr))
    finally:
        runtime.close()
    print(
        json.dumps(
            {
                "seconds": round(report.seconds, 2),
                "indexed": report.indexed,
                "reused": report.reused,
                "failed": report.failed,
                "removed": report.removed_documents,
                "pages": report.pages_indexed,
                "chunks": report.chunks_embedded,
                "documents": [r.__dict__ for r in report.records],
            },
            indent=2,
        )
    )
    return 0


def _eval(args: argparse.Namespace) -> int:
    import asyncio
    from pathlib import Path

    from tunedd_api.evaluation.runner import run_evaluation

    overrides = {"data_dir": args.data} if args.data else {}
    settings = Settings(**overrides)
    report = asyncio.run(run_evaluation(settings, answers=args.answers, limit=args.limit))
    print("| metric | value |\n|---|---|")
    for section in ("retrieval", "gate", "answers"):
        values = report.get(section, {})
        for key, value in values.get("summary", values).items():
            if key != "rows":
                print(f"| {section}.{key} | {value} |")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    recall = report["retrieval"]["page_recall@5"]
    if args.min_page_recall is not None and recall < args.min_page_recall:
        print(f"FAIL: page recall@5 {recall:.3f} < {args.min_page_recall:.3f}", file=sys.stderr)
        return 1
    refused = report["gate"]["answerable_refused"]
    if args.max_gate_refusals is not None and len(refused) > args.max_gate_refusals:
        print(f"FAIL: the relevance gate refuses answerable {refused}", file=sys.stderr)
        return 1
    return 0


def _dump_pipelines(args: argparse.Namespace) -> int:
    from pathlib import Path

    from tunedd_api.pipelines.diagram import mermaid
    from tunedd_api.runtime import build_runtime

    runtime = build_runtime(Settings())  # builds the graphs; loads and connects nothing
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name, pipeline in (("indexing", runtime.indexing), ("chat", runtime.chat)):
        path = out / f"{name}.yml"
        path.write_text(pipeline.dumps(), encoding="utf-8")
        (out / f"{name}.mmd").write_text(mermaid(pipeline), encoding="utf-8")
        print(f"wrote {path} and {name}.mmd ({runtime.stack.name} stack)")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse arguments and run the chosen command."""
    parser = argparse.ArgumentParser(prog="tunedd", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the API (settings from env / .env)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--allow-unauthenticated",
        action="store_true",
        help="serve on a non-loopback address with API keys off (trusted networks only)",
    )
    serve.set_defaults(run=_serve)
    index = commands.add_parser("index", help="index the data folder, print a report, exit")
    index.set_defaults(run=_index)
    evaluate = commands.add_parser(
        "eval", help="retrieval (and with --answers, answer) quality on the labelled questions"
    )
    evaluate.add_argument("--data", help="folder with the five papers (default: RAG_DATA_DIR)")
    evaluate.add_argument(
        "--answers", action="store_true", help="also generate and judge every answer (slow)"
    )
    evaluate.add_argument("--limit", type=int, help="only the first N questions")
    evaluate.add_argument("--json", help="write the full report to this file")
    evaluate.add_argument(
        "--min-page-recall", type=float, help="exit 1 if page-level recall@5 is below this"
    )
    evaluate.add_argument(
        "--max-gate-refusals",
        type=int,
        help="exit 1 if the relevance gate refuses more answerable questions than this",
    )
    evaluate.set_defaults(run=_eval)
    pipelines = commands.add_parser("pipelines", help="the Haystack graphs of the configured stack")
    pipeline_commands = pipelines.add_subparsers(dest="pipelines_command", required=True)
    dump = pipeline_commands.add_parser(
        "dump", help="write indexing.yml and chat.yml (+ Mermaid .mmd diagrams)"
    )
    dump.add_argument("--out", default="pipelines", help="folder to write to (default: pipelines)")
    dump.set_defaults(run=_dump_pipelines)
    add_records_commands(commands)
    add_keys_commands(commands)
    add_documents_commands(commands)
    args = parser.parse_args(argv)
    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
