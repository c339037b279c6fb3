"""Ways to fuse the dense and BM25 rankings, scored by labelled evidence in the top k.

Usage: python -m benchmarks.fusion [--out docs/results/fusion.json]

No LLM. For every answerable labelled question (a follow-up is asked with its first question,
as the rewriter's fallback does) the chat graph's embedder and both retrievers of the bench
index (`.tunedd/bench`) return their 50 best chunks once; each fusion then orders them, reference
lists go after prose as in the app, and the top 3/5/6/8 are checked for the question's evidence
sentence (hit: ≥ 80 % of its content words in one chunk of the right paper) and the top 5 for
its page. The fusions:

* ``rrf`` — reciprocal rank fusion (k = 60) of each list's best 10: tunedd before 2026-12-03;
* ``rrf + keyword leader`` — the same with BM25's best hit kept in the top k;
* ``rrf + 2 / 3 keyword leaders`` — with BM25's best two or three hits kept (tunedd now: 2);
* ``rrf + both leaders`` — with the embedding's best hit kept as well;
* ``rrf-50`` — the same fusion over each list's best 50;
* ``min-max 0.5`` / ``min-max 0.75`` — scores scaled to [0, 1] per list (best 20), then
  0.5/0.75 dense + the rest BM25 (0.75 is Weaviate's hybrid default weight);
* ``dbsf`` — distribution-based score fusion (scores scaled by mean ± 3 sd, summed);
* ``interleave`` — dense and BM25 hits alternately;
* ``+ rare-word hit (≤ f)`` — two BM25 leaders plus the best prose hit of a BM25 query made of
  the question's rare words: those in at most a share f of the chunks (at least 3 chunks).
  Measured, not adopted: the gain depends on f (docs/EVALUATION.md).
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
from haystack import Document

from benchmarks.bench_index import bench_runtime, on_evidence_page
from benchmarks.evidence import HIT, evidence_coverage
from tunedd_api.components.hybrid_retriever import prose_before_lists, with_leaders
from tunedd_api.components.reference_lists import is_reference_list
from tunedd_api.evaluation.dataset import EvalQuestion, load_questions
from tunedd_api.evaluation.retrieval import query_for
from tunedd_api.turns import RetrievedChunk

Fusion = Callable[[list[Document], list[Document], int], list[Document]]
#: Shares of the chunks a word may occur in to count as rare, for the rare-word leader.
RARE_SHARES = (0.005, 0.01, 0.02, 0.05)
_BM25_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # Haystack's in-memory BM25 tokenizer


def rrf(dense: list[Document], keyword: list[Document], depth: int = 10) -> list[Document]:
    """Reciprocal rank fusion (k = 60) of each list's best ``depth``, dense first on ties."""
    scores: dict[str, float] = {}
    documents: dict[str, Document] = {}
    for ranked in (dense[:depth], keyword[:depth]):
        for rank, document in enumerate(ranked):
            scores[document.id] = scores.get(document.id, 0.0) + 1 / (61 + rank)
            documents.setdefault(document.id, document)
    return [documents[i] for i in sorted(scores, key=lambda i: -scores[i])]


def scaled(ranked: list[Document], how: str) -> dict[str, float]:
    """Each document's score scaled per list: ``minmax`` to [0, 1], ``dbsf`` by mean ± 3 sd."""
    scores = np.array([d.score or 0.0 for d in ranked], dtype=float)
    if how == "minmax":
        low, span = scores.min(), scores.max() - scores.min()
    else:
        low, span = scores.mean() - 3 * scores.std(), 6 * scores.std()
    return {d.id: float((s - low) / (span or 1.0)) for d, s in zip(ranked, scores)}


def score_fusion(how: str, dense_weight: float, depth: int) -> Fusion:
    """Weighted sum of per-list scaled scores over each list's best ``depth``."""

    def fuse(dense: list[Document], keyword: list[Document], top_k: int) -> list[Document]:
        a, b = scaled(dense[:depth], how), scaled(keyword[:depth], how)
        documents = {d.id: d for d in dense[:depth] + keyword[:depth]}
        total = {
            i: dense_weight * a.get(i, 0.0) + (1 - dense_weight) * b.get(i, 0.0) for i in documents
        }
        return [documents[i] for i in sorted(total, key=lambda i: -total[i])]

    return fuse


def interleave(dense: list[Document], keyword: list[Document], top_k: int) -> list[Document]:
    """Dense and BM25 hits alternately, each document once."""
    seen: dict[str, Document] = {}
    for pair in zip(dense[:10], keyword[:10]):
        for document in pair:
            seen.setdefault(document.id, document)
    return list(seen.values())


