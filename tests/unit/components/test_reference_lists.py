"""Reference lists and author lists are told from prose by their entry marks and few words."""

from __future__ import annotations

import pytest

from tunedd_api.components.reference_lists import asks_for_references, looks_like_reference_list

PROSE = (
    "Case-based reasoning empowers agents to retrieve, reuse, revise, and retain cases "
    "[Watson and Marir, 1994]. In the CA-MAS proposed by [Kwon and Sadeh, 2004], agents "
    "compare the current context with stored cases before they act."
)
NUMBERED = (
    "[9] Markus Anderljung, Joslyn Barnhart, Anton Korinek. 2023. Frontier AI Regulation. "
    "arXiv:2307.03718. [10] Hui Bai, Jan G. Voelkel. 2024. Artificial Intelligence Can "
    "Persuade Humans. https://doi.org/10.31219/osf.io/stakv"
)
AUTHOR_YEAR = (
    "[Abbas et al., 2015] Assad Abbas, Limin Zhang, and Samee U Khan. A survey on context-aware "
    "recommender systems. Journal of Systems and Software, 117:55–83, 2016. [Qin et al., 2016] "
    "Jiahu Qin, Qichao Ma, Yang Shi. Recent advances in consensus. IEEE Transactions, 2016."
)
NAMES = (
    "Varun Godbole, Sina Samangooei, Bogdan Damoc, Alex Kaskasoli, Sébastien M. R. Arnold, "
    "Vijay Vasudevan, Shubham Agrawal, Jason Riesa, Dmitry Lepikhin, Richard Tanburn"
)


@pytest.mark.parametrize("text", [NUMBERED, AUTHOR_YEAR, NAMES])
def test_reference_entries_and_name_lists_are_lists(text: str) -> None:
    assert looks_like_reference_list(text, chunk_index=40)


def test_prose_with_inline_citations_is_not_a_list() -> None:
    assert not looks_like_reference_list(PROSE, chunk_index=40)


CONCLUSION = (
    "We discussed this framework with the new SMFFNN model as the classifier of a clinical "
    "organisation. The new model is derived by applying the PWLA technique to BPN, so other "
    "neural network models can be changed in the same way by applying PWLA as well. For future "
    "work, we will improve this intelligent framework by using other new models and apply them "
    "to other environments. "
)


def test_a_conclusion_running_into_the_references_is_prose() -> None:
    references = f"REFERENCES {NUMBERED} {NUMBERED}"
    assert not looks_like_reference_list(CONCLUSION + references, chunk_index=29)


def test_a_heading_line_before_the_references_does_not_make_them_prose() -> None:
    lead = "the authors thank the reviewers. REFERENCES "
    assert looks_like_reference_list(lead + NUMBERED + " " + NUMBERED, chunk_index=30)


@pytest.mark.parametrize(
    "text",
    [
        "Widget A 12.50 Widget B 13.00 Gadget C 9.99 Model X Pro 120 Model Y 80",
        "Name Role Team Alice Smith Engineer Platform Bob Jones Designer Web Carol White Ops",
    ],
)
def test_a_table_without_running_text_is_not_a_reference_list(text: str) -> None:
    assert not looks_like_reference_list(text, chunk_index=3)


def test_the_first_chunk_with_title_and_authors_is_never_a_list() -> None:
    assert not looks_like_reference_list(NAMES, chunk_index=0)
    assert looks_like_reference_list(NAMES, chunk_index=None)


def test_questions_about_references_are_recognised() -> None:
    assert asks_for_references("Which works does the survey cite for consensus?")
    assert not asks_for_references("What operations does case-based reasoning give agents?")
