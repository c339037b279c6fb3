"""Request and response bodies. Every field is described for the OpenAPI docs at /docs."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

DocumentIdStr = Annotated[str, Field(min_length=1, max_length=64)]


class StrictModel(BaseModel):
    """Request bodies reject unknown fields, so typos surface as 422 instead of being ignored."""

    model_config = ConfigDict(extra="forbid")


class IndexingProgressOut(BaseModel):
    """How far an upload's indexing is (null where not known yet)."""

    pages_total: int | None = Field(None, description="Pages in the file.")
    chunks_done: int = Field(0, description="Chunks embedded so far.")
    chunks_total: int | None = Field(None, description="Chunks the file was cut into.")


class DocumentOut(BaseModel):
    """One document of the collection."""

    id: str = Field(description="Stable id: a prefix of the sha256 of the file's bytes.")
    file_name: str = Field(description="File name (uploads: the cleaned name given).")
    title: str = Field(description="Title from the PDF metadata or its first page.")
    page_count: int = Field(description="Pages in the PDF (0 when it could not be read).")
    chunk_count: int = Field(description="Chunks indexed for retrieval.")
    status: Literal["queued", "indexing", "indexed", "failed"] = Field(
        description="`indexed`: searchable; `queued`/`indexing`: an upload on its way; "
        "`failed`: see `error`."
    )
    error: str | None = Field(None, description="Why indexing failed (only when `failed`).")
    source: Literal["folder", "upload"] = Field(
        "folder", description="`folder`: the startup data folder (read-only); `upload`."
    )
    progress: IndexingProgressOut | None = Field(
        None, description="While `queued` or `indexing`: pages and chunks done/total."
    )


class UploadedDocumentOut(BaseModel):
    """What became of one uploaded file."""

    id: str = Field(description="Document id (content hash); poll GET /documents/{id}.")
    file_name: str = Field(description="The cleaned file name the document is shown under.")
    status: Literal["queued", "indexing", "indexed", "failed"] = Field(description="Status now.")
    duplicate: bool = Field(
        description="The same bytes were already in the collection: its id, nothing embedded."
    )


class UploadOut(BaseModel):
    """The files of one upload request, in request order."""

    documents: list[UploadedDocumentOut] = Field(description="One entry per uploaded file.")


class DocumentListOut(BaseModel):
    """The document collection."""

    documents: list[DocumentOut] = Field(description="Every PDF found, sorted by file name.")


class CreateConversationIn(StrictModel):
    """Options for a new conversation."""

    document_ids: list[DocumentIdStr] | None = Field(
        None,
        max_length=1000,
        description="Limit retrieval to these documents (ids from GET /documents). "
        "Omit or null for the whole collection.",
    )


class CitationOut(BaseModel):
    """A source the answer cites with `[number]`."""

    number: int = Field(description="The `[n]` marker used in the answer text.")
    document_id: str = Field(description="Id of the cited document.")
    file_name: str = Field(description="File name of the cited document.")
    title: str = Field(description="Title of the cited document.")
    pages: list[int] = Field(description="1-based page numbers the cited passage spans.")
    snippet: str = Field(
        description="The passage text (one or two sentences) that best "
        "supports the sentences citing it."
    )
    score: float = Field(description="Cosine similarity of the passage to the search query.")
    support: float | None = Field(
        None,
        description="How well the passage supports the answer sentences citing it (0-1; the "
        "weakest of them). Citations under RAG_CITATION_MIN_SUPPORT are removed.",
    )
    added_by_verifier: bool = Field(
        False,
        description="True when the model did not cite this source but the support check found "
        "it supports the sentence.",
    )
    sections: list[str] = Field(
        default_factory=list,
        description="For Markdown, HTML and Word files: the heading paths the passage sits "
        'under ("Guide > Install > Linux"), in order. Empty for PDFs (they have `pages`) and '
        "for text without headings. Files without pages have `pages` [1].",
    )
    lines: list[int] | None = Field(
        None,
        description="For Markdown and plain text files: `[first, last]` line (1-based, "
        "inclusive) of the passage in the file. Null for other formats.",
    )


class DroppedCitationOut(BaseModel):
    """A `[n]` marker the model wrote that the citation check removed."""

    number: int = Field(description="The marker's number.")
    reason: Literal["no_such_source", "unsupported", "fragment"] = Field(
        description="`no_such_source`: no source has this number. `unsupported`: the source "
        "does not support the sentence. `fragment`: without its markers the sentence says "
        'nothing ("This is mentioned in."), so it was dropped with them.'
    )
    sentence: str = Field(description="The answer sentence that carried the marker.")


class MessageOut(BaseModel):
    """One turn of a conversation."""

    id: uuid.UUID = Field(description="Message id.")
    role: Literal["user", "assistant"] = Field(description="Who wrote it.")
    content: str = Field(description="The text.")
    created_at: datetime = Field(description="When it was stored (UTC).")
    citations: list[CitationOut] = Field(description="Citations (assistant messages only).")
    groundedness: float | None = Field(
        None, description="Assistant messages: share of answer sentences a source supports."
    )


class ConversationCreatedOut(BaseModel):
    """A new conversation."""

    id: uuid.UUID = Field(description="Conversation id, used in the other endpoints.")
    document_ids: list[str] | None = Field(description="Its document scope; null means all.")
    created_at: datetime = Field(description="Creation time (UTC).")


class ConversationOut(ConversationCreatedOut):
    """A conversation with its full history."""

    messages: list[MessageOut] = Field(description="Every message, oldest first.")


