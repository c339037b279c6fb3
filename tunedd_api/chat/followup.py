"""Decides what to search for when a message leans on earlier turns ("what about its limits?").

Cheap heuristics only: a short message with a pronoun or a connective opener, in a
conversation that has history, is searched together with the previous question.
"""

from __future__ import annotations

import re

from tunedd_api.chat.conversations import Message

_REFERRING = re.compile(
    r"\b(it|its|they|them|their|this|that|these|those|he|she|his|her|the paper|the authors)\b",
    re.IGNORECASE,
)
_OPENERS = re.compile(r"^\s*(and|also|what about|how about|why|so|then|more)\b", re.IGNORECASE)
_SHORT_WORDS = 12


def needs_context(message: str) -> bool:
    """True when the message is probably not understandable on its own."""
    words = message.split()
    if len(words) > _SHORT_WORDS:
        return False
    return bool(_REFERRING.search(message) or _OPENERS.search(message))


def retrieval_query(message: str, history: tuple[Message, ...]) -> str:
    """The text to embed for retrieval: the message, plus the last question if it is a follow-up."""
    previous = [m.content for m in history if m.role == "user"]
    if previous and needs_context(message):
        return f"{previous[-1]} {message}"
    return message
