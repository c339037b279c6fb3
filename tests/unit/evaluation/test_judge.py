"""The answer judge: normalisation, whole-word matching, the four verdicts, and the labels."""

from __future__ import annotations

import pytest

from tunedd_api.evaluation.dataset import EvalQuestion, load_questions
from tunedd_api.evaluation.judge import judge, mentions, normalise


def labelled(
    keywords: tuple[tuple[str, ...], ...] = (), contradictions: tuple[str, ...] = ()
) -> EvalQuestion:
    return EvalQuestion(
        id="q",
        question="question",
        file="Han",
        pages=(6,),
        evidence="evidence",
        reference="reference",
        keywords=keywords,
        kind="factual",
        follows=None,
        contradictions=contradictions,
    )


UNANSWERABLE = EvalQuestion(
    id="u",
    question="question",
    file=None,
    pages=(),
    evidence=None,
    reference="The corpus does not contain this information.",
    keywords=(),
    kind="unanswerable",
    follows=None,
)

EQUILIBRIA = labelled(
    keywords=(("stackelberg",), ("nash",)),
    contradictions=("nash equilibrium when there is a leader",),
)


def test_normalise_drops_markers_dashes_case_and_punctuation() -> None:
    text = "The  Stackelberg\u2013Nash [1][2] view, per “Han et al.” [3, 4]: Table-of-Thoughts/ToT!"
    assert normalise(text) == "the stackelberg nash view per han et al table of thoughts tot"


def test_normalise_keeps_decimals_percentages_and_inner_apostrophes() -> None:
    assert normalise("Accuracy 0.95, or 100%. Let\u2019s Encrypt's 'quoted'") == (
        "accuracy 0.95 or 100% let's encrypt's quoted"
    )
    assert normalise("\uff37\uff49\uff44\uff45 text") == "wide text"  # NFKC folds full-width


@pytest.mark.parametrize(
    "text, phrase, found",
    [
        ("i know the answer", "no", False),
        ("no, it does not", "no", True),
        ("logs kept for 172 hours", "72", False),
        ("logs kept for 72-hour windows", "72", True),
        ("several steps", "step", True),  # a plural on the phrase's last word
        ("the agent's identifier", "agent", True),  # a possessive
        ("stepwise", "step", False),
        ("tab cot and table of thoughts", "Table-of-Thoughts", True),  # phrase normalised too
        ("equi level structures", "equi-level", True),
    ],
)
def test_mentions_needs_whole_words(text: str, phrase: str, found: bool) -> None:
    assert mentions(normalise(text), phrase) is found


def test_every_fact_group_matched_is_correct() -> None:
    answer = "Stackelberg equilibrium [1] when there is a leader, Nash [2] when there is none."
    verdict = judge(EQUILIBRIA, answer, answered=True)
    assert verdict.verdict == "correct"
    assert verdict.matched_facts == (("stackelberg",), ("nash",)) and verdict.missing_facts == ()


def test_a_contradiction_makes_an_answer_with_all_facts_wrong() -> None:
    answer = "Nash equilibrium when there is a leader and Stackelberg otherwise."
    verdict = judge(EQUILIBRIA, answer, answered=True)
    assert verdict.verdict == "wrong"
    assert verdict.contradictions == ("nash equilibrium when there is a leader",)


def test_some_fact_groups_is_partial_and_none_is_wrong() -> None:
    partial = judge(EQUILIBRIA, "The Stackelberg equilibrium applies.", answered=True)
    assert partial.verdict == "partial"
    assert partial.matched_facts == (("stackelberg",),)
    assert partial.missing_facts == (("nash",),)
    assert judge(EQUILIBRIA, "A Pareto optimum.", answered=True).verdict == "wrong"


def test_refusals_for_both_kinds_of_question() -> None:
    refusal = "The selected documents do not contain this information."
    assert judge(EQUILIBRIA, refusal, answered=False).verdict == "refused"  # a false refusal
    assert judge(UNANSWERABLE, refusal, answered=False).verdict == "refused"  # the right one
    assert judge(UNANSWERABLE, "About 42 per cent [1].", answered=True).verdict == "wrong"


def test_the_set_has_near_topic_unanswerable_questions_and_consistent_labels() -> None:
    questions = load_questions()
    unanswerable = [q for q in questions if not q.answerable]

    assert len(unanswerable) >= 10
    assert all(q.kind == "unanswerable" and not q.contradictions for q in unanswerable)
    assert any(q.contradictions for q in questions)
    for q in questions:
        if q.answerable:
            assert q.keywords, q.id
            # Each question's own reference answer has every fact and no contradiction.
            assert judge(q, q.reference, answered=True).verdict == "correct", q.id
            for phrase in q.contradictions:
                assert normalise(phrase), q.id
                assert not mentions(normalise(q.evidence or ""), phrase), q.id
