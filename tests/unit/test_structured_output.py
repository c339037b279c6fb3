"""The one structured-output path: schema sent, lenient parse, validation, one typed error."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import pytest
from fakes import mock_chat_model
from haystack.dataclasses import ChatMessage
from pydantic import BaseModel, Field, WithJsonSchema

from tunedd_api.api.errors import error_status
from tunedd_api.errors import (
    BackendUnavailableError,
    GenerationTimeoutError,
    StructuredOutputError,
    TunedDError,
)
from tunedd_api.structured_output import (
    generate_structured,
    json_schema_for,
    load_json_object,
    parse_structured,
)


class Item(BaseModel):
    name: str = Field(min_length=1, max_length=40)
    kind: Literal["a", "b"]


class Reply(BaseModel):
    title: str = Field(min_length=1)
    count: Annotated[int | None, WithJsonSchema({"type": "integer"})] = None
    items: list[Item] = Field(default_factory=list, max_length=3)


GOOD = {"title": "T", "count": 2, "items": [{"name": "x", "kind": "a"}]}
MESSAGES = [ChatMessage.from_system("Reply with JSON."), ChatMessage.from_user("data")]


@dataclass
class FakeGeneration:
    text: str


class FakeModel:
    """Implements the protocol without being a GuardedChatGenerator: records what it was asked."""

    def __init__(self, reply: str | BaseException) -> None:
        self.reply = reply
        self.calls: list[dict[str, Any]] = []

    def generate(self, messages, *, timeout_s=None, max_tokens=None, json_schema=None):
        self.calls.append(
            {
                "messages": messages,
                "timeout_s": timeout_s,
                "max_tokens": max_tokens,
                "json_schema": json_schema,
            }
        )
        if isinstance(self.reply, BaseException):
            raise self.reply
        return FakeGeneration(self.reply)


@pytest.mark.parametrize(
    "text",
    [
        json.dumps(GOOD),
        "```json\n" + json.dumps(GOOD) + "\n```",
        "```\n" + json.dumps(GOOD, indent=2) + "\n```",
        "Sure! Here is the JSON: " + json.dumps(GOOD) + "\nLet me know if you need more.",
        '{"title": "T", "count": 2, "items": [{"name": "x", "kind": "a",},],}',
    ],
    ids=["plain", "json-fence", "bare-fence", "prose-around", "trailing-commas"],
)
def test_lenient_parse_recovers_the_object(text: str) -> None:
    reply = parse_structured(text, Reply)
    assert reply == Reply.model_validate(GOOD)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("no json here", "no JSON object in the model output"),
        ("[1, 2]", "no JSON object in the model output"),
        ('{"title": ', "no JSON object in the model output"),
        ('{"title": "T", "items": [}', "invalid JSON from the model"),
        ('{"items": []}', "model JSON does not match the schema: title: Field required"),
        ('{"title": ""}', "model JSON does not match the schema: title: String should have"),
        (
            '{"title": "T", "items": [{"name": "x", "kind": "c"}]}',
            "model JSON does not match the schema: items.0.kind: Input should be 'a' or 'b'",
        ),
    ],
)
def test_unusable_output_raises_the_typed_error(text: str, message: str) -> None:
    with pytest.raises(StructuredOutputError) as caught:
        parse_structured(text, Reply)
    assert caught.value.message.startswith(message)
    assert caught.value.raw == text and isinstance(caught.value, TunedDError)


def test_subject_names_the_reply_in_schema_errors() -> None:
    with pytest.raises(StructuredOutputError, match="^labels does not match the schema"):
        parse_structured("{}", Reply, subject="labels")


def test_generate_sends_the_derived_schema_and_limits() -> None:
    model = FakeModel(json.dumps(GOOD))

    reply = generate_structured(model, MESSAGES, Reply, timeout_s=7.0, max_tokens=99)

    assert reply.items[0].kind == "a"
    call = model.calls[0]
    assert call["messages"] == MESSAGES
    assert (call["timeout_s"], call["max_tokens"]) == (7.0, 99)
    assert call["json_schema"] == json_schema_for(Reply)


def test_an_explicit_schema_is_sent_as_given() -> None:
    schema = {"type": "object", "properties": {"title": {"enum": ["T"]}}, "required": ["title"]}
    model = FakeModel('{"title": "T"}')

    assert generate_structured(model, MESSAGES, Reply, json_schema=schema).title == "T"
    assert model.calls[0]["json_schema"] is schema


def test_derived_schema_is_inlined_and_requires_every_field() -> None:
    schema = json_schema_for(Reply)

    assert "$defs" not in json.dumps(schema) and "title" not in schema
    assert schema["required"] == ["title", "count", "items"]
    assert schema["properties"]["count"] == {"type": "integer"}
    item = schema["properties"]["items"]["items"]
    assert item["required"] == ["name", "kind"]
    assert item["properties"]["kind"] == {"enum": ["a", "b"], "type": "string"}
    assert schema["properties"]["items"]["maxItems"] == 3
    assert item["properties"]["name"] == {"type": "string"}  # lengths checked after parsing


def test_a_property_called_title_is_kept() -> None:
    assert "title" in json_schema_for(Reply)["properties"]


def test_schema_violation_from_the_model_is_the_typed_error() -> None:
    model = FakeModel('{"title": "T", "items": [{"name": "x"}]}')

    with pytest.raises(StructuredOutputError, match="items.0.kind: Field required"):
        generate_structured(model, MESSAGES, Reply)


@pytest.mark.parametrize(
    "error",
    [GenerationTimeoutError("the model did not answer within 5s"), BackendUnavailableError("down")],
)
def test_backend_errors_pass_through_unchanged(error: TunedDError) -> None:
    with pytest.raises(type(error)) as caught:
        generate_structured(FakeModel(error), MESSAGES, Reply)
    assert caught.value is error and not isinstance(caught.value, StructuredOutputError)


def test_with_a_real_chat_model_backend_failures_stay_backend_errors() -> None:
    def crash(messages):
        raise RuntimeError("connection refused")

    with pytest.raises(BackendUnavailableError, match="connection refused"):
        generate_structured(mock_chat_model(crash), MESSAGES, Reply)
    reply = generate_structured(mock_chat_model(lambda m: json.dumps(GOOD)), MESSAGES, Reply)
    assert reply.title == "T"


def test_load_json_object_returns_plain_data() -> None:
    assert load_json_object('x {"a": [1, 2,]} y') == {"a": [1, 2]}


def test_the_error_is_a_bad_gateway_when_nothing_falls_back() -> None:
    assert error_status(StructuredOutputError("no JSON object")) == (502, "invalid_model_output")


def test_derived_schemas_compile_to_llama_cpp_grammars() -> None:
    grammar = pytest.importorskip("llama_cpp.llama_grammar")
    from tunedd_api.chat.summary import SummaryDraft
    from tunedd_api.insights.labelling import _LLMLabels

    for output_type in (Reply, SummaryDraft, _LLMLabels):
        gbnf = grammar.json_schema_to_gbnf(json.dumps(json_schema_for(output_type)))
        assert "root ::=" in gbnf
        assert len(gbnf) < 4000  # no rule per character from string length limits
