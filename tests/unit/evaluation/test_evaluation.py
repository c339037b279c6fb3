"""The evaluation set and the retrieval metrics (with a scripted search, so values are exact)."""

from __future__ import annotations

from collections import Counter

import pytest

from tunedd_api.evaluation.dataset import EvalQuestion, load_questions
from tunedd_api.evaluation.retrieval import Hit, evaluate_retrieval, query_for
from tunedd_api.evaluation.runner import pick_subset


def question(qid: str, file: str | None, pages: tuple[int, ...], **extra) -> EvalQuestion:
    fields = dict(
        id=qid,
        question=f"question {qid}",
        file=file,
        pages=pages,
        evidence=None,
        reference="",
        keywords=(),
        kind="factual",
        follows=None,
    )
    fields.update(extra)
    return EvalQuestion(**fields)


def test_the_set_is_large_balanced_and_consistent() -> None:
    questions = load_questions()
    kinds = Counter(q.kind for q in questions)
    by_id = {q.id: q for q in questions}

    assert len(questions) >= 40 and len(by_id) == len(questions)
    assert kinds["followup"] >= 5 and kinds["unanswerable"] >= 5
    assert set(Counter(q.file for q in questions if q.answerable)) == {
        "Asadi",
        "Chan",
        "Du",
        "Han",
        "Wang",
    }
    for q in questions:
        assert q.answerable == bool(q.pages) == bool(q.evidence)
        if q.kind == "followup":
            assert by_id[q.follows].file == q.file


def test_recall_and_mrr_at_document_and_page_level() -> None:
    questions = [question("a", "Chan", (3,)), question("b", "Han", (2,)), question("c", None, ())]
    ranked = {
        "question a": [Hit("Du x.pdf", (1,)), Hit("Chan x.pdf", (2, 3))],  # page hit at rank 2
        "question b": [Hit("Han x.pdf", (5,)), Hit("Wang x.pdf", (2,))],  # doc hit, no page hit
    }

    scores = evaluate_retrieval(questions, lambda text, k: ranked[text][:k], ks=(1, 2))

    assert scores["questions"] == 2  # unanswerable questions are not retrieval questions
    assert scores["doc_recall@1"] == 0.5 and scores["doc_recall@2"] == 1.0
    assert scores["page_recall@1"] == 0.0 and scores["page_recall@2"] == 0.5
    assert scores["doc_mrr@2"] == pytest.approx((0.5 + 1.0) / 2)
    assert scores["page_mrr@2"] == pytest.approx((0.5 + 0.0) / 2)


def test_follow_up_is_searched_with_its_first_question() -> None:
    first = question("a", "Chan", (3,))
    follow = question("b", "Chan", (4,), kind="followup", follows="a")
    assert query_for(follow, {"a": first, "b": follow}) == "question a question b"


def test_subset_keeps_a_follow_up_with_the_question_it_follows() -> None:
    questions = load_questions()
    follow = next(q for q in questions if q.kind == "followup")
    reordered = [follow] + [q for q in questions if q is not follow]

    subset = pick_subset(reordered, 1)

    assert [q.id for q in subset] == [follow.follows, follow.id]
