"""Runs the evaluation through the real app state: index, retrieve, optionally answer.

Retrieval metrics need only the embedder (seconds); answer metrics run every question through
the chat service with the configured model (about 30 s per question with Qwen2.5-1.5B on two
cores), follow-ups in the same conversation as their first question.
"""

from __future__ import annotations

import asyncio
import logging
import statistics
import time
import uuid
from typing import Any

from tunedd_api.chat.events import ChatTurn
from tunedd_api.runtime import build_runtime
from tunedd_api.evaluation.dataset import EvalQuestion, load_questions
from tunedd_api.evaluation.retrieval import Hit, evaluate_retrieval
from tunedd_api.settings import Settings
from tunedd_api.state import AppState

logger = logging.getLogger(__name__)


def pick_subset(questions: list[EvalQuestion], limit: int | None) -> list[EvalQuestion]:
    """The first ``limit`` questions, keeping follow-ups with the question they follow."""
    if limit is None:
        return questions
    by_id = {q.id: q for q in questions}
    chosen: dict[str, EvalQuestion] = {}
    for question in questions:
        if len(chosen) >= limit:
            break
        if question.follows and question.follows in by_id:
            chosen.setdefault(question.follows, by_id[question.follows])
        chosen[question.id] = question
    return list(chosen.values())


async def run_evaluation(
    settings: Settings, *, answers: bool = False, limit: int | None = None
) -> dict[str, Any]:
    """Index the configured data folder and evaluate; returns the report as a dict."""
    questions = pick_subset(load_questions(), limit)
    state = AppState.build(await asyncio.to_thread(build_runtime, settings))
    await state.start()
    try:
        started = time.perf_counter()

        def search(text: str, k: int) -> list[Hit]:
            chunks = state.retriever.retrieve(text, document_ids=None, top_k=k)
            return [Hit(c.document.meta["file_name"], tuple(c.pages)) for c in chunks]

        retrieval = await asyncio.to_thread(evaluate_retrieval, questions, search)
        retrieval["seconds"] = round(time.perf_counter() - started, 2)
        report: dict[str, Any] = {"questions": len(questions), "retrieval": retrieval}
        if answers:
            report["answers"] = await _evaluate_answers(state, questions)
        return report
    finally:
        await state.stop()


async def _evaluate_answers(state: AppState, questions: list[EvalQuestion]) -> dict[str, Any]:
    conversations: dict[str, uuid.UUID] = {}
    rows = []
    for question in questions:
        if question.follows in conversations:
            conversation_id = conversations[question.follows]
        else:
            conversation_id = state.conversations.create(None).id
        conversations[question.id] = conversation_id
        started = time.perf_counter()
        turn = await state.chat.send(conversation_id, question.question)
        rows.append(_score(question, turn, time.perf_counter() - started))
        logger.info("%s answered in %.1fs: %s", question.id, rows[-1]["seconds"], rows[-1])
    return {"summary": _summarise(rows), "rows": rows}


def _score(question: EvalQuestion, turn: ChatTurn, seconds: float) -> dict[str, Any]:
    text = turn.message.content.lower()
    citations = turn.message.citations
    precise = [
        c
        for c in citations
        if question.file is not None
        and c.file_name.startswith(question.file)
        and set(c.pages) & set(question.pages)
    ]
    return {
        "id": question.id,
        "kind": question.kind,
        "answerable": question.answerable,
        "answered": turn.answered_from_documents,
        "correct": question.answerable
        and all(any(alt in text for alt in group) for group in question.keywords),
        "groundedness": turn.message.groundedness,
        "citations": len(citations),
        "precise_citations": len(precise),
        "seconds": round(seconds, 2),
    }


def _summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    grounded = [r["groundedness"] for r in rows if r["groundedness"] is not None]
    cited = sum(r["citations"] for r in answerable)
    return {
        "answer_keyword_accuracy": _ratio(sum(r["correct"] for r in answerable), len(answerable)),
        "answered_when_answerable": _ratio(sum(r["answered"] for r in answerable), len(answerable)),
        "correct_refusals": _ratio(sum(not r["answered"] for r in unanswerable), len(unanswerable)),
        "mean_groundedness": round(statistics.mean(grounded), 4) if grounded else None,
        "citation_precision": _ratio(sum(r["precise_citations"] for r in answerable), cited),
        "median_answer_s": round(statistics.median(r["seconds"] for r in rows), 2),
    }


def _ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None
