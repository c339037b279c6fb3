"""How much of the labelled evidence survives evidence selection, per source-token budget.

Usage: python -m benchmarks.evidence [--budgets 0,300,600,1000] [--top-k 5]

No LLM: for every answerable labelled question (a follow-up is asked as its first question
plus itself, as the rewriter's fallback does) the chat graph's retriever and evidence selector
run, and the selected text is checked for the question's verbatim evidence sentence: *hit*
when at least 80 % of the evidence's content words are in the selected text of the right
paper. Budget 0 is the whole chunks (the upper bound selection can reach). Also reports the
source tokens sent to the model. Writes ``docs/results/evidence.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path
from typing import Any

from benchmarks.bench_index import bench_runtime
from tunedd_api.components.grounding import content_words
from tunedd_api.evaluation.dataset import EvalQuestion, load_questions
from tunedd_api.turns import estimate_tokens

HIT = 0.8


def evidence_coverage(question: EvalQuestion, sources: list[Any]) -> float:
    """Share of the evidence's content words found in the right paper's selected text."""
    wanted = content_words(question.evidence or "")
    text = " ".join(
        s.document.content or ""
        for s in sources
        if s.document.meta["file_name"].startswith(question.file or "\0")
    )
    return len(wanted & content_words(text)) / len(wanted) if wanted else 0.0


def run(budgets: list[int], top_k: int, neighbours: int = 1) -> dict[str, Any]:
    """Retrieve once per question, select under every budget, score."""
    runtime = bench_runtime(top_k=top_k)
    runtime.indexing.warm_up()
    retriever = runtime.chat.get_component("retriever")
    selector = runtime.chat.get_component("selector")
    selector.warm_up()
    selector.neighbours = neighbours
    questions = load_questions()
    by_id = {q.id: q for q in questions}
    rows = []
    for question in (q for q in questions if q.answerable):
        query = question.question
        if question.follows:
            query = f"{by_id[question.follows].question} {query}"
        relevant = retriever.run(query=query)["relevant"]
        row: dict[str, Any] = {"id": question.id}
        for budget in budgets:
            selector.budget_tokens = budget
            sources = selector.run(question=query, sources=relevant)["sources"]
            coverage = evidence_coverage(question, sources)
            row[str(budget)] = {
                "coverage": round(coverage, 3),
                "hit": coverage >= HIT,
                "tokens": sum(estimate_tokens(s.document.content or "") for s in sources),
            }
        rows.append(row)
    summary = {
        str(budget): {
            "evidence_hit": round(statistics.mean(r[str(budget)]["hit"] for r in rows), 3),
            "mean_coverage": round(statistics.mean(r[str(budget)]["coverage"] for r in rows), 3),
            "median_source_tokens": statistics.median(r[str(budget)]["tokens"] for r in rows),
        }
        for budget in budgets
    }
    return {
        "top_k": top_k,
        "neighbours": neighbours,
        "questions": len(rows),
        "summary": summary,
        "rows": rows,
    }


def main() -> None:
    """Parse arguments, run, print and save."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budgets", default="0,300,600,1000")
    parser.add_argument("--top-k", type=int, default=5)
    parser.add_argument("--neighbours", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("docs/results/evidence.json"))
    args = parser.parse_args()
    result = run([int(b) for b in args.budgets.split(",")], args.top_k, args.neighbours)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print("| budget | evidence hit | mean coverage | median source tokens |\n|---|---|---|---|")
    for budget, figures in result["summary"].items():
        print(
            f"| {budget} | {figures['evidence_hit']} | {figures['mean_coverage']} "
            f"| {figures['median_source_tokens']} |"
        )


if __name__ == "__main__":
    main()
