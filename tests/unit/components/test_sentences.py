"""Sentence splitting on scholarly text: abbreviations, initials, decimals and markers."""

from __future__ import annotations

import pytest

from tunedd_api.components.sentences import split_sentences


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Agents plan. They act.", ["Agents plan.", "They act."]),
        (
            "Chan et al. assess visibility. It matters.",
            ["Chan et al. assess visibility.", "It matters."],
        ),
        ("See Fig. 3 and Eq. 2 for details. Done.", ["See Fig. 3 and Eq. 2 for details.", "Done."]),
        (
            "Tools, e.g. search, help. Memory, i.e. state, too.",
            ["Tools, e.g. search, help.", "Memory, i.e. state, too."],
        ),
        (
            "As J. Smith wrote, accuracy rose to 3.5 points. Then fell.",
            ["As J. Smith wrote, accuracy rose to 3.5 points.", "Then fell."],
        ),
        (
            "It was proposed by Chan et al. The results hold.",
            ["It was proposed by Chan et al.", "The results hold."],
        ),
        (
            "Agents use tools. [1] They plan [2]. Done",
            ["Agents use tools. [1]", "They plan [2].", "Done"],
        ),
        ("Really? Yes! Fine.", ["Really?", "Yes!", "Fine."]),
        ('He said "stop." Then left.', ['He said "stop."', "Then left."]),
        ("Version 2.0 shipped in Sec. 4. Next.", ["Version 2.0 shipped in Sec. 4.", "Next."]),
    ],
)
def test_splits_only_where_a_sentence_ends(text, expected):
    assert split_sentences(text) == expected


def test_line_breaks_end_sentences_when_asked():
    text = "First point\n- second point. Third"
    assert split_sentences(text, at_newlines=True) == ["First point", "- second point.", "Third"]
    assert split_sentences(text) == ["First point\n- second point.", "Third"]
