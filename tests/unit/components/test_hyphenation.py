"""Line-end hyphens mended by the document's own vocabulary, one test per rule."""

from __future__ import annotations

import pytest

from tunedd_api.components.hyphenation import mend_hyphenation


def _mend(text: str, *elsewhere: str) -> str:
    return mend_hyphenation([text, *elsewhere])[0]


def test_a_word_written_whole_elsewhere_is_joined() -> None:
    assert _mend("the infor-\nmation flows", "information is power") == "the information flows"


def test_a_word_written_hyphenated_elsewhere_keeps_its_hyphen() -> None:
    assert _mend("a multi-\nagent system", "multi-agent learning") == "a multi-agent system"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("LLM-\nbased agents", "LLM-based agents"),
        ("GPT-\n4 answers", "GPT-4 answers"),
        ("the Multi-\nAgent survey", "the Multi-Agent survey"),
        ("sys-\n2 thinking", "sys-2 thinking"),
    ],
)
def test_acronyms_numbers_and_capitals_keep_the_hyphen(text: str, expected: str) -> None:
    assert _mend(text) == expected


def test_two_words_of_the_document_keep_the_hyphen() -> None:
    text = "offer no-\nlogging provisions"

    assert _mend(text, "no logs; logging is off") == "offer no-logging provisions"


def test_a_cut_syllable_is_joined() -> None:
    assert _mend("the implemen-\ntation works") == "the implementation works"


def test_web_addresses_and_parts_of_hyphenated_words_are_not_words() -> None:
    elsewhere = "see www.example.com, press and serve pre-trained models"

    assert _mend("to com-\npress and pre-\nserve", elsewhere) == "to compress and preserve"


def test_every_page_is_mended_with_the_whole_document_vocabulary() -> None:
    pages = ["decision-\nmaking", "in decision-making"]

    assert mend_hyphenation(pages) == ["decision-making", "in decision-making"]


def test_text_without_line_end_hyphens_is_unchanged() -> None:
    assert _mend("state-of-the-art\nmodels - and more") == "state-of-the-art\nmodels - and more"
