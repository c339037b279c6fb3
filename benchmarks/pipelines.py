"""tunedd vs the Haystack-tutorial pipeline, side by side in one run, same models.

Usage: python -m benchmarks.pipelines [--answers 3]

Baseline, built the way Haystack's tutorials do it: PyPDFToDocument → DocumentSplitter (200
words, 20 overlap) → embedder → DocumentWriter; query: embedder → InMemoryEmbeddingRetriever →
ChatPromptBuilder → chat generator. Both sides use the same int8 MiniLM ONNX encoder and the
same llama.cpp model instance, so differences come from the pipelines, not the models.

Measures ingestion (cold, warm restart, and the embedder-bound limit: raw encoder throughput on
the same chunks), retrieval latency p50/p95, answer latency and time to first token. Writes
docs/results/pipelines.json. The store at 100k chunks: ``benchmarks.stores``.
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

from haystack import Pipeline
from haystack.components.builders import ChatPromptBuilder
from haystack.components.converters import PyPDFToDocument
from haystack.components.preprocessors import DocumentSplitter
from haystack.components.retrievers.in_memory import InMemoryEmbeddingRetriever
from haystack.components.writers import DocumentWriter
from haystack.dataclasses import ChatMessage
from haystack.document_stores.in_memory import InMemoryDocumentStore
from haystack.document_stores.types import DuplicatePolicy

from tunedd_api.chat.events import TokenStreamed
from tunedd_api.components.embedders import OnnxDocumentEmbedder, OnnxTextEmbedder
from tunedd_api.evaluation.dataset import load_questions
from tunedd_api.indexing.indexer import Indexer, find_documents
from tunedd_api.runtime import Runtime, build_runtime
from tunedd_api.chat.memory_conversations import InMemoryConversationStore
from tunedd_api.settings import Settings
from tunedd_api.state import AppState
from tunedd_api.storage.migrate import open_app_database

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "arxiv-ai-agents"
TUTORIAL_TEMPLATE = """Given these documents, answer the question.
Documents:
{% for doc in documents %}{{ doc.content }}
{% endfor %}
Question: {{ question }}
Answer:"""


def peak_rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "p50_ms": round(1000 * statistics.median(ordered), 1),
        "p95_ms": round(1000 * ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 1),
    }


def tunedd_ingestion(runtime: Runtime, settings: Settings) -> dict[str, Any]:
    indexer = Indexer(pipeline=runtime.indexing, data_dir=settings.data_dir)
    cold = indexer.sync()
    warm = indexer.sync()
    return {
        "pages": cold.pages_indexed,
        "chunks": cold.chunks_embedded,
        "cold_s": round(cold.seconds, 2),
        "pages_per_s": round(cold.pages_indexed / cold.seconds, 1),
        "chunks_per_s": round(cold.chunks_embedded / cold.seconds, 1),
        "warm_s": round(warm.seconds, 2),
        "warm_chunks_embedded": warm.chunks_embedded,
    }


def baseline_ingestion(pages: int) -> tuple[dict[str, Any], InMemoryDocumentStore]:
    store = InMemoryDocumentStore(embedding_similarity_function="cosine")
    pipeline = Pipeline()
    pipeline.add_component("converter", PyPDFToDocument())
    pipeline.add_component(
        "splitter", DocumentSplitter(split_by="word", split_length=200, split_overlap=20)
    )
    pipeline.add_component("embedder", OnnxDocumentEmbedder())  # shares tunedd's session
    pipeline.add_component(
        "writer", DocumentWriter(document_store=store, policy=DuplicatePolicy.OVERWRITE)
    )
    pipeline.connect("converter", "splitter")
    pipeline.connect("splitter", "embedder")
    pipeline.connect("embedder", "writer")
    runs = []
    for _ in range(2):  # the tutorial pipeline has no notion of "already indexed"
        started = time.perf_counter()
        pipeline.run({"converter": {"sources": find_documents(CORPUS)}})
        runs.append(time.perf_counter() - started)
    chunks = store.count_documents()
    return (
        {
            "pages": pages,
            "chunks": chunks,
            "cold_s": round(runs[0], 2),
            "pages_per_s": round(pages / runs[0], 1),
            "chunks_per_s": round(chunks / runs[0], 1),
            "warm_s": round(runs[1], 2),
            "warm_chunks_embedded": chunks,
        },
        store,
    )


def embedder_bound(encoder: Any, texts: list[str]) -> dict[str, Any]:
    """Raw encoder throughput on the same chunks, at tunedd's batch size and the usual 32."""
    result: dict[str, Any] = {"chunks": len(texts)}
    for batch_size in (8, 32):
        started = time.perf_counter()
        encoder.encode(texts, batch_size=batch_size)
        seconds = time.perf_counter() - started
        result[f"batch_{batch_size}_chunks_per_s"] = round(len(texts) / seconds, 1)
    return result


