"""The chat-turn graph: rewrite → retrieve (scoped, gated) → select evidence → route → prompt
→ LLM → verify.

::

    rewriter ─query─▶ retriever ─relevant─▶ router ─answerable─▶ prompt_builder ─▶ generator
        │  └──question───────────│─────────────▲        │              ▲               │
        │                        └─relevant─▶ selector ─sources───────┘               │
        └─query──────────────────────────────────▲    └─unanswerable─▶ refusal        ▼
                    answer ◀── policy ◀── verifier ◀─ replies, sources ◀─────────┘
                       ▲          (quote or refusal when the reply is unsupported)
                    refusal

Inputs: ``rewriter.question``, ``rewriter.history``, ``retriever.document_ids``,
``prompt_builder.history`` and, to stream, ``generator.streaming_callback``. The turn's result
is ``answer.value`` (an :class:`~tunedd_api.turns.Answer`); nothing relevant takes the
refusal branch without calling the LLM.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from haystack import Pipeline
from haystack.components.joiners import BranchJoiner
from haystack.components.routers import ConditionalRouter

from tunedd_api.backends.base import Stack
from tunedd_api.components.answer_policy import AnswerPolicy, Fallback
from tunedd_api.components.citation_verifier import (
    CitationVerifier,
    RefusalAnswer,
    UnsupportedMode,
)
from tunedd_api.components.evidence_selector import EvidenceSelector
from tunedd_api.components.followup_rewriter import FollowUpRewriter, RewriteMode
from tunedd_api.components.hybrid_retriever import HybridRetriever
from tunedd_api.components.prompt_builder import BudgetedPromptBuilder
from tunedd_api.turns import Answer

ROUTES = [
    {
        "condition": "{{ relevant | length > 0 }}",
        "output": "question",
        "output_passthrough": True,
        "output_name": "answerable",
        "output_type": str,
    },
    {
        "condition": "{{ relevant | length == 0 }}",
        "output": "question",
        "output_passthrough": True,
        "output_name": "unanswerable",
        "output_type": str,
    },
]


@dataclass(frozen=True)
class ChatOptions:
    """Retrieval, prompt and verification settings of the chat graph."""

    top_k: int = 5
    min_relevance: float = 0.3
    hybrid: bool = True
    keyword_leaders: int = 2
    rewrite_mode: RewriteMode = "llm"
    rewrite_timeout_s: float = 30.0
    history_max_turns: int = 3
    history_budget: int = 1024
    min_support: float = 0.6
    evidence_budget: int = 0
    evidence_neighbours: int = 1
    unsupported_sentences: UnsupportedMode = "mark"
    unsupported_answer: Fallback = "quote"
    system_prompt: str = "system_example.txt"
    question_position: Literal["after", "both"] = "both"

    @classmethod
    def from_settings(cls, settings: Any) -> "ChatOptions":
        """The options the settings name."""
        return cls(
            top_k=settings.top_k,
            min_relevance=settings.min_relevance,
            hybrid=settings.retrieval_mode == "hybrid",
            keyword_leaders=settings.keyword_leaders,
            rewrite_mode=settings.followup_rewrite,
            rewrite_timeout_s=settings.rewrite_timeout_s,
            history_max_turns=settings.history_max_turns,
            history_budget=settings.history_token_budget,
            min_support=settings.citation_min_support,
            evidence_budget=settings.evidence_tokens,
            evidence_neighbours=settings.evidence_neighbours,
            unsupported_sentences=settings.unsupported_sentences,
            unsupported_answer=settings.unsupported_answer,
            system_prompt=settings.system_prompt,
            question_position=settings.question_position,
        )


def build_chat_pipeline(stack: Stack, options: ChatOptions) -> Pipeline:
    """The chat-turn graph over ``stack``'s retrievers, embedders and chat generator."""
    generator = stack.chat_model
    pipeline = Pipeline()
    pipeline.add_component(
        "rewriter",
        FollowUpRewriter(
            generator=generator, mode=options.rewrite_mode, timeout_s=options.rewrite_timeout_s
        ),
    )
    pipeline.add_component(
        "retriever",
        HybridRetriever(
            text_embedder=stack.text_embedder,
            embedding_retriever=stack.retriever,
            keyword_retriever=stack.keyword_retriever if options.hybrid else None,
            top_k=options.top_k,
            min_relevance=options.min_relevance,
            score_scale=stack.score_scale,
            keyword_leaders=options.keyword_leaders,
        ),
    )
    pipeline.add_component("router", ConditionalRouter(routes=ROUTES))
    pipeline.add_component(
        "selector",
        EvidenceSelector(
            document_embedder=stack.document_embedder,
            budget_tokens=options.evidence_budget,
            neighbours=options.evidence_neighbours,
        ),
    )
    pipeline.add_component(
        "prompt_builder",
        BudgetedPromptBuilder(
            context_window=generator.context_window,
            max_answer_tokens=generator.max_answer_tokens,
            history_max_turns=options.history_max_turns,
            history_budget=options.history_budget,
            system_prompt=options.system_prompt,
            question_position=options.question_position,
        ),
    )
    pipeline.add_component("generator", generator)
    pipeline.add_component(
        "verifier",
        CitationVerifier(
            document_embedder=stack.document_embedder,
            min_support=options.min_support,
            unsupported_sentences=options.unsupported_sentences,
        ),
    )
    pipeline.add_component("policy", AnswerPolicy(fallback=options.unsupported_answer))
    pipeline.add_component("refusal", RefusalAnswer())
    pipeline.add_component("answer", BranchJoiner(Answer))
    pipeline.connect("rewriter.query", "retriever.query")
    pipeline.connect("rewriter.question", "router.question")
    pipeline.connect("retriever.relevant", "router.relevant")
    pipeline.connect("rewriter.query", "selector.question")
    pipeline.connect("retriever.relevant", "selector.sources")
    pipeline.connect("selector.sources", "prompt_builder.sources")
    pipeline.connect("router.answerable", "prompt_builder.question")
    pipeline.connect("router.unanswerable", "refusal.question")
    pipeline.connect("prompt_builder.prompt", "generator.messages")
    pipeline.connect("prompt_builder.sources", "verifier.sources")
    pipeline.connect("generator.replies", "verifier.replies")
    pipeline.connect("rewriter.query", "verifier.question")
    pipeline.connect("verifier.answer", "policy.answer")
    pipeline.connect("rewriter.query", "policy.question")
    pipeline.connect("prompt_builder.sources", "policy.sources")
    pipeline.connect("selector.evidence", "policy.evidence")
    pipeline.connect("policy.answer", "answer.value")
    pipeline.connect("refusal.answer", "answer.value")
    return pipeline