def keyword_leaders(count: int, extra: Sequence[Document] = ()) -> Fusion:
    """RRF with BM25's best ``count`` hits (reference lists left out) kept, as the app does,
    and the first prose document of ``extra`` after them."""

    def fuse(dense: list[Document], keyword: list[Document], top_k: int) -> list[Document]:
        leaders = [x for x in keyword[:count] if not is_reference_list(x)]
        leaders += [x for x in extra if not is_reference_list(x)][:1]
        return with_leaders(prose_before_lists(rrf(dense, keyword)), leaders, top_k)

    return fuse


FUSIONS: dict[str, Fusion] = {
    "rrf": lambda d, k, top_k: prose_before_lists(rrf(d, k)),
    "rrf + keyword leader": keyword_leaders(1),
    "rrf + 2 keyword leaders": keyword_leaders(2),
    "rrf + 3 keyword leaders": keyword_leaders(3),
    "rrf + both leaders": lambda d, k, top_k: with_leaders(
        prose_before_lists(rrf(d, k)), [x for x in (d[0], k[0]) if not is_reference_list(x)], top_k
    ),
    "rrf-50": lambda d, k, top_k: prose_before_lists(rrf(d, k, depth=50)),
    "min-max 0.5": lambda d, k, top_k: prose_before_lists(
        score_fusion("minmax", 0.5, 20)(d, k, top_k)
    ),
    "min-max 0.75": lambda d, k, top_k: prose_before_lists(
        score_fusion("minmax", 0.75, 20)(d, k, top_k)
    ),
    "dbsf": lambda d, k, top_k: prose_before_lists(score_fusion("dbsf", 0.5, 50)(d, k, top_k)),
    "interleave": lambda d, k, top_k: prose_before_lists(interleave(d, k, top_k)),
}


def rare_words(query: str, frequency: Counter, chunks: int, share: float) -> list[str]:
    """The query's words found in at most ``share`` of the chunks (at least 3 chunks)."""
    limit = max(3, chunks * share)
    words = set(_BM25_TOKEN.findall(query.lower()))
    return sorted(w for w in words if 0 < frequency[w] <= limit)


def _has_evidence(question: EvalQuestion, documents: list[Document]) -> bool:
    return any(
        evidence_coverage(question, [RetrievedChunk(document=d, similarity=0.0)]) >= HIT
        for d in documents
    )


def run() -> dict[str, Any]:
    """Retrieve once per question, fuse every way, count hits."""
    retriever = bench_runtime().chat.get_component("retriever")
    chunks = retriever.keyword_retriever.document_store.filter_documents()
    frequency: Counter = Counter()
    for chunk in chunks:
        frequency.update(set(_BM25_TOKEN.findall((chunk.content or "").lower())))
    rare_names = {
        share: f"rrf + 2 keyword leaders + rare-word hit (≤ {share:.1%})" for share in RARE_SHARES
    }
    questions = load_questions()
    by_id = {q.id: q for q in questions}
    answerable = [q for q in questions if q.answerable]
    counts = {
        name: {"evidence@3": 0, "evidence@5": 0, "evidence@6": 0, "evidence@8": 0, "page@5": 0}
        for name in [*FUSIONS, *rare_names.values()]
    }
    for question in answerable:
        query = query_for(question, by_id)
        embedding = retriever.text_embedder.run(text=query)["embedding"]
        dense = retriever.embedding_retriever.run(query_embedding=embedding, top_k=50)["documents"]
        keyword = retriever.keyword_retriever.run(query=query, top_k=50)["documents"]
        fusions = dict(FUSIONS)
        for share, name in rare_names.items():
            words = rare_words(query, frequency, len(chunks), share)
            hits = (
                retriever.keyword_retriever.run(query=" ".join(words), top_k=5)["documents"]
                if words
                else []
            )
            fusions[name] = keyword_leaders(2, extra=hits)
        for name, fuse in fusions.items():
            for k in (3, 5, 6, 8):
                ranked = fuse(dense, keyword, k)[:k]
                counts[name][f"evidence@{k}"] += _has_evidence(question, ranked)
            counts[name]["page@5"] += any(
                on_evidence_page(question, d) for d in fuse(dense, keyword, 5)[:5]
            )
    return {"questions": len(answerable), "fusions": counts}


def main() -> None:
    """Parse arguments, run, print and save."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/results/fusion.json"))
    args = parser.parse_args()
    result = run()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    n = result["questions"]
    print(f"| fusion | evidence in top 3 | top 5 | top 6 | top 8 | right page in top 5 | (of {n})")
    print("|---|---|---|---|---|---|")
    for name, c in result["fusions"].items():
        hits = " | ".join(
            str(c[key])
            for key in ("evidence@3", "evidence@5", "evidence@6", "evidence@8", "page@5")
        )
        print(f"| {name} | {hits} |")


if __name__ == "__main__":
    main()
