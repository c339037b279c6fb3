"""Runs the evaluation through the real app state: index, retrieve, optionally answer.

Retrieval metrics need only the embedder (seconds); answer metrics run every question through
the chat service with the configured model (about 30 s per question with Qwen2.5-1.5B on two
cores), follow-ups in the same conversation as their first question, and judge each answer
(``evaluation.report``, the same rows and summary as ``benchmarks.answers``).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from typing import Any

from tunedd_api.runtime import build_runtime
from tunedd_api.evaluation.dataset import EvalQuestion, load_questions
from tunedd_api.evaluation.report import TurnClock, answer_row, summarise
from tunedd_api.evaluation.gate import evaluate_gate
from tunedd_api.evaluation.retrieval import Hit, evaluate_retrieval
from tunedd_api.chat.memory_conversations import InMemoryConversationStore
from tunedd_api.settings import Settings
from tunedd_api.state import AppState
from tunedd_api.storage.migrate import open_app_database

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
    runtime = await asyncio.to_thread(build_runtime, settings)
    database = await asyncio.to_thread(open_app_database, settings.app_database_url)
    state = AppState.build(runtime, InMemoryConversationStore(), database)
    await state.start()
    try:
        started = time.perf_counter()

        def search(text: str, k: int) -> list[Hit]:
            chunks = state.retriever.retrieve(text, document_ids=None, top_k=k)
            return [Hit(c.document.meta["file_name"], tuple(c.pages)) for c in chunks]

        retrieval = await asyncio.to_thread(evaluate_retrieval, questions, search)
        retrieval["seconds"] = round(time.perf_counter() - started, 2)

        def passes(text: str) -> bool:
            return bool(state.retriever.run(query=text)["relevant"])

        gate = await asyncio.to_thread(evaluate_gate, questions, passes)
        report: dict[str, Any] = {
            "questions": len(questions),
            "retrieval": retrieval,
            "gate": gate,
        }
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
        clock = TurnClock()
        turn = await state.chat.send(conversation_id, question.question, on_event=clock.on_event)
        total = clock.elapsed()
        rows.append(
            answer_row(
                question,
                turn,
                first_token_s=clock.marks.get("first_token_s"),
                total_s=total,
                timings=turn.timings,
            )
        )
        logger.info("%s %s in %.1fs", question.id, rows[-1]["verdict"], total)
    return {"summary": summarise(rows), "rows": rows}
