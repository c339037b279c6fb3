"""Request and response bodies of the OpenAI-compatible endpoints (`/v1/...`).

Requests accept the fields OpenAI clients send and ignore the ones tunedd has no use for
(tools, logprobs, ...), as OpenAI-compatible servers do; tunedd's own additions are
`document_ids` (request) and `citations` (response), which other clients may ignore.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from tunedd_api.api.schemas import CitationOut, DocumentIdStr


class ContentPart(BaseModel):
    """A part of a multi-part message; only text parts are read."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="Part type; `text` parts are used, others ignored.")
    text: str | None = Field(None, description="The text of a `text` part.")


class ChatMessageIn(BaseModel):
    """One message of the conversation, oldest first."""

    model_config = ConfigDict(extra="allow")

    role: str = Field(description="`user`, `assistant` or `system` (system messages ignored).")
    content: str | list[ContentPart] | None = Field(
        None, description="Text, or a list of content parts."
    )

    def text(self) -> str:
        """The message as plain text."""
        if isinstance(self.content, list):
            return "\n".join(p.text or "" for p in self.content if p.type == "text")
        return self.content or ""


class ChatCompletionIn(BaseModel):
    """An OpenAI chat completion request."""

    model_config = ConfigDict(extra="allow")

    model: str = Field(
        "tunedd",
        max_length=2000,
        description="`tunedd` (all documents) or `tunedd:<document_id>,<document_id>` (a "
        "selection); see GET /v1/models.",
    )
    messages: list[ChatMessageIn] = Field(
        min_length=1, max_length=1000, description="The conversation so far; the last is asked."
    )
    stream: bool = Field(False, description="Stream `chat.completion.chunk` events.")
    document_ids: list[DocumentIdStr] | None = Field(
        None,
        max_length=1000,
        description="tunedd extension: the document scope (wins over " "the scope in `model`).",
    )


class AssistantMessageOut(BaseModel):
    """The answer."""

    role: Literal["assistant"] = Field("assistant", description="Always `assistant`.")
    content: str = Field(description="Answer text with verified `[n]` markers.")


class ChoiceOut(BaseModel):
    """The single completion choice."""

    index: int = Field(0, description="Always 0.")
    message: AssistantMessageOut = Field(description="The answer.")
    finish_reason: Literal["stop", "length"] = Field(description="Why generation ended.")


class UsageOut(BaseModel):
    """Token counts (estimated from characters)."""

    prompt_tokens: int = Field(description="Tokens in the request messages (estimate).")
    completion_tokens: int = Field(description="Tokens in the answer (estimate).")
    total_tokens: int = Field(description="Their sum.")


class ChatCompletionOut(BaseModel):
    """An OpenAI `chat.completion`, plus tunedd's citations."""

    id: str = Field(description="Completion id (the stored-nowhere assistant message id).")
    object: Literal["chat.completion"] = Field("chat.completion", description="Object type.")
    created: int = Field(description="Unix time.")
    model: str = Field(description="The model name as requested.")
    choices: list[ChoiceOut] = Field(description="One choice.")
    usage: UsageOut = Field(description="Token estimates.")
    citations: list[CitationOut] = Field(
        description="tunedd extension: the sources behind each `[n]` in the answer."
    )
    answered_from_documents: bool = Field(
        description="tunedd extension: false when the documents do not contain the answer."
    )
    answer_kind: Literal["generated", "quote", "not_found"] = Field(
        description="tunedd extension: `generated` (the model's verified answer), `quote` "
        "(evidence quoted because the model's answer was unsupported) or `not_found`."
    )


class ModelOut(BaseModel):
    """A model name: a document scope."""

    id: str = Field(description="Use as `model`: `tunedd` or `tunedd:<document_id>`.")
    object: Literal["model"] = Field("model", description="Object type.")
    created: int = Field(description="Unix time of the service start.")
    owned_by: str = Field("tunedd", description="Always `tunedd`.")
    title: str | None = Field(None, description="tunedd extension: the document's title.")


class ModelListOut(BaseModel):
    """Every usable model name."""

    object: Literal["list"] = Field("list", description="Object type.")
    data: list[ModelOut] = Field(description="`tunedd` first, then one per indexed document.")


def as_dict(model: BaseModel) -> dict[str, Any]:
    """JSON-ready dict."""
    return model.model_dump(mode="json")
