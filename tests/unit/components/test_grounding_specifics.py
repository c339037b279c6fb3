"""Unit tests of the specifics check: numbers and names an answer asserts from nowhere."""

from __future__ import annotations

from tunedd_api.components.grounding import missing_specifics, specifics


def test_specifics_are_numbers_and_names_not_openers_or_list_numbers() -> None:
    found = specifics(
        "However, the DQN agent of Wang reached 97.5% in 2021 after 3 steps in Section 4."
    )
    assert found == {"dqn", "wang", "97.5", "2021"}


def test_missing_specifics_ignores_what_the_question_or_a_source_says() -> None:
    known = ["What fine does the EU AI Act impose?", "Fines reach 1,000,000 euros for GPAI."]
    assert missing_specifics("The EU AI Act imposes fines up to 1,000,000 euros.", known) == set()
    assert missing_specifics("The EU AI Act imposes a 35,000 euro fine on Meta.", known) == {
        "35000",
        "meta",
    }
    assert missing_specifics("GPT-4 wins.", ["gpt-4o is used"]) == set()  # sentence opener
    assert missing_specifics("The winner is GPT-4.", ["gpt-4o is used"]) == {"gpt-4"}
