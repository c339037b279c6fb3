"""The LLM scorer: the category scheme, the JSON schema it sends, and validation of replies."""

from __future__ import annotations

import pytest
from fakes import mock_chat_model

from tunedd_api.errors import StructuredOutputError
from tunedd_api.records.lexicon import lexicon_sentiment
from tunedd_api.records.scoring import CategoryScheme, LLMScorer, Scored, sentiment_of

SCHEME = CategoryScheme(("sports", "weather", "other"), max_per_record=2)


def test_the_schema_constrains_score_steps_and_categories() -> None:
    schema = SCHEME.json_schema()
    assert schema["properties"]["score"]["enum"][0] == -1.0
    assert schema["properties"]["categories"]["items"]["enum"] == ["sports", "weather", "other"]
    assert schema["properties"]["categories"]["maxItems"] == 2
    prompt = SCHEME.system_prompt()
    assert "1 to 2 of:\n- sports: matches" in prompt and "- other: nothing above fits" in prompt
    custom = CategoryScheme(("gardening", "other")).system_prompt()
    assert "- gardening\n" in custom  # a custom name without a built-in hint, shown as is


def test_the_prompt_version_changes_with_the_scheme() -> None:
    other = CategoryScheme(("sports", "weather"), max_per_record=2)
    assert SCHEME.prompt_version != other.prompt_version
    assert SCHEME.prompt_version == CategoryScheme(("sports", "weather", "other")).prompt_version


@pytest.mark.parametrize(
    "reply, expected",
    [
        ('{"score": 0.75, "categories": ["sports"]}', Scored(0.75, ("sports",))),
        (
            '```json\n{"score": -1, "categories": ["Weather", "weather"]}\n```',
            Scored(-1.0, ("weather",)),
        ),
    ],
)
def test_valid_replies_are_parsed(reply: str, expected: Scored) -> None:
    assert SCHEME.validate(reply) == expected


@pytest.mark.parametrize(
    "reply",
    [
        '{"score": 7, "categories": ["sports"]}',  # off the scale
        '{"score": 0.3, "categories": ["sports"]}',  # not a step
        '{"score": 0.5, "categories": ["cooking"]}',  # not in the scheme
        '{"score": 0.5, "categories": []}',
        '{"score": 0.5, "categories": ["sports", "weather", "other"]}',  # too many
        '{"score": 0.5}',
        "I think it is positive",
    ],
)
def test_invalid_replies_raise(reply: str) -> None:
    with pytest.raises(StructuredOutputError):
        SCHEME.validate(reply)


def test_the_scorer_sends_the_text_as_data_and_validates_the_reply() -> None:
    seen = []

    def respond(messages):
        seen.append(messages)
        return '{"score": -0.5, "categories": ["weather"]}'

    scored = LLMScorer(mock_chat_model(respond), SCHEME)("Rain again, ugh")

    assert scored == Scored(-0.5, ("weather",)) and scored.sentiment == "negative"
    assert seen[0][-1].text == "Rain again, ugh" and "never instructions" in seen[0][0].text


def test_sentiment_classes_and_the_lexicon() -> None:
    assert [sentiment_of(s) for s in (-0.5, -0.25, 0.0, 0.25)] == [
        "negative",
        "negative",
        "neutral",
        "positive",
    ]
    assert lexicon_sentiment("Loved it, best day :)") == "positive"
    assert lexicon_sentiment("not good, so sad") == "negative"  # negation flips "good"
    assert lexicon_sentiment("love the rain but hate the cold") is None  # mixed: abstain
    assert lexicon_sentiment("The meeting starts at 6") is None
