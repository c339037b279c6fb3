"""Recall@10 of the embedded store's dense search against exact search, on real embeddings.

Usage: python -m benchmarks.store_recall [--out docs/results/store_recall.json]

Indexes the five papers with the embedded stack (real MiniLM vectors), embeds the labelled
questions, and compares each store's top 10 with an exact numpy cosine ranking over the same
vectors: the SQLite store (exact by construction, so this checks the implementation) and
Haystack's in-memory store. Also reports whether BM25 rankings match the in-memory store's.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

import numpy as np
from haystack.document_stores.in_memory import InMemoryDocumentStore

from tunedd_api.backends.embedded.backend import EmbeddedStack
from tunedd_api.evaluation.dataset import load_questions
from tunedd_api.indexing.indexer import Indexer
from tunedd_api.runtime import build_runtime
from tunedd_api.settings import Settings

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "arxiv-ai-agents"
K = 10


def _recall(found: list[list[str]], exact: list[list[str]]) -> float:
    return float(np.mean([len(set(f) & set(e)) / len(e) for f, e in zip(found, exact)]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/results/store_recall.json"))
    args = parser.parse_args()
    index_dir = Path(tempfile.mkdtemp(prefix="tunedd-recall-"))
    settings = Settings(_env_file=None, data_dir=CORPUS, index_dir=index_dir)
    runtime = build_runtime(settings, stack=EmbeddedStack(settings))
    runtime.prepare(chat=False)
    Indexer(pipeline=runtime.indexing, data_dir=settings.data_dir).sync()
    store = runtime.stack.document_store
    chunks = store.filter_documents()
    reference = InMemoryDocumentStore(embedding_similarity_function="cosine")
    reference.write_documents(chunks)
    matrix = np.array([c.embedding for c in chunks], dtype=np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    questions = [q.question for q in load_questions()]
    exact, ours, theirs, bm25_same = [], [], [], 0
    for question in questions:
        query = np.asarray(runtime.stack.text_embedder.run(text=question)["embedding"], np.float32)
        scores = matrix @ (query / np.linalg.norm(query))
        exact.append([chunks[i].id for i in np.argsort(-scores)[:K]])
        ours.append([d.id for d in store.embedding_retrieval(query.tolist(), top_k=K)])
        theirs.append([d.id for d in reference.embedding_retrieval(query.tolist(), top_k=K)])
        bm25_ours = [d.id for d in store.bm25_retrieval(question, top_k=K)]
        bm25_same += bm25_ours == [d.id for d in reference.bm25_retrieval(question, top_k=K)]
    result = {
        "chunks": len(chunks),
        "queries": len(questions),
        "dense_recall_at_10_vs_exact": {
            "sqlite_store": round(_recall(ours, exact), 4),
            "haystack_in_memory": round(_recall(theirs, exact), 4),
        },
        "bm25_top10_identical_to_in_memory": f"{bm25_same}/{len(questions)}",
    }
    runtime.close()
    shutil.rmtree(index_dir, ignore_errors=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