def retrieval_latency(search: Any, questions: list[str]) -> dict[str, float]:
    search(questions[0])  # warm caches
    times = []
    for question in questions:
        started = time.perf_counter()
        search(question)
        times.append(time.perf_counter() - started)
    return percentiles(times)


def answer_latency(generate: Any, questions: list[str]) -> dict[str, Any]:
    totals, firsts = [], []
    for question in questions:
        first: list[float] = []
        started = time.perf_counter()
        generate(question, lambda _token: first or first.append(time.perf_counter() - started))
        totals.append(time.perf_counter() - started)
        if first:
            firsts.append(first[0])
    return {
        "median_answer_s": round(statistics.median(totals), 2),
        "median_first_token_s": round(statistics.median(firsts), 2) if firsts else None,
    }


def main() -> None:
    """Run both sides and save the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=3, help="questions answered per side")
    parser.add_argument("--out", type=Path, default=Path("docs/results/pipelines.json"))
    args = parser.parse_args()
    index_dir = Path(tempfile.mkdtemp(prefix="tunedd-bench-"))
    models = Path(".tunedd/bench/models")
    if models.exists():  # reuse the joined Qwen file instead of joining 1.1 GB again
        (index_dir / "models").symlink_to(models.resolve())
    settings = Settings(_env_file=None, data_dir=CORPUS, index_dir=index_dir)
    runtime = build_runtime(settings)
    runtime.prepare()
    backend = runtime.stack
    encoder = backend.text_embedder.encoder
    result: dict[str, Any] = {"ingestion": {}, "retrieval": {}, "answers": {}}

    result["ingestion"]["tunedd"] = tunedd_ingestion(runtime, settings)
    pages = result["ingestion"]["tunedd"]["pages"]
    result["ingestion"]["baseline"], baseline_store = baseline_ingestion(pages)
    chunk_texts = [d.content or "" for d in backend.document_store.filter_documents()]
    result["ingestion"]["embedder_bound"] = embedder_bound(encoder, chunk_texts)

    questions = [q.question for q in load_questions()]
    retriever = runtime.chat.get_component("retriever")
    baseline_retrieval = Pipeline()
    baseline_retrieval.add_component("embedder", OnnxTextEmbedder())
    baseline_retrieval.add_component(
        "retriever", InMemoryEmbeddingRetriever(document_store=baseline_store, top_k=5)
    )
    baseline_retrieval.connect("embedder.embedding", "retriever.query_embedding")
    result["retrieval"]["tunedd"] = retrieval_latency(
        lambda q: retriever.retrieve(q, document_ids=None, top_k=5), questions
    )
    result["retrieval"]["baseline"] = retrieval_latency(
        lambda q: baseline_retrieval.run({"embedder": {"text": q}}), questions
    )

    if args.answers:
        result["answers"] = compare_answers(runtime, baseline_retrieval, questions[: args.answers])
    result["peak_rss_mib"] = peak_rss_mib()
    runtime.close()
    shutil.rmtree(index_dir, ignore_errors=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


def compare_answers(
    runtime: Runtime, baseline_retrieval: Pipeline, questions: list[str]
) -> dict[str, Any]:
    """Answer latency of the full tunedd chat path vs the tutorial prompt, same model."""
    database = open_app_database(runtime.settings.app_database_url)
    state = AppState.build(runtime, InMemoryConversationStore(), database)
    state.ready = True
    backend = runtime.stack
    prompt_builder = ChatPromptBuilder(
        template=[ChatMessage.from_user(TUTORIAL_TEMPLATE)], required_variables="*"
    )

    def tunedd_answer(question: str, on_token: Any) -> None:
        conversation = state.conversations.create(None)

        def on_event(event: Any) -> None:
            if isinstance(event, TokenStreamed):
                on_token(event.text)

        asyncio.run(state.chat.send(conversation.id, question, on_event=on_event))

    def baseline_answer(question: str, on_token: Any) -> None:
        documents = baseline_retrieval.run({"embedder": {"text": question}})["retriever"][
            "documents"
        ]
        messages = prompt_builder.run(documents=documents, question=question)["prompt"]
        backend.chat_model.generate(messages, on_token=on_token)

    return {
        "tunedd": answer_latency(tunedd_answer, questions),
        "baseline": answer_latency(baseline_answer, questions),
    }


if __name__ == "__main__":
    main()
