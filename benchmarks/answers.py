"""Answer latency and citation checks on the five papers with the embedded default model.

Usage: python -m benchmarks.answers [--model qwen2.5-1.5b] [--per-paper 2] [--unanswerable 3]

Streams each answer through the chat service and records time to the retrieval event, time to
the first token and the full answer time, plus what the citation check did: markers kept,
removed (invented / unsupported), added to uncited sentences, groundedness, and refusals.
Questions come from the evaluation set (first N factual questions per paper, one follow-up
pair, some unanswerable ones). Prints a Markdown table and writes JSON next to the docs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import uuid
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from tunedd_api.chat.events import TokenStreamed
from tunedd_api.evaluation.dataset import EvalQuestion, load_questions
from tunedd_api.main import create_app
from tunedd_api.settings import Settings

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "arxiv-ai-agents"


def pick(
    questions: list[EvalQuestion], per_paper: int, unanswerable: int
) -> list[list[EvalQuestion]]:
    """Conversations to run: single questions, one follow-up pair, unanswerable ones."""
    chosen: list[list[EvalQuestion]] = []
    for paper in ("Asadi", "Chan", "Du", "Han", "Wang"):
        factual = [q for q in questions if q.file == paper and q.kind == "factual"]
        chosen += [[q] for q in factual[:per_paper]]
    by_id = {q.id: q for q in questions}
    follow = next(q for q in questions if q.kind == "followup")
    chosen.append([by_id[follow.follows], follow])
    chosen += [[q] for q in questions if q.kind == "unanswerable"][:unanswerable]
    return chosen


def run(model: str, per_paper: int, unanswerable: int) -> dict[str, Any]:
    """Answer the picked questions; return per-question rows and aggregates."""
    settings = Settings(
        _env_file=None, data_dir=CORPUS, index_dir=Path(".tunedd/bench"), local_chat_model=model
    )
    rows = []
    with TestClient(create_app(settings)) as client:
        chat = client.app.state.tunedd.chat
        assert client.portal is not None
        for conversation in pick(load_questions(), per_paper, unanswerable):
            conversation_id = client.post("/conversations").json()["id"]
            for question in conversation:
                rows.append(_ask(client, chat, conversation_id, question))
                print(json.dumps(rows[-1])[:300], flush=True)
    return {"model": model, "rows": rows, "summary": _aggregate(rows)}


def _ask(client: TestClient, chat: Any, conversation_id: str, question: EvalQuestion) -> dict:
    marks: dict[str, float] = {}
    started = time.perf_counter()

    def on_event(event: Any) -> None:
        name = "token" if isinstance(event, TokenStreamed) else "retrieval"
        marks.setdefault(name, time.perf_counter() - started)

    async def send() -> Any:
        return await chat.send(uuid.UUID(conversation_id), question.question, on_event=on_event)

    turn = client.portal.call(send)
    total = time.perf_counter() - started
    cited_files = {c.file_name for c in turn.message.citations}
    return {
        "id": question.id,
        "kind": question.kind,
        "retrieval_s": round(marks.get("retrieval", total), 2),
        "first_token_s": round(marks["token"], 2) if "token" in marks else None,
        "total_s": round(total, 2),
        "answered": turn.answered_from_documents,
        "query_rewrite": turn.query.method,
        "citations": len(turn.message.citations),
        "added": sum(c.added_by_verifier for c in turn.message.citations),
        "invented": sum(d.reason == "no_such_source" for d in turn.answer.dropped_citations),
        "unsupported": sum(d.reason == "unsupported" for d in turn.answer.dropped_citations),
        "groundedness": turn.message.groundedness,
        "cites_right_paper": question.file is not None
        and any(f.startswith(question.file) for f in cited_files),
        "answer": turn.message.content[:300],
    }


def _aggregate(rows: list[dict]) -> dict[str, Any]:
    generated = [r for r in rows if r["first_token_s"] is not None]
    answerable = [r for r in rows if r["kind"] != "unanswerable"]
    unanswerable = [r for r in rows if r["kind"] == "unanswerable"]
    grounded = [r["groundedness"] for r in rows if r["groundedness"] is not None]
    return {
        "questions": len(rows),
        "median_first_token_s": _median([r["first_token_s"] for r in generated]),
        "median_total_s": _median([r["total_s"] for r in generated]),
        "median_retrieval_s": _median([r["retrieval_s"] for r in rows]),
        "answerable_answered": f"{sum(r['answered'] for r in answerable)}/{len(answerable)}",
        "unanswerable_refused": f"{sum(not r['answered'] for r in unanswerable)}"
        f"/{len(unanswerable)}",
        "cites_right_paper": f"{sum(r['cites_right_paper'] for r in answerable)}/{len(answerable)}",
        "citations_kept": sum(r["citations"] - r["added"] for r in rows),
        "citations_added": sum(r["added"] for r in rows),
        "markers_invented_removed": sum(r["invented"] for r in rows),
        "markers_unsupported_removed": sum(r["unsupported"] for r in rows),
        "mean_groundedness": round(statistics.mean(grounded), 3) if grounded else None,
    }


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None


def main() -> None:
    """Parse arguments, run, print and save."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="qwen2.5-1.5b")
    parser.add_argument("--per-paper", type=int, default=2)
    parser.add_argument("--unanswerable", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("docs/results/answers.json"))
    args = parser.parse_args()
    result = run(args.model, args.per_paper, args.unanswerable)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print("\n| metric | value |\n|---|---|")
    for key, value in result["summary"].items():
        print(f"| {key} | {value} |")


if __name__ == "__main__":
    main()
