"""Unit tests of the answer policy: an answer with no supported sentence, nothing left, or a
yes/no contradicting its passage is replaced by a quote of the evidence or the refusal."""

from __future__ import annotations

from haystack import Document

from dataclasses import replace

from tunedd_api.components.answer_checks import (
    asks_comparison,
    asks_quantity,
    contradicts_polarity,
    restates_question,
)
from tunedd_api.components.answer_policy import QUOTE_INTRO, AnswerPolicy
from tunedd_api.components.evidence_selector import EvidenceSentence
from tunedd_api.turns import NOT_FOUND_ANSWER, Answer, Citation, RetrievedChunk

SOURCE = RetrievedChunk(
    document=Document(
        content="… The planner decomposes each task into subgoals. It then ranks them. …",
        meta={"document_id": "d1", "file_name": "paper.pdf", "title": "Paper", "pages": [4]},
    ),
    similarity=0.7,
)
EVIDENCE = [
    EvidenceSentence("The planner decomposes each task into subgoals.", 1, 0, 1, 1.2, 0.8, 0.8),
    EvidenceSentence("It then ranks them.", 1, 0, 2, 0.4, 0.3, 0.0),
    EvidenceSentence("Copyright 2024 planner.", 1, 0, 0, -1.0, 0.5, 0.5),
]
QUESTION = "How does the planner handle a task?"


def _citation(snippet: str) -> Citation:
    return Citation(1, "d1", "paper.pdf", "Paper", [4], snippet, 0.7, 0.9)


def _answer(text: str, groundedness: float | None, snippet: str = "planner") -> Answer:
    citations = (_citation(snippet),) if groundedness else ()
    return Answer(
        text=text, citations=citations, answered_from_documents=True, groundedness=groundedness
    )


def run(answer: Answer, fallback: str = "quote", question: str = QUESTION) -> Answer:
    policy = AnswerPolicy(fallback=fallback)
    return policy.run(answer=answer, question=question, sources=[SOURCE], evidence=EVIDENCE)[
        "answer"
    ]


def test_a_supported_answer_passes_unchanged() -> None:
    answer = _answer("The planner splits tasks into subgoals [1].", 1.0)
    assert run(answer) is answer


def test_an_unsupported_answer_becomes_a_verbatim_quote_with_its_citation() -> None:
    shown = run(_answer("The planner reaches 97.3% accuracy on WebArena.", 0.0))
    assert shown.kind == "quote" and not shown.answered_from_documents  # a pointer, not an answer
    assert shown.text == f"{QUOTE_INTRO} “The planner decomposes each task into subgoals.” [1]"
    assert [c.number for c in shown.citations] == [1] and shown.citations[0].pages == [4]
    assert shown.groundedness == 1.0
    assert "Copyright" not in shown.text  # boilerplate is never quoted


def test_refuse_mode_gives_the_refusal() -> None:
    shown = run(_answer("Invented.", 0.0), fallback="refuse")
    assert shown.text == NOT_FOUND_ANSWER and shown.kind == "not_found"
    assert not shown.answered_from_documents


def test_an_answer_with_no_claim_left_is_replaced() -> None:
    assert run(_answer("Yes.", None)).kind == "quote"


def test_no_evidence_sharing_a_question_word_gives_the_refusal() -> None:
    shown = run(_answer("Invented.", 0.0), question="Which GPU was used?")
    assert shown.kind == "not_found"


def test_refusals_pass_through() -> None:
    refusal = Answer.not_found()
    assert run(refusal) is refusal


def test_yes_no_polarity_is_checked_against_the_cited_passage() -> None:
    question = "Does the planner rank the subgoals?"
    agrees = _answer("Yes, it ranks them [1].", 1.0, snippet="It then ranks them.")
    flips = _answer("No, it does not rank them [1].", 1.0, snippet="It then ranks them.")
    negated = _answer("No, it does not [1].", 1.0, snippet="It does not rank them.")
    assert not contradicts_polarity(question, agrees)
    assert contradicts_polarity(question, flips)
    assert not contradicts_polarity(question, negated)
    assert not contradicts_polarity("How are subgoals ranked?", flips)  # not a yes/no question
    assert run(flips, question=question).kind == "quote"


