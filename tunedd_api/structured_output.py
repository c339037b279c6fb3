"""Structured output from the chat model: JSON-schema-constrained call, lenient parse, validation.

One path for every caller that wants a pydantic object from the LLM (summaries, cluster labels,
record scoring): the schema goes to the backend (a llama.cpp grammar, Ollama's ``format``), the
reply is parsed leniently (code fences, prose around the object, trailing commas) and validated
against the pydantic model. Anything unusable raises :class:`StructuredOutputError`; backend
errors (timeout, busy, unavailable) pass through unchanged, so callers can tell them apart.

The model is typed as a small protocol so this module depends on no backend.
"""

from __future__ import annotations

import json
import re
from typing import Any, Protocol, TypeVar

from haystack.dataclasses import ChatMessage
from pydantic import BaseModel, ValidationError

from tunedd_api.errors import StructuredOutputError

T = TypeVar("T", bound=BaseModel)

#: Keywords left out of derived schemas: documentation, and string lengths, which llama.cpp's
#: converter turns into one nested optional rule per character (a 600-character limit is 600
#: levels deep). Lengths are still checked when the reply is validated.
_DROPPED_KEYS = frozenset({"title", "default", "description", "examples", "minLength", "maxLength"})


class GenerationResult(Protocol):
    """What a generate() call returns: at least the text."""

    @property
    def text(self) -> str: ...


class StructuredModel(Protocol):
    """A chat model that can constrain its output to a JSON schema (the guarded generator)."""

    def generate(
        self,
        messages: list[ChatMessage],
        *,
        timeout_s: float | None = ...,
        max_tokens: int | None = ...,
        json_schema: dict[str, Any] | None = ...,
    ) -> GenerationResult: ...


def generate_structured(
    model: StructuredModel,
    messages: list[ChatMessage],
    output_type: type[T],
    *,
    timeout_s: float | None = None,
    max_tokens: int | None = None,
    json_schema: dict[str, Any] | None = None,
    subject: str = "model JSON",
) -> T:
    """Ask ``model`` for JSON of ``output_type``'s shape and return it validated (blocking).

    ``json_schema`` defaults to :func:`json_schema_for` of ``output_type``; pass one when the
    constraint depends on run-time values (enums of configured names). ``subject`` names the
    reply in error messages. Raises StructuredOutputError for unusable output; the model's own
    errors (timeout, busy, backend down) propagate as they are.
    """
    generation = model.generate(
        messages,
        timeout_s=timeout_s,
        max_tokens=max_tokens,
        json_schema=json_schema if json_schema is not None else json_schema_for(output_type),
    )
    return parse_structured(generation.text, output_type, subject=subject)


def parse_structured(text: str, output_type: type[T], *, subject: str = "model JSON") -> T:
    """Lenient parse of ``text`` plus validation; raises StructuredOutputError."""
    data = load_json_object(text)
    try:
        return output_type.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        detail = f"{where}: {first['msg']}" if where else first["msg"]
        raise StructuredOutputError(
            f"{subject} does not match the schema: {detail}", raw=text
        ) from None


def load_json_object(text: str) -> Any:
    """The first-to-last ``{...}`` span of ``text`` as JSON; raises StructuredOutputError."""
    cleaned = re.sub(r"^```(?:json)?|```$", "", text.strip(), flags=re.MULTILINE)
    start, end = cleaned.find("{"), cleaned.rfind("}")
    if start < 0 or end <= start:
        raise StructuredOutputError("no JSON object in the model output", raw=text)
    candidate = cleaned[start : end + 1]
    try:
        return json.loads(candidate)
    except json.JSONDecodeError:
        try:
            return json.loads(re.sub(r",\s*([}\]])", r"\1", candidate))
        except json.JSONDecodeError as error:
            raise StructuredOutputError(
                f"invalid JSON from the model: {error.msg}", raw=text
            ) from None


def json_schema_for(output_type: type[BaseModel]) -> dict[str, Any]:
    """A grammar-friendly JSON schema of ``output_type``.

    Pydantic's schema with references inlined (grammar converters and Ollama differ in how
    they resolve ``$defs``), documentation keys and string lengths dropped, and every property
    required: a grammar then makes the model write each field, in the declared order. Item
    counts (``maxItems``) stay, so keep them small. Defaults still apply when validating
    replies from backends that cannot constrain their output.
    """
    schema = output_type.model_json_schema()
    definitions = schema.pop("$defs", {})
    return _grammar_friendly(schema, definitions)


def _grammar_friendly(node: Any, definitions: dict[str, Any]) -> Any:
    if isinstance(node, list):
        return [_grammar_friendly(item, definitions) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        return _grammar_friendly(definitions[name], definitions)
    result = {
        key: (
            {name: _grammar_friendly(sub, definitions) for name, sub in value.items()}
            if key == "properties"
            else _grammar_friendly(value, definitions)
        )
        for key, value in node.items()
        if key not in _DROPPED_KEYS
    }
    if isinstance(result.get("properties"), dict):
        result["required"] = list(result["properties"])
    return result