class ConversationListItemOut(ConversationCreatedOut):
    """A conversation as listed (no messages)."""

    title: str | None = Field(description="The first question, shortened; null before one.")
    last_active_at: datetime = Field(description="When it was last read or written.")
    message_count: int = Field(description="Messages held (questions and answers).")


class ConversationListOut(BaseModel):
    """One page of conversations, newest first."""

    conversations: list[ConversationListItemOut] = Field(description="This page, newest first.")
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )


class MessageIn(StrictModel):
    """A user message."""

    message: str = Field(
        min_length=1, max_length=100_000, description="The question or follow-up to answer."
    )
    stream: bool = Field(
        False,
        description="Stream the answer as Server-Sent Events (same as sending "
        "`Accept: text/event-stream`): `retrieval`, then `token` events, then `done` with the "
        "full answer (or `error`).",
    )


class SourceOut(BaseModel):
    """A retrieved passage given to the model."""

    number: int = Field(description="Its `[n]` number in the prompt.")
    document_id: str = Field(description="Document id.")
    file_name: str = Field(description="File name.")
    pages: list[int] = Field(description="Pages the passage spans.")
    score: float = Field(description="Cosine similarity to the search query.")


class AnswerOut(BaseModel):
    """The assistant's answer to a message."""

    conversation_id: uuid.UUID = Field(description="The conversation.")
    message_id: uuid.UUID = Field(description="Id of the stored assistant message.")
    answer: str = Field(description="Answer text with verified `[n]` citation markers.")
    citations: list[CitationOut] = Field(description="The sources the answer cites, by number.")
    sources: list[SourceOut] = Field(description="Every passage the model was given.")
    answered_from_documents: bool = Field(
        description="False when the selected documents do not answer the question (nothing "
        "relevant was retrieved, or the model found no answer in the sources)."
    )
    groundedness: float | None = Field(
        description="Share of answer sentences supported by a source (0-1); null when the "
        "answer makes no claims (e.g. not found)."
    )
    answer_kind: Literal["generated", "quote", "not_found"] = Field(
        description="`generated`: the model's answer, citations verified; `quote`: the model's "
        "answer was not supported by the sources, so the best evidence sentences are quoted "
        "verbatim instead; `not_found`: the documents do not answer the question."
    )
    unsupported_sentences: list[str] = Field(
        description="Answer sentences no source supports: treat them with caution."
    )
    dropped_citations: list[DroppedCitationOut] = Field(
        description="Markers the model wrote that the citation check removed."
    )
    retrieval_query: str = Field(description="The text actually used for retrieval.")
    query_rewrite: Literal["none", "heuristic", "llm"] = Field(
        description="How the retrieval query was made: the message as is (`none`), the previous "
        "question prepended (`heuristic`), or rewritten into a standalone question (`llm`)."
    )
    history_turns_used: int = Field(description="Earlier question/answer pairs in the prompt.")
    history_truncated: bool = Field(
        description="True when older turns were left out to fit the context window."
    )
    created_at: datetime = Field(description="When the answer was stored (UTC).")


class FindingOut(BaseModel):
    """A key finding of a conversation."""

    text: str = Field(description="The finding.")
    citations: list[CitationOut] = Field(description="Sources backing it (from the answers).")


class SummaryOut(BaseModel):
    """A summary of a conversation."""

    conversation_id: uuid.UUID = Field(description="The conversation.")
    summary: str = Field(description="What was asked and learned, in a few sentences.")
    key_findings: list[FindingOut] = Field(description="Main facts, with their citations.")
    open_questions: list[str] = Field(description="Unanswered or newly raised questions.")
    action_items: list[str] = Field(description="Follow-up actions (may be empty).")
    method: Literal["llm", "extractive", "empty"] = Field(
        description="`llm`: written by the model as validated JSON. `extractive`: selected "
        "answer sentences (the LLM failed or timed out; see `fallback_reason`). `empty`: no "
        "messages yet."
    )
    fallback_reason: str | None = Field(
        description="Why the extractive summary was used, if it was."
    )
    message_count: int = Field(description="Messages the summary covers.")
    generated_at: datetime = Field(description="When it was generated (UTC).")
    cached: bool = Field(description="True when served from the cache (no new messages since).")


class SearchIn(StrictModel):
    """A semantic search over the chunks."""

    query: str = Field(min_length=1, max_length=2000, description="What to search for.")
    document_ids: list[DocumentIdStr] | None = Field(
        None, max_length=1000, description="Restrict to these documents; null searches all."
    )
    top_k: int | None = Field(
        None, ge=1, description="Number of results (default from settings, capped by max_top_k)."
    )


class SearchHitOut(BaseModel):
    """A chunk matching the query."""

    rank: int = Field(description="1-based rank.")
    score: float = Field(description="Cosine similarity to the query.")
    text: str = Field(description="The chunk text.")
    document_id: str = Field(description="Document id.")
    file_name: str = Field(description="File name.")
    title: str = Field(description="Document title.")
    pages: list[int] = Field(description="1-based pages the chunk spans.")
    chunk_index: int = Field(description="Position of the chunk within its document.")
    sections: list[str] = Field(
        default_factory=list, description="Heading paths of the chunk (files without pages)."
    )
    lines: list[int] | None = Field(
        None, description="`[first, last]` line of the chunk (Markdown and text files)."
    )


class SearchOut(BaseModel):
    """Search results, best first."""

    query: str = Field(description="The query as received.")
    results: list[SearchHitOut] = Field(description="Matching chunks, best first.")


class ErrorOut(BaseModel):
    """Every error response."""

    detail: str = Field(description="What went wrong, for humans.")
    code: str = Field(description="Stable machine-readable error code.")
