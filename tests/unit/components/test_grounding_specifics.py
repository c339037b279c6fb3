"""Unit tests of the specifics check: numbers and names an answer asserts from nowhere."""

from __future__ import annotations

from tunedd_api.components.grounding import missing_specifics, specifics


def test_specifics_are_numbers_counts_and_names_not_openers_or_list_numbers() -> None:
    found = specifics(
        "However, the DQN agent of Wang reached 97.5% in 2021 after 3 steps in Section 4."
    )
    assert found == {"dqn", "wang", "97.5", "2021", "3 steps"}
    assert specifics("1. First, the agent plans.") == set()
    assert specifics("(2) Second, it uses GPT-4.") == {"gpt-4"}


def test_a_count_needs_the_same_count_of_the_same_thing() -> None:
    known = ["How many vulnerabilities were found?", "1) Agents audit smart contracts."]
    assert missing_specifics("The team found 1 smart-contract vulnerability.", known) == {
        "1 smart-contract"
    }
    phases = ["The general process comprises five main phases: Sense, Learn, Reason."]
    assert missing_specifics("The process has 5 phases.", phases) == set()
    assert missing_specifics("The process has 4 phases.", phases) == {"4 phases"}
    listed = ["Agents use (1) rules, (2) fuzzy logic and (3) ontologies."]
    assert missing_specifics("The agents use 3 techniques.", listed) == set()


def test_missing_specifics_ignores_what_the_question_or_a_source_says() -> None:
    known = ["What fine does the EU AI Act impose?", "Fines reach 1,000,000 euros for GPAI."]
    assert missing_specifics("The EU AI Act imposes fines up to 1,000,000 euros.", known) == set()
    assert missing_specifics("The EU AI Act imposes a 35,000 euro fine on Meta.", known) == {
        "35000",
        "meta",
    }
    assert missing_specifics("GPT-4 wins.", ["gpt-4o is used"]) == set()  # sentence opener
    assert missing_specifics("The winner is GPT-4.", ["gpt-4o is used"]) == {"gpt-4"}


def test_a_name_in_the_plural_is_the_same_name() -> None:
    source = "a graph neural network (GNN) and a variational auto-encoder (VAE); many LLMs"
    assert missing_specifics("They suggest GNNs and VAEs, and an LLM.", [source]) == set()
    assert missing_specifics("They suggest CNNs.", [source]) == {"cnns"}
