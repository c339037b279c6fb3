"""Retrieval quality on the labelled set: recall@k and MRR at document and page level.

A retrieved chunk is a document hit when it comes from the question's paper, and a page hit
when it also spans one of the evidence pages. Recall@k and MRR are computed with Haystack's
``DocumentRecallEvaluator`` (single hit) and ``DocumentMRREvaluator`` on documents whose content
is the hit key (``Chan`` or ``Chan:3``), so the metric code is Haystack's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

from haystack import Document
from haystack.components.evaluators import DocumentMRREvaluator, DocumentRecallEvaluator

from tunedd_api.evaluation.dataset import EvalQuestion

KS = (1, 3, 5, 10)


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk as the evaluation sees it."""

    file_name: str
    pages: tuple[int, ...]


#: search(query_text, k) → ranked hits
Search = Callable[[str, int], Sequence[Hit]]


def query_for(question: EvalQuestion, by_id: dict[str, EvalQuestion]) -> str:
    """What the app would search without the LLM: follow-ups get the previous question."""
    if question.kind == "followup" and question.follows in by_id:
        return f"{by_id[question.follows].question} {question.question}"
    return question.question


def evaluate_retrieval(
    questions: list[EvalQuestion], search: Search, ks: Sequence[int] = KS
) -> dict[str, float]:
    """Recall@k (a hit among the top k chunks) for each k and MRR@max(k), at document and page
    level, over the answerable questions."""
    by_id = {q.id: q for q in questions}
    answerable = [q for q in questions if q.answerable]
    depth = max(ks)
    doc_truth, page_truth, doc_runs, page_runs = [], [], [], []
    for question in answerable:
        hits = list(search(query_for(question, by_id), depth))
        doc_truth.append([Document(content=question.file)])
        page_truth.append([Document(content=f"{question.file}:{p}") for p in question.pages])
        doc_runs.append([Document(content=_doc_key(hit)) for hit in hits])
        page_runs.append([Document(content=_page_key(hit, question)) for hit in hits])
    result: dict[str, float] = {"questions": float(len(answerable))}
    recall = DocumentRecallEvaluator(mode="single_hit")
    mrr = DocumentMRREvaluator()
    for level, truth, runs in (("doc", doc_truth, doc_runs), ("page", page_truth, page_runs)):
        for k in ks:
            cut = [run[:k] for run in runs]
            score = recall.run(ground_truth_documents=truth, retrieved_documents=cut)["score"]
            result[f"{level}_recall@{k}"] = round(score, 4)
        result[f"{level}_mrr@{depth}"] = round(
            mrr.run(ground_truth_documents=truth, retrieved_documents=runs)["score"], 4
        )
    return result


def _doc_key(hit: Hit) -> str:
    return hit.file_name.split(" ")[0]


def _page_key(hit: Hit, question: EvalQuestion) -> str:
    """``file:page``, choosing an evidence page when the chunk spans one."""
    file_key = _doc_key(hit)
    matching = [p for p in hit.pages if p in question.pages] if file_key == question.file else []
    page = matching[0] if matching else (hit.pages[0] if hit.pages else 0)
    return f"{file_key}:{page}"
