"""Cold indexing of the five papers against the embedder bound, for one checkout.

Usage: python benchmarks/ingestion.py [--runs 2] [--label NAME] [--out FILE]

Run it as a file so that ``PYTHONPATH`` decides which ``tunedd_api`` is measured (e.g. a git
worktree of an earlier commit), and the same script measures both sides. Each run indexes the
corpus into a fresh directory (cold: every chunk parsed, split, embedded and written) and then
times the bare encoder on the same chunk texts (the embedder bound). The chat model is never
loaded.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from tunedd_api.backends.embedded.backend import EmbeddedStack
from tunedd_api.indexing.indexer import Indexer
from tunedd_api.runtime import build_runtime
from tunedd_api.settings import Settings

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "arxiv-ai-agents"


def one_run() -> dict[str, float]:
    index_dir = Path(tempfile.mkdtemp(prefix="tunedd-ingest-"))
    settings = Settings(_env_file=None, data_dir=CORPUS, index_dir=index_dir)
    runtime = build_runtime(settings, stack=EmbeddedStack(settings))
    runtime.prepare(chat=False)
    report = Indexer(pipeline=runtime.indexing, data_dir=settings.data_dir).sync()
    texts = [d.content or "" for d in runtime.stack.document_store.filter_documents()]
    started = time.perf_counter()
    runtime.stack.document_embedder.encoder.encode(texts, batch_size=settings.embedding_batch_size)
    bound = len(texts) / (time.perf_counter() - started)
    runtime.close()
    shutil.rmtree(index_dir, ignore_errors=True)
    rate = report.chunks_embedded / report.seconds
    return {
        "chunks": report.chunks_embedded,
        "cold_s": round(report.seconds, 2),
        "chunks_per_s": round(rate, 2),
        "embedder_bound_chunks_per_s": round(bound, 2),
        "share_of_bound": round(rate / bound, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--label", default="current")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    runs = [one_run() for _ in range(args.runs)]
    result = {
        "label": args.label,
        "runs": runs,
        "median_share_of_bound": statistics.median(r["share_of_bound"] for r in runs),
        "median_cold_s": statistics.median(r["cold_s"] for r in runs),
    }
    print(json.dumps(result, indent=2))
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
