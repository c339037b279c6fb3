"""Lenient JSON recovery from LLM output (code fences, prose around it, trailing commas)."""

from __future__ import annotations

import json
import re
from typing import Any


def load_json_object(text: str) -> Any:
    """The first-to-last ``{...}`` span of ``text`` as JSON; raises ValueError if none parses."""
    cleaned = re.sub(r"^```(?:json)?|```$", "", text.strip(), flags=re.MULTILINE)
    start, end = cleaned.find("{"), cleaned.rfind("}")
    if start < 0 or end <= start:
        raise ValueError("no JSON object in the model output")
    candidate = cleaned[start : end + 1]
    try:
        return json.loads(candidate)
    except json.JSONDecodeError:
        try:
            return json.loads(re.sub(r",\s*([}\]])", r"\1", candidate))
        except json.JSONDecodeError as error:
            raise ValueError(f"invalid JSON from the model: {error.msg}") from None
