"""Judged answers to the labelled questions for one configuration, or a comparison of several.

Usage:
  python -m benchmarks.answers [--model qwen2.5-1.5b] [--label NAME] [--set KEY=VALUE ...]
                               [--limit N] [--out PATH]
  python -m benchmarks.answers --compare a.json b.json ...

Streams every question of the evaluation set (follow-ups in the same conversation as the
question they follow; ``--limit`` takes the first N, keeping follow-ups with theirs) through
the chat service with the five papers indexed, and records the time to the retrieval event,
to the first token and to the full answer. Each answer is judged by the evaluation package
(facts, contradictions, refusals, right-page citations, groundedness; the same rows and
summary as ``tunedd eval --answers``). ``--set`` overrides any setting (``--set top_k=8``),
so runs differ by prompt, evidence budget or model. Writes ``{label, settings, model, rows,
summary}`` as JSON; ``--compare`` prints saved runs side by side as Markdown.
"""

from __future__ import annotations

import argparse
import json
import re
import uuid
from pathlib import Path
from typing import Any, Sequence

from fastapi.testclient import TestClient

from tunedd_api.evaluation.dataset import EvalQuestion, load_questions
from tunedd_api.evaluation.report import TurnClock, answer_row, comparison_markdown, summarise
from tunedd_api.evaluation.runner import pick_subset
from tunedd_api.main import create_app
from tunedd_api.settings import BackendKind, Settings

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "arxiv-ai-agents"
#: Settings that change the index: a run overriding one gets an index folder of its own.
INDEX_SETTINGS = ("chunk_size_tokens", "chunk_overlap_tokens", "embedding_model", "backend")


def parse_overrides(pairs: Sequence[str]) -> dict[str, str]:
    """``KEY=VALUE`` pairs as a dict; keys must be settings (pydantic converts the values)."""
    overrides = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip().lower().removeprefix("rag_")
        if not sep or key not in Settings.model_fields:
            raise ValueError(f"not a KEY=VALUE setting override: {pair!r}")
        overrides[key] = value
    return overrides


def build_settings(model: str, overrides: dict[str, str]) -> Settings:
    """The benchmark's settings: the five papers, the model, then the overrides."""
    index_dir = Path(".tunedd/bench")
    indexing = sorted(k for k in overrides if k in INDEX_SETTINGS)
    if indexing:
        suffix = "-".join(re.sub(r"[^A-Za-z0-9.]+", "_", f"{k}{overrides[k]}") for k in indexing)
        index_dir = Path(f".tunedd/bench-{suffix}")
    base: dict[str, Any] = {"data_dir": CORPUS, "index_dir": index_dir, "local_chat_model": model}
    return Settings(_env_file=None, **{**base, **overrides})


def run(
    model: str, label: str, overrides: dict[str, str], limit: int | None = None
) -> dict[str, Any]:
    """Answer the questions with one configuration; return its rows and summary."""
    settings = build_settings(model, overrides)
    questions = pick_subset(load_questions(), limit)
    rows = []
    conversations: dict[str, str] = {}
    with TestClient(create_app(settings)) as client:
        chat = client.app.state.tunedd.chat
        assert client.portal is not None
        for question in questions:
            if question.follows in conversations:
                conversation_id = conversations[question.follows]
            else:
                conversation_id = client.post("/conversations").json()["id"]
            conversations[question.id] = conversation_id
            rows.append(_ask(client, chat, conversation_id, question))
            print(json.dumps(rows[-1])[:300], flush=True)
    embedded = settings.backend == BackendKind.EMBEDDED
    return {
        "label": label,
        "settings": overrides,
        "model": settings.local_chat_model if embedded else settings.chat_model,
        "rows": rows,
        "summary": summarise(rows),
    }


def _ask(
    client: TestClient, chat: Any, conversation_id: str, question: EvalQuestion
) -> dict[str, Any]:
    clock = TurnClock()

    async def send() -> Any:
        return await chat.send(
            uuid.UUID(conversation_id), question.question, on_event=clock.on_event
        )

    turn = client.portal.call(send)
    total = clock.elapsed()
    return answer_row(
        question,
        turn,
        first_token_s=clock.marks.get("first_token_s"),
        total_s=total,
        timings=turn.timings,
    )


def compare(paths: Sequence[Path]) -> str:
    """Saved runs side by side: summaries, then each question's verdict."""
    return comparison_markdown([json.loads(p.read_text(encoding="utf-8")) for p in paths])


def main(argv: Sequence[str] | None = None) -> None:
    """Parse arguments; run and save one configuration, or compare saved ones."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--model", default="qwen2.5-1.5b", help="embedded chat model")
    parser.add_argument(
        "--label", help="name of this configuration (default: the model and the overrides)"
    )
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a setting override, repeatable (e.g. --set top_k=8)",
    )
    parser.add_argument("--limit", type=int, help="only the first N questions")
    parser.add_argument(
        "--out", type=Path, help="JSON file (default: docs/results/answers-LABEL.json)"
    )
    parser.add_argument("--compare", nargs="+", type=Path, metavar="RUN.json", help="compare runs")
    args = parser.parse_args(argv)
    if args.compare:
        print(compare(args.compare), end="")
        return
    try:
        overrides = parse_overrides(args.overrides)
    except ValueError as error:
        parser.error(str(error))
    model = overrides.get("local_chat_model", args.model)
    label = args.label or " ".join([model] + [f"{k}={v}" for k, v in overrides.items()])
    result = run(args.model, label, overrides, args.limit)
    out = (
        args.out or Path("docs/results") / f"answers-{re.sub(r'[^A-Za-z0-9.-]+', '_', label)}.json"
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {out}\n")
    print(comparison_markdown([result]), end="")


if __name__ == "__main__":
    main()
