"""What a chat turn reports while it runs, and what it produces.

Renderers (the conversation API's SSE, the OpenAI-compatible chunks) turn these typed events
into their own wire format; the service never formats text for a client.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from tunedd_api.components.followup_rewriter import StandaloneQuery
from tunedd_api.turns import Answer, Message, RetrievedChunk


@dataclass(frozen=True)
class RetrievalDone:
    """Retrieval finished: the query used and the relevant sources (before prompt fitting)."""

    query: StandaloneQuery
    sources: list[RetrievedChunk]


@dataclass(frozen=True)
class TokenStreamed:
    """A piece of the model's raw reply (before citation verification)."""

    text: str


ChatEvent = RetrievalDone | TokenStreamed
#: Receives progress events; called from worker threads too, so it must be thread-safe.
OnEvent = Callable[[ChatEvent], None]


@dataclass(frozen=True)
class ChatTurn:
    """The assistant's reply and how it was produced."""

    message: Message
    answer: Answer
    sources: list[RetrievedChunk]
    query: StandaloneQuery
    history_turns_used: int = 0
    history_truncated: bool = False
    #: Seconds per stage and the model's token counters (see ``ChatService.answer``).
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def answered_from_documents(self) -> bool:
        """Whether the answer comes from the documents (not the refusal)."""
        return self.answer.answered_from_documents
