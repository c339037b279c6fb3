"""The relevance gate on the labelled set: which questions it would refuse without the LLM.

The gate refuses when no retrieved chunk is relevant (cosine under ``RAG_MIN_RELEVANCE`` and
no name of the question in a top keyword hit). An answerable question refused here can never
be answered, so the CI gate requires none; unanswerable questions are near-topic on purpose
and mostly pass it (refusing them is the model's and the answer policy's job), so their count
is reported, not required.
"""

from __future__ import annotations

from typing import Any, Callable

from tunedd_api.evaluation.dataset import EvalQuestion
from tunedd_api.evaluation.retrieval import query_for

#: passes(query_text) → whether the gate lets the question through to the LLM
Passes = Callable[[str], bool]


def evaluate_gate(questions: list[EvalQuestion], passes: Passes) -> dict[str, Any]:
    """Answerable questions the gate refuses (ids) and unanswerable ones it refuses (count)."""
    by_id = {q.id: q for q in questions}
    refused = [q for q in questions if not passes(query_for(q, by_id))]
    answerable_refused = [q.id for q in refused if q.answerable]
    unanswerable = [q for q in questions if not q.answerable]
    return {
        "answerable_refused": answerable_refused,
        "unanswerable_refused": sum(not q.answerable for q in refused),
        "unanswerable": len(unanswerable),
    }