def test_an_unsupported_first_claim_is_not_shown_as_the_answer() -> None:
    answer = Answer(
        text="The planner scores 97 points [unverified]. It ranks subgoals [1].",
        citations=(_citation("ranks"),),
        answered_from_documents=True,
        groundedness=0.5,
        unsupported_sentences=("The planner scores 97 points.",),
        lead_supported=False,
    )
    assert run(answer).kind == "quote"
    assert run(replace(answer, lead_supported=True)).kind == "generated"


def test_a_how_many_question_needs_a_number_in_a_supported_sentence() -> None:
    question = "How many subgoals does the planner create?"
    evasive = _answer("The planner creates subgoals for each task [1].", 1.0)
    counted = _answer("The planner creates three subgoals per task [1].", 1.0)
    assert asks_quantity(question) and not asks_quantity(QUESTION)
    assert run(evasive, question=question).kind == "quote"
    assert run(counted, question=question).kind == "generated"
    unsupported_number = replace(
        _answer("It creates 12 subgoals [unverified]. Subgoals are ranked [1].", 0.5),
        unsupported_sentences=("It creates 12 subgoals.",),
    )
    assert run(unsupported_number, question=question).kind == "quote"
    dated = _answer("The planner creates subgoals in 2023 [1].", 1.0)
    assert run(dated, question=question).kind == "quote"


def test_an_answer_that_only_restates_the_question_is_not_an_answer() -> None:
    question = "Which vector database do the authors recommend for long-term memory?"
    restated = _answer("The authors recommend a vector database for long-term memory [1].", 1.0)
    answered = _answer("The authors recommend Milvus for long-term memory [1].", 1.0)
    assert restates_question(question, restated) and not restates_question(question, answered)
    assert run(restated, question=question).kind in {"quote", "not_found"}
    assert run(answered, question=question).kind == "generated"


def test_a_which_country_question_needs_a_name_the_question_did_not_give() -> None:
    question = "Which country's health network supplied the zone data in the Asadi framework?"
    evasive = _answer("The government's analysts classified the zones by two labels [1].", 1.0)
    named = _answer("The zone data came from the health network of Malaysia [1].", 1.0)
    echoed = _answer("The zones in the Asadi framework came from a health network [1].", 1.0)
    assert run(evasive, question=question).kind in {"quote", "not_found"}
    assert run(echoed, question=question).kind in {"quote", "not_found"}
    assert run(named, question=question).kind == "generated"
    assert run(evasive, question="Why are zones classified?").kind == "generated"


def test_a_which_product_question_needs_a_product_name() -> None:
    question = "Which vector database product do the authors recommend for long-term memory?"
    echoed = _answer(
        "The authors recommend a vector database product for long-term memory. "
        "Agents use consensus memory to align their strategies [1].",
        1.0,
    )
    named = _answer("The authors recommend Milvus for long-term memory [1].", 1.0)
    quoting = _answer(
        "The authors recommend a vector database product for long-term memory. It states: "
        '"Hierarchical Memory Storage: agents often have varied functionalities and needs [1].',
        1.0,
    )
    quoted_name = _answer('The authors recommend a product called "Milvus" [1].', 1.0)
    assert run(echoed, question=question).kind in {"quote", "not_found"}
    assert run(quoting, question=question).kind in {"quote", "not_found"}
    assert run(named, question=question).kind == "generated"
    assert run(quoted_name, question=question).kind == "generated"


def test_a_which_is_best_question_needs_a_cited_passage_that_compares() -> None:
    question = "Which LLM, GPT-4 or Llama 2, performed best in the debate experiments?"
    named_only = _answer("Llama 2 performed best [1].", 1.0, snippet="We also use Llama 2.")
    compared = _answer(
        "GPT-4 performed best [1].", 1.0, snippet="GPT-4 outperforms Llama 2 in every debate."
    )
    assert asks_comparison(question)
    assert run(named_only, question=question).kind in {"quote", "not_found"}
    assert run(compared, question=question).kind == "generated"
    assert run(named_only, question="Which LLMs are used in the debates?").kind == "generated"


def test_at_least_and_most_of_do_not_ask_for_a_comparison() -> None:
    assert not asks_comparison("Name at least two risks of agent logs.")
    assert not asks_comparison("What do most of the surveyed systems store?")
    assert asks_comparison("Which memory type is the most widely used?")
