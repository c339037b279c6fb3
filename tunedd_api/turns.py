"""What a conversation is made of: messages, their citations, retrieved sources, and history.

Shared by the components (prompt, follow-up rewriter, verifier), the chat use cases and the
API, so it sits below all of them. :class:`History` is the one way earlier turns are paired,
capped and fitted to a token budget, whether they come from a stored conversation or from an
OpenAI client's request.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable, Literal, Sequence

from haystack import Document

from tunedd_api.errors import InvalidInputError

#: Rough characters per token for prompt budgets; errs on the side of fewer characters.
CHARS_PER_TOKEN = 3.0


def estimate_tokens(text: str) -> int:
    """A conservative token estimate for prompt budgets (no model tokenizer needed)."""
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def utc_now() -> datetime:
    """The current time, timezone-aware (UTC)."""
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Citation:
    """A source the answer cites as ``[number]``."""

    number: int
    document_id: str
    file_name: str
    title: str
    pages: list[int]
    snippet: str
    score: float  # retrieval similarity of the passage to the query
    support: float | None = None  # how well the passage supports the sentences citing it
    added_by_verifier: bool = False  # the model did not cite it; the check found the support
    # Where in a file without pages (Markdown, text, HTML, Word) the passage is: its heading
    # paths, and for Markdown and text its first and last line (1-based). Empty for PDFs.
    sections: list[str] = field(default_factory=list)
    lines: list[int] | None = None

    @classmethod
    def from_source(
        cls,
        number: int,
        source: "RetrievedChunk",
        *,
        snippet: str,
        support: float | None,
        added_by_verifier: bool = False,
    ) -> "Citation":
        """Source ``[number]`` cited: its document, title, pages and location from the chunk's
        meta."""
        meta = source.document.meta
        return cls(
            number=number,
            document_id=meta["document_id"],
            file_name=meta["file_name"],
            title=meta.get("title", meta["file_name"]),
            pages=source.pages,
            snippet=snippet,
            score=round(source.similarity, 4),
            support=support,
            added_by_verifier=added_by_verifier,
            sections=source.sections,
            lines=source.lines,
        )


@dataclass(frozen=True)
class Message:
    """One turn of a conversation."""

    role: Literal["user", "assistant"]
    content: str
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    created_at: datetime = field(default_factory=utc_now)
    citations: tuple[Citation, ...] = ()
    retrieval_query: str | None = None
    groundedness: float | None = None


@dataclass(frozen=True)
class RetrievedChunk:
    """A retrieved chunk with its cosine similarity to the query."""

    document: Document
    similarity: float
    #: The keyword search ranked it near the top and it contains a name the query uses
    #: (an author, an acronym): relevant even when the embedding does not see it.
    names_matched: tuple[str, ...] = ()

    @property
    def pages(self) -> list[int]:
        """Pages the chunk comes from."""
        return list(self.document.meta.get("pages", []))

    @property
    def sections(self) -> list[str]:
        """Heading paths of the chunk (files without pages; empty for PDFs)."""
        return list(self.document.meta.get("sections") or [])

    @property
    def lines(self) -> list[int] | None:
        """``[first, last]`` line of the chunk (Markdown and text files), else None."""
        meta = self.document.meta
        if meta.get("line_start") is None or meta.get("line_end") is None:
            return None
        return [int(meta["line_start"]), int(meta["line_end"])]

    def __deepcopy__(self, memo: dict) -> "RetrievedChunk":
        # Treated as immutable once retrieved; Haystack copies every component input, and
        # copying the documents was most of a chat turn's pipeline overhead (measured).
        return self


Exchange = tuple[Message, Message]
#: Messages of client-held history kept; prompts use far fewer (RAG_HISTORY_MAX_TURNS).
MAX_CLIENT_MESSAGES = 40


@dataclass(frozen=True)
class History:
    """Earlier question/answer exchanges, oldest first (unpaired messages are left out)."""

    exchanges: tuple[Exchange, ...] = ()

    @classmethod
    def of(cls, messages: Sequence[Message]) -> "History":
        """Pair each user message with the assistant message that follows it."""
        pairs = [
            (messages[i], messages[i + 1])
            for i in range(len(messages) - 1)
            if messages[i].role == "user" and messages[i + 1].role == "assistant"
        ]
        return cls(tuple(pairs))

    @classmethod
    def from_client(cls, turns: Sequence[tuple[str, str]]) -> tuple["History", str]:
        """(history, final question) from an OpenAI-style ``(role, content)`` list.

        System and tool messages are ignored (tunedd's own system prompt keeps the answer
        grounded), consecutive messages of one role are joined, and a greeting before the
        first question is dropped. Raises InvalidInputError unless the last is a user message.
        """
        merged: list[tuple[str, str]] = []
        for role, content in turns:
            if role not in ("user", "assistant") or not content.strip():
                continue
            if merged and merged[-1][0] == role:
                merged[-1] = (role, f"{merged[-1][1]}\n{content}")
            else:
                merged.append((role, content))
        if not merged or merged[-1][0] != "user":
            raise InvalidInputError("the last message must be a non-empty user message")
        question = merged.pop()[1]
        messages = [Message(role=r, content=c) for r, c in merged[-MAX_CLIENT_MESSAGES:]]
        return cls.of(messages), question

    def __len__(self) -> int:
        return len(self.exchanges)

    def __deepcopy__(self, memo: dict) -> "History":
        return self  # immutable: tuples of frozen messages

    def __bool__(self) -> bool:
        return bool(self.exchanges)

    @property
    def last_question(self) -> str | None:
        """The most recent question, if any."""
        return self.exchanges[-1][0].content if self.exchanges else None

    @property
    def last_answer(self) -> str | None:
        """The most recent answer, if any."""
        return self.exchanges[-1][1].content if self.exchanges else None

    def recent(
        self,
        budget_tokens: int,
        *,
        estimate: Callable[[str], int],
        max_turns: int | None = None,
        answer_chars: int | None = None,
    ) -> tuple["History", bool]:
        """The most recent exchanges within ``max_turns`` whose text fits ``budget_tokens``.

        Returns the kept history and whether anything was left out. ``answer_chars`` counts
        (and callers show) only the start of long answers.
        """
        if max_turns is None:
            candidates = self.exchanges
        else:
            candidates = self.exchanges[-max_turns:] if max_turns > 0 else ()
        kept: list[Exchange] = []
        used = 0
        for question, answer in reversed(candidates):
            cost = estimate(question.content + answer.content[:answer_chars]) + 8
            if used + cost > budget_tokens:
                break
            kept.insert(0, (question, answer))
            used += cost
        return History(tuple(kept)), len(kept) < len(self.exchanges)


NOT_FOUND_ANSWER = "The selected documents do not contain this information."
AnswerKind = Literal["generated", "quote", "not_found"]


@dataclass(frozen=True)
class DroppedCitation:
    """A marker removed from the answer, and why."""

    number: int
    reason: str  # "no_such_source" | "unsupported" | "fragment"
    sentence: str


@dataclass(frozen=True)
class Answer:
    """What a chat turn produced: the verified text, its citations and how grounded it is."""

    text: str
    citations: tuple[Citation, ...] = ()
    answered_from_documents: bool = False
    groundedness: float | None = None
    dropped_citations: tuple[DroppedCitation, ...] = ()
    unsupported_sentences: tuple[str, ...] = ()
    #: ``generated`` by the model and verified, a ``quote`` of the evidence (the model's
    #: answer was not supported), or ``not_found``.
    kind: AnswerKind = "generated"
    #: Whether a source supports the answer's first claim, the one that answers the question
    #: (small models answer first and elaborate after).
    lead_supported: bool = True

    def __deepcopy__(self, memo: dict) -> "Answer":
        return self  # immutable: frozen, tuples of frozen parts

    @classmethod
    def not_found(cls) -> "Answer":
        """The refusal given when the documents do not answer the question."""
        return cls(text=NOT_FOUND_ANSWER, kind="not_found")
