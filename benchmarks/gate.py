"""The relevance gate on the labelled questions: which would it refuse, at which threshold.

Usage: python -m benchmarks.gate

No LLM. For every labelled question (a follow-up asked as its first question plus itself)
the chat graph's retriever runs once; recorded per question: the best chunk's cosine
similarity to the query, how many of the top-k chunks clear the gate's threshold, and for
answerable questions whether a chunk holding the evidence page is among the top-k and among
those that clear it. Then, per threshold, the gate as a classifier of "refuse": false refusals
(answerable questions refused), unanswerable questions refused, precision and recall. The
unanswerable questions are near-topic on purpose, so most clear any gate that keeps every
answerable one: refusing them is the model's and the answer policy's job. Writes
``docs/results/gate.json``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from benchmarks.bench_index import bench_runtime, on_evidence_page
from tunedd_api.evaluation.dataset import load_questions

THRESHOLDS = (0.1, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5)


def run() -> dict[str, Any]:
    """Retrieve for every question; sweep the threshold."""
    runtime = bench_runtime()
    retriever = runtime.chat.get_component("retriever")
    questions = load_questions()
    by_id = {q.id: q for q in questions}
    rows = []
    for question in questions:
        query = question.question
        if question.follows:
            query = f"{by_id[question.follows].question} {query}"
        out = retriever.run(query=query)
        chunks, relevant = out["chunks"], out["relevant"]
        rows.append(
            {
                "id": question.id,
                "answerable": question.answerable,
                "best_cosine": round(max((c.similarity for c in chunks), default=0.0), 4),
                "relevant": len(relevant),
                "evidence_in_top_k": any(on_evidence_page(question, c.document) for c in chunks),
                "evidence_kept_by_gate": any(
                    on_evidence_page(question, c.document) for c in relevant
                ),
            }
        )
    sweep = []
    for threshold in THRESHOLDS:
        refused = [r for r in rows if r["best_cosine"] < threshold]
        false_refusals = [r["id"] for r in refused if r["answerable"]]
        true_refusals = [r for r in refused if not r["answerable"]]
        unanswerable = sum(not r["answerable"] for r in rows)
        sweep.append(
            {
                "threshold": threshold,
                "false_refusals": false_refusals,
                "unanswerable_refused": len(true_refusals),
                "precision": round(len(true_refusals) / len(refused), 3) if refused else None,
                "recall": round(len(true_refusals) / unanswerable, 3),
            }
        )
    answerable = [r for r in rows if r["answerable"]]
    lost = [
        r["id"] for r in answerable if r["evidence_in_top_k"] and not r["evidence_kept_by_gate"]
    ]
    return {
        "min_relevance": runtime.settings.min_relevance,
        "sweep": sweep,
        "evidence_dropped_by_per_chunk_gate": lost,
        "lowest_answerable_cosine": min(r["best_cosine"] for r in answerable),
        "highest_unanswerable_cosine": max(r["best_cosine"] for r in rows if not r["answerable"]),
        "rows": rows,
    }


def main() -> None:
    """Run, print and save."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/results/gate.json"))
    args = parser.parse_args()
    result = run()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print("| threshold | answerable refused | unanswerable refused | precision | recall |")
    print("|---|---|---|---|---|")
    for row in result["sweep"]:
        print(
            f"| {row['threshold']} | {len(row['false_refusals'])} | {row['unanswerable_refused']}"
            f" | {row['precision']} | {row['recall']} |"
        )
    for key in ("lowest_answerable_cosine", "highest_unanswerable_cosine"):
        print(f"{key}: {result[key]}")
    print("evidence dropped by the per-chunk gate:", result["evidence_dropped_by_per_chunk_gate"])


if __name__ == "__main__":
    main()
