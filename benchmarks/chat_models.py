"""Compares local chat models on the real papers: answer correctness, citations, latency.

Usage: python -m benchmarks.chat_models [model ...]   (default: qwen2.5-1.5b smollm2-135m)
Runs the whole app (embedded backend) through its HTTP API; prints a Markdown table.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from fastapi.testclient import TestClient

from benchmarks.questions import QUESTIONS, Question
from tunedd_api.turns import NOT_FOUND_ANSWER
from tunedd_api.main import create_app
from tunedd_api.settings import Settings

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "arxiv-ai-agents"


def _correct(question: Question, answer: str) -> bool:
    text = answer.lower()
    if question.file_prefix is None:
        return "do not contain" in text or answer == NOT_FOUND_ANSWER
    return all(any(alt in text for alt in group) for group in question.keywords)


def evaluate(model: str) -> dict:
    """Answer every question with ``model``; return aggregate figures."""
    settings = Settings(
        _env_file=None, data_dir=CORPUS, index_dir=Path(".tunedd/bench"), local_chat_model=model
    )
    rows = []
    with TestClient(create_app(settings)) as client:
        for question in QUESTIONS:
            conversation = client.post("/conversations").json()["id"]
            started = time.perf_counter()
            body = client.post(
                f"/conversations/{conversation}/messages", json={"message": question.text}
            ).json()
            seconds = time.perf_counter() - started
            cited_files = {c["file_name"] for c in body["citations"]}
            rows.append(
                {
                    "correct": _correct(question, body["answer"]),
                    "cited": bool(body["citations"]),
                    "cited_right": question.file_prefix is not None
                    and any(f.startswith(question.file_prefix) for f in cited_files),
                    "answerable": question.file_prefix is not None,
                    "llm_called": body["answered_from_documents"],
                    "seconds": seconds,
                    "answer": body["answer"],
                }
            )
            print(f"[{model}] {seconds:5.1f}s {question.text[:50]!r} -> {body['answer'][:160]!r}")
    answerable = [r for r in rows if r["answerable"]]
    llm_rows = [r for r in rows if r["llm_called"]]
    return {
        "model": model,
        "correct": sum(r["correct"] for r in rows),
        "total": len(rows),
        "cited_right": sum(r["cited_right"] for r in answerable),
        "answerable": len(answerable),
        "median_s": statistics.median(r["seconds"] for r in llm_rows) if llm_rows else 0.0,
    }


def main(models: list[str]) -> None:
    """Evaluate each model and print a Markdown table."""
    results = [evaluate(model) for model in models]
    print("\n| model | correct answers | cites the right paper | median answer latency |")
    print("|---|---|---|---|")
    for r in results:
        print(
            f"| {r['model']} | {r['correct']}/{r['total']} | {r['cited_right']}/{r['answerable']}"
            f" | {r['median_s']:.1f} s |"
        )


if __name__ == "__main__":
    main(sys.argv[1:] or ["qwen2.5-1.5b", "smollm2-135m"])
