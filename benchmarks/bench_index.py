"""The bench index's chat graph and the labelled page test, shared by the retrieval benchmarks.

``benchmarks.evidence``, ``benchmarks.fusion`` and ``benchmarks.gate`` all search the five
papers indexed in ``.tunedd/bench`` with the chat graph's own retriever (no LLM) and ask
whether a chunk comes from a question's paper and evidence page.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from haystack import Document

from tunedd_api.evaluation.dataset import EvalQuestion
from tunedd_api.runtime import Runtime, build_runtime
from tunedd_api.settings import Settings

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "arxiv-ai-agents"
INDEX_DIR = Path(".tunedd/bench")


def bench_runtime(**settings: Any) -> Runtime:
    """The runtime over the bench index with its retriever loaded (chat model not loaded).

    :param settings: Settings to override (e.g. ``top_k``).
    """
    runtime = build_runtime(
        Settings(_env_file=None, data_dir=CORPUS, index_dir=INDEX_DIR, **settings)
    )
    runtime.prepare(chat=False)
    runtime.chat.get_component("retriever").warm_up()
    return runtime


def on_evidence_page(question: EvalQuestion, document: Document) -> bool:
    """Whether ``document`` is a chunk of the question's paper spanning an evidence page."""
    return document.meta["file_name"].startswith(question.file or "\0") and bool(
        set(document.meta.get("pages", [])) & set(question.pages)
    )
