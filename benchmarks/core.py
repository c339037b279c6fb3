"""What running tunedd as Haystack pipelines costs: per chat turn, per /search, per index run.

Usage: python -m benchmarks.core [--questions 40] [--out docs/results/core.json]

On the embedded stack over the five papers (real ONNX embedder, real store, real retrieval and
citation checks) with an instant chat model (Haystack's MockChatGenerator behind tunedd's
guarded generator), so the LLM's seconds do not drown the milliseconds measured here:

* chat turn: ``ChatService.answer`` (the chat pipeline via ``run_async_generator``) against the
  same components called one after the other in the same event loop, the blocking ones in a
  worker thread as the service did before the pipelines, alternating per question;
* /search: calls the chat graph's retriever component directly, so its pipeline overhead is
  the time between the API and that call (reported as the component's own time);
* indexing: cold (fresh index) and warm (restart: nothing re-embedded) through the indexing
  pipeline, with the embedder bound (raw encoder throughput on the same chunks).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from haystack.components.generators.chat import MockChatGenerator

from tunedd_api.backends.embedded.backend import EmbeddedStack
from tunedd_api.chat.conversations import InMemoryConversationStore
from tunedd_api.chat.service import ChatService
from tunedd_api.components.generator import GuardedChatGenerator
from tunedd_api.evaluation.dataset import load_questions
from tunedd_api.indexing.indexer import Indexer
from tunedd_api.runtime import build_runtime
from tunedd_api.settings import Settings
from tunedd_api.turns import History

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "arxiv-ai-agents"


def _ms(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "p50_ms": round(1000 * statistics.median(ordered), 2),
        "p95_ms": round(1000 * ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 2),
    }


async def _direct_turn(chat_pipeline: Any, question: str) -> Any:
    """The chat graph's components called in order, without the pipeline, the blocking ones
    off the event loop as a service must (as tunedd's ChatService did before the pipelines)."""
    get = chat_pipeline.get_component
    rewritten = await asyncio.to_thread(get("rewriter").run, question=question, history=History())
    retrieved = await asyncio.to_thread(
        get("retriever").run, query=rewritten["query"], document_ids=None
    )
    relevant = retrieved["relevant"]
    if not relevant:
        return get("refusal").run(question=rewritten["question"])["answer"]
    built = get("prompt_builder").run(
        question=rewritten["question"], sources=relevant, history=History()
    )
    replies = (await get("generator").run_async(messages=built["prompt"]))["replies"]
    verified = await asyncio.to_thread(
        get("verifier").run, replies=replies, sources=built["sources"]
    )
    return verified["answer"]


async def chat_overhead(runtime: Any, settings: Settings, questions: list[str]) -> dict[str, Any]:
    chat = ChatService(
        pipeline=runtime.chat,
        conversations=InMemoryConversationStore(),
        chat_model=runtime.stack.chat_model,
        settings=settings,
    )
    piped, direct, same = [], [], 0
    await chat.answer(questions[0], History(), None)  # warm caches
    for question in questions:
        started = time.perf_counter()
        turn = await chat.answer(question, History(), None)
        piped.append(time.perf_counter() - started)
        started = time.perf_counter()
        answer = await _direct_turn(runtime.chat, question)
        direct.append(time.perf_counter() - started)
        same += answer.text == turn.answer.text
    pipeline, components = _ms(piped), _ms(direct)
    return {
        "questions": len(questions),
        "pipeline": pipeline,
        "components": components,
        "overhead_p50_ms": round(pipeline["p50_ms"] - components["p50_ms"], 2),
        "same_answers": same,
    }


def search_latency(runtime: Any, questions: list[str]) -> dict[str, Any]:
    retriever = runtime.chat.get_component("retriever")
    times = []
    for question in questions:
        started = time.perf_counter()
        retriever.retrieve(question, document_ids=None, top_k=5)
        times.append(time.perf_counter() - started)
    return {"retriever_component": _ms(times), "pipeline_overhead_ms": 0.0}


def indexing(runtime: Any, settings: Settings) -> dict[str, Any]:
    indexer = Indexer(pipeline=runtime.indexing, data_dir=settings.data_dir)
    cold = indexer.sync()
    warm = indexer.sync()
    texts = [d.content or "" for d in runtime.stack.document_store.filter_documents()]
    started = time.perf_counter()
    runtime.stack.document_embedder.encoder.encode(texts, batch_size=settings.embedding_batch_size)
    bound = len(texts) / (time.perf_counter() - started)
    return {
        "chunks": cold.chunks_embedded,
        "cold_s": round(cold.seconds, 2),
        "chunks_per_s": round(cold.chunks_embedded / cold.seconds, 1),
        "embedder_bound_chunks_per_s": round(bound, 1),
        "share_of_bound": round(cold.chunks_embedded / cold.seconds / bound, 3),
        "warm_s": round(warm.seconds, 3),
        "warm_chunks_embedded": warm.chunks_embedded,
    }


def main() -> None:
    """Measure and write the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=40)
    parser.add_argument("--out", type=Path, default=Path("docs/results/core.json"))
    args = parser.parse_args()
    index_dir = Path(tempfile.mkdtemp(prefix="tunedd-core-"))
    settings = Settings(_env_file=None, data_dir=CORPUS, index_dir=index_dir)
    stack = EmbeddedStack(settings)
    stack.chat_model = GuardedChatGenerator(
        generator=MockChatGenerator(response_fn=lambda _m: "Agents use tools [1]."),
        model_name="instant",
        context_window=settings.local_context_tokens,
        max_answer_tokens=settings.max_answer_tokens,
        timeout_s=settings.llm_timeout_s,
    )
    runtime = build_runtime(settings, stack=stack)
    runtime.prepare()
    questions = [q.question for q in load_questions()][: args.questions]
    result = {
        "indexing": indexing(runtime, settings),
        "chat_turn": asyncio.run(chat_overhead(runtime, settings, questions)),
        "search": search_latency(runtime, questions),
    }
    runtime.close()
    shutil.rmtree(index_dir, ignore_errors=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
