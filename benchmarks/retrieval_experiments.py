"""Retrieval experiments on the five papers, scored with the labelled question set.

Usage: python -m benchmarks.retrieval_experiments [--out docs/results/retrieval_experiments.json]

Compares, with the same int8 MiniLM embedder and Haystack's in-memory store:
* tunedd's page-aware chunker at several chunk sizes and overlaps (embedder tokens);
* the Haystack-tutorial splitting (PyPDFToDocument → DocumentSplitter by words), whose
  chunks can exceed the embedder's 256-token window and are then silently truncated;
* dense retrieval vs hybrid (BM25 + dense fused with reciprocal rank fusion).
No cross-encoder reranker can be loaded offline here (none ships on PyPI), so none is tried.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Callable

from haystack import Document
from haystack.components.converters import PyPDFToDocument
from haystack.components.joiners import DocumentJoiner
from haystack.components.preprocessors import DocumentCleaner, DocumentSplitter
from haystack.components.retrievers.in_memory import (
    InMemoryBM25Retriever,
    InMemoryEmbeddingRetriever,
)
from haystack.document_stores.in_memory import InMemoryDocumentStore

from tunedd_api.components.embedders import OnnxDocumentEmbedder, OnnxTextEmbedder
from tunedd_api.embedding.onnx_encoder import OnnxMiniLMEncoder
from tunedd_api.evaluation.dataset import load_questions
from tunedd_api.evaluation.retrieval import Hit, evaluate_retrieval
from tunedd_api.indexing.indexer import find_documents
from tunedd_api.components.page_splitter import PageAwareSplitter
from tunedd_api.components.file_converter import FileConverter
from tunedd_api.components.pdf_text import CLEANING_REGEXES, document_id_for

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "arxiv-ai-agents"


def page_aware_documents(size: int, overlap: int) -> list[Document]:
    """tunedd's chunks: sentences tagged with pages, packed to ``size`` embedder tokens."""
    paths = find_documents(CORPUS)
    converted = FileConverter(workers=1).run(
        sources=[str(p) for p in paths], meta=[{"document_id": document_id_for(p)} for p in paths]
    )["documents"]
    cleaned = DocumentCleaner(
        remove_empty_lines=False,
        remove_extra_whitespaces=False,
        keep_id=True,
        replace_regexes=CLEANING_REGEXES,
    ).run(documents=converted)["documents"]
    splitter = PageAwareSplitter(chunk_size=size, chunk_overlap=overlap)
    return splitter.run(documents=cleaned)["documents"]


def tutorial_documents(words: int, overlap: int) -> list[Document]:
    """Haystack-tutorial chunks: converted PDF split by words; pages from form feeds."""
    converted = PyPDFToDocument().run(sources=find_documents(CORPUS))["documents"]
    for document, path in zip(converted, find_documents(CORPUS)):
        document.meta["file_name"] = path.name
    splitter = DocumentSplitter(split_by="word", split_length=words, split_overlap=overlap)
    splitter.warm_up()
    chunks = splitter.run(documents=converted)["documents"]
    for chunk in chunks:
        chunk.meta["pages"] = [chunk.meta.get("page_number", 1)]
    return chunks


def build_search(
    documents: list[Document], encoder: OnnxMiniLMEncoder, hybrid: bool
) -> Callable[[str, int], list[Hit]]:
    """A fresh store holding the embedded ``documents``; return a search function over it."""
    store = InMemoryDocumentStore(embedding_similarity_function="cosine")
    store.write_documents(documents)
    dense = InMemoryEmbeddingRetriever(document_store=store)
    bm25 = InMemoryBM25Retriever(document_store=store)
    joiner = DocumentJoiner(join_mode="reciprocal_rank_fusion")
    query_embedder = OnnxTextEmbedder()

    def search(text: str, k: int) -> list[Hit]:
        embedding = query_embedder.run(text=text)["embedding"]
        found = dense.run(query_embedding=embedding, top_k=k)["documents"]
        if hybrid:
            keyword = bm25.run(query=text, top_k=k)["documents"]
            found = joiner.run(documents=[found, keyword], top_k=k)["documents"]
        return [Hit(d.meta["file_name"], tuple(d.meta.get("pages", []))) for d in found]

    return search


CONFIGS = [
    ("page-aware 200/40 (default)", lambda: page_aware_documents(200, 40)),
    ("page-aware 128/32", lambda: page_aware_documents(128, 32)),
    ("page-aware 254/0", lambda: page_aware_documents(254, 0)),
    ("page-aware 200/0", lambda: page_aware_documents(200, 0)),
    ("tutorial words 200/20", lambda: tutorial_documents(200, 20)),
    ("tutorial words 100/20", lambda: tutorial_documents(100, 20)),
]


def main() -> None:
    """Run every configuration dense and hybrid; print a Markdown table; save JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/results/retrieval_experiments.json"))
    args = parser.parse_args()
    encoder = OnnxMiniLMEncoder()
    encoder.warm_up()
    questions = load_questions()
    rows = []
    for name, make in CONFIGS:
        started = time.perf_counter()
        documents = OnnxDocumentEmbedder().run(documents=make())["documents"]
        for hybrid in (False, True):
            search = build_search(documents, encoder, hybrid)
            scores = evaluate_retrieval(questions, search)
            rows.append(
                {
                    "config": name,
                    "retrieval": "hybrid RRF" if hybrid else "dense",
                    "chunks": len(documents),
                    **scores,
                }
            )
            print(json.dumps(rows[-1]), flush=True)
        print(f"{name}: {time.perf_counter() - started:.1f}s", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    print(
        "\n| chunking | retrieval | chunks | page R@1 | page R@3 | page R@5 | page MRR@10 "
        "| doc R@1 |\n|---|---|---|---|---|---|---|---|"
    )
    for r in rows:
        print(
            f"| {r['config']} | {r['retrieval']} | {r['chunks']} | {r['page_recall@1']:.3f} | "
            f"{r['page_recall@3']:.3f} | {r['page_recall@5']:.3f} | {r['page_mrr@10']:.3f} | "
            f"{r['doc_recall@1']:.3f} |"
        )


if __name__ == "__main__":
    main()
