"""Per-question answer rows, their summary and Markdown tables, shared by ``tunedd eval
--answers`` and ``benchmarks.answers`` so that both score answers the same way.

A row is plain JSON: the verdict of :func:`~tunedd_api.evaluation.judge.judge`, whether a
citation points at the right page, groundedness, latency and whatever per-stage timings the
caller measured. The summary counts verdicts over the answerable questions, refusals over the
unanswerable ones, and medians of latency.
"""

from __future__ import annotations

import statistics
import time
from typing import Any, Iterable, Mapping, Sequence

from tunedd_api.chat.events import ChatEvent, ChatTurn, TokenStreamed
from tunedd_api.evaluation.dataset import EvalQuestion
from tunedd_api.evaluation.judge import judge
from tunedd_api.turns import Citation

ANSWER_CHARS = 400
VERDICTS = ("correct", "partial", "wrong", "refused")


class TurnClock:
    """Times one chat turn: pass :meth:`on_event` to ``ChatService.send``."""

    def __init__(self) -> None:
        self._started = time.perf_counter()
        self.marks: dict[str, float] = {}

    def on_event(self, event: ChatEvent) -> None:
        """Record the first retrieval event and the first streamed token (thread-safe)."""
        name = "first_token_s" if isinstance(event, TokenStreamed) else "retrieval_s"
        self.marks.setdefault(name, time.perf_counter() - self._started)

    def elapsed(self) -> float:
        """Seconds since the clock was made."""
        return time.perf_counter() - self._started


def right_page_citation(question: EvalQuestion, citations: Iterable[Citation]) -> bool:
    """Whether a citation is of the question's paper and spans one of its evidence pages."""
    return question.file is not None and any(
        c.file_name.startswith(question.file) and set(c.pages) & set(question.pages)
        for c in citations
    )


def answer_row(
    question: EvalQuestion,
    turn: ChatTurn,
    *,
    first_token_s: float | None,
    total_s: float,
    timings: Mapping[str, float] | None = None,
) -> dict[str, Any]:
    """One question's outcome as a JSON-ready row."""
    text = turn.message.content
    answered = turn.answered_from_documents
    verdict = judge(question, text, answered)
    groundedness = turn.message.groundedness
    dropped = turn.answer.dropped_citations
    return {
        "id": question.id,
        "kind": question.kind,
        "answerable": question.answerable,
        "verdict": verdict.verdict,
        "facts_matched": [list(group) for group in verdict.matched_facts],
        "facts_missing": [list(group) for group in verdict.missing_facts],
        "contradictions_hit": list(verdict.contradictions),
        "answered": answered,
        "right_page_citation": right_page_citation(question, turn.message.citations),
        "citations": len(turn.message.citations),
        "citations_added": sum(c.added_by_verifier for c in turn.message.citations),
        "markers_removed_invented": sum(d.reason == "no_such_source" for d in dropped),
        "markers_removed_unsupported": sum(d.reason == "unsupported" for d in dropped),
        "groundedness": groundedness,
        "presented_as_grounded_with_zero": answered and groundedness == 0.0,
        "query_rewrite": turn.query.method,
        "first_token_s": None if first_token_s is None else round(first_token_s, 2),
        "total_s": round(total_s, 2),
        "timings": dict(timings or {}),
        "answer": text[:ANSWER_CHARS],
    }


def summarise(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Verdict counts and shares (of the answerable questions), refusals of the unanswerable
    ones, right-page citations, groundedness and median latency."""
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    answered = [r for r in answerable if r["answered"]]
    counts = {v: sum(r["verdict"] == v for r in answerable) for v in VERDICTS}
    grounded = [r["groundedness"] for r in rows if r["answered"] and r["groundedness"] is not None]
    first_tokens = [r["first_token_s"] for r in rows if r["first_token_s"] is not None]
    refused_unanswerable = sum(r["verdict"] == "refused" for r in unanswerable)
    return {
        "questions": len(rows),
        "answerable": len(answerable),
        "correct": counts["correct"],
        "partial": counts["partial"],
        "wrong": counts["wrong"],
        "false_refusals": counts["refused"],
        "correct_share": _share(counts["correct"], len(answerable)),
        "partial_share": _share(counts["partial"], len(answerable)),
        "wrong_share": _share(counts["wrong"], len(answerable)),
        "false_refusal_share": _share(counts["refused"], len(answerable)),
        "unanswerable": len(unanswerable),
        "unanswerable_refused": refused_unanswerable,
        "unanswerable_refused_share": _share(refused_unanswerable, len(unanswerable)),
        "right_page_citation_of_answered": _share(
            sum(r["right_page_citation"] for r in answered), len(answered)
        ),
        "right_page_citation_of_answerable": _share(
            sum(r["right_page_citation"] for r in answerable), len(answerable)
        ),
        "grounded_zero_presented_as_grounded": sum(
            bool(r["presented_as_grounded_with_zero"]) for r in rows
        ),
        "mean_groundedness": round(statistics.mean(grounded), 4) if grounded else None,
        "median_first_token_s": _median(first_tokens),
        "median_total_s": _median([r["total_s"] for r in rows]),
    }


def comparison_markdown(results: Sequence[Mapping[str, Any]]) -> str:
    """Summaries side by side (one column per configuration), then each question's verdict.

    Each result is ``{"label": ..., "rows": [...], "summary": {...}}`` as the answers
    benchmark writes it; a question a configuration did not run shows as ``-``.
    """
    labels = [str(r.get("label") or f"run {i + 1}") for i, r in enumerate(results)]
    columns = " | ".join(labels) + " |\n|---|" + "---|" * len(labels)
    lines = [f"| metric | {columns}"]
    keys: list[str] = []
    for result in results:
        keys += [k for k in result["summary"] if k not in keys]
    for key in keys:
        cells = [_cell(r["summary"].get(key)) for r in results]
        lines.append(f"| {key} | " + " | ".join(cells) + " |")
    lines += ["", f"| stage (median of answers the model wrote) | {columns}"]
    for key in STAGES:
        cells = [_cell(stage_median(r["rows"], key)) for r in results]
        lines.append(f"| {key} | " + " | ".join(cells) + " |")
    verdicts = [{row["id"]: row["verdict"] for row in r["rows"]} for r in results]
    ids: list[str] = []
    for result in results:
        ids += [row["id"] for row in result["rows"] if row["id"] not in ids]
    lines += ["", f"| question | {columns}"]
    for qid in ids:
        lines.append(f"| {qid} | " + " | ".join(v.get(qid, "-") for v in verdicts) + " |")
    return "\n".join(lines) + "\n"


#: Per-stage timings and model counters a chat turn reports (``ChatTurn.timings``).
STAGES = (
    "rewrite_s",
    "retrieval_s",
    "selection_s",
    "prompt_s",
    "model_first_token_s",
    "generation_s",
    "verification_s",
    "prompt_tokens_evaluated",
    "prefill_tok_s",
    "decode_tokens",
    "decode_tok_s",
)


def stage_median(rows: Sequence[Mapping[str, Any]], key: str) -> float | None:
    """The median of one timing over the rows whose turn called the model."""
    values = [
        row["timings"][key]
        for row in rows
        if key in (row.get("timings") or {}) and "prefill_ms" in row["timings"]
    ]
    return _median(values)


def _cell(value: Any) -> str:
    return "-" if value is None else str(value)


def _share(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def _median(values: Sequence[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None
