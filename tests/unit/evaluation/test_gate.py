"""The relevance-gate evaluation: answerable questions refused are listed, follow-ups are
searched with the question they follow."""

from __future__ import annotations

from tunedd_api.evaluation.dataset import load_questions
from tunedd_api.evaluation.gate import evaluate_gate


def test_lists_answerable_refusals_and_counts_unanswerable_ones() -> None:
    questions = load_questions()
    refuse = {questions[0].question}
    refuse |= {q.question for q in questions if not q.answerable}
    seen: list[str] = []

    def passes(text: str) -> bool:
        seen.append(text)
        return text not in refuse

    result = evaluate_gate(questions, passes)
    assert result["answerable_refused"] == [questions[0].id]
    assert result["unanswerable_refused"] == result["unanswerable"] >= 10
    followup = next(q for q in questions if q.kind == "followup")
    assert any(text.endswith(followup.question) and text != followup.question for text in seen)
