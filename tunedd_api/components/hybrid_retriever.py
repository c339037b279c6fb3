"""Hybrid retrieval in one coarse component: query embedding → dense + BM25 → RRF → gate.

The document scope is a metadata filter evaluated inside the store (a Weaviate ``where``
filter in production), never a post-filter, so a scoped conversation gets its full top_k from
its documents. Dense and keyword lists are fused by reciprocal rank (the measured default, see
docs/EVALUATION.md) in a fixed order (dense first: RRF ties break by list order), with
BM25's best two hits kept among the top_k. Each chunk keeps its cosine similarity to the query,
which the relevance gate compares with ``min_relevance``. Reference lists and author lists
(:mod:`reference_lists`) go after prose among the candidates unless the question asks about
references: they share every topic word of a paper and crowded out the passage that answers.

One component on purpose: as separate pipeline nodes (embedder, two retrievers, joiner) a query
costs ~+18 ms in Haystack's per-step input copies, as one component ~2 ms. The embedder and
the store are called through their own guards so each retries and trips its breaker alone.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any, Literal

import numpy as np
from haystack import Document, component, default_from_dict, default_to_dict
from haystack.components.joiners import DocumentJoiner

from tunedd_api.components.nesting import nested_from_dict, nested_to_dict
from tunedd_api.components.reference_lists import asks_for_references, is_reference_list
from tunedd_api.documents import document_filter
from tunedd_api.observability.metrics import EMBEDDING_SECONDS, RETRIEVAL_SECONDS
from tunedd_api.resilience import Guards
from tunedd_api.turns import RetrievedChunk

#: Keyword hits (best first) in which a name of the query makes a chunk relevant.
NAMED_HITS = 3
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-'][A-Za-z0-9]+)*")
#: Capitalised words that are not names (question words, sentence openers, pronouns).
_NOT_NAMES = frozenset(
    "what which who whom whose how why when where does do did is are was were can could "
    "should would will the a an in on of for and or but if i summarize summarise describe "
    "explain list give tell compare according".split()
)


@component
class HybridRetriever:
    """Finds the chunks for a query within a document scope.

    :param text_embedder: Embeds the query (``text`` in, ``embedding`` out).
    :param embedding_retriever: Dense retriever over the store.
    :param keyword_retriever: BM25 retriever over the same store (``None``: dense only).
    :param top_k: Chunks returned by default.
    :param min_relevance: Cosine similarity a chunk needs to count as relevant.
    :param score_scale: What the dense retriever's scores are: ``cosine``, or Weaviate's
        ``certainty`` ((1 + cosine) / 2).
    :param prose_first: Rank reference lists after prose (unless the query asks for them).
    :param keyword_leaders: BM25's best hits kept among the top_k after fusion (0: plain RRF).
    """

    def __init__(
        self,
        *,
        text_embedder: Any,
        embedding_retriever: Any,
        keyword_retriever: Any = None,
        top_k: int = 5,
        min_relevance: float = 0.3,
        score_scale: Literal["cosine", "certainty"] = "cosine",
        prose_first: bool = True,
        keyword_leaders: int = 2,
    ) -> None:
        self.text_embedder = text_embedder
        self.embedding_retriever = embedding_retriever
        self.keyword_retriever = keyword_retriever
        self.top_k = top_k
        self.min_relevance = min_relevance
        self.score_scale = score_scale
        self.prose_first = prose_first
        self.keyword_leaders = keyword_leaders
        self._joiner = DocumentJoiner(join_mode="reciprocal_rank_fusion")
        self._guards = Guards.passthrough()

    def use_guards(self, guards: Guards) -> None:
        """Retry and break circuits with the runtime's shared embedder and store guards."""
        self._guards = guards

    def warm_up(self) -> None:
        """Load the query embedder."""
        if hasattr(self.text_embedder, "warm_up"):
            self.text_embedder.warm_up()

    def to_dict(self) -> dict[str, Any]:
        """Serialise, including the embedder and the retrievers."""
        return default_to_dict(
            self,
            text_embedder=nested_to_dict(self.text_embedder),
            embedding_retriever=nested_to_dict(self.embedding_retriever),
            keyword_retriever=nested_to_dict(self.keyword_retriever),
            top_k=self.top_k,
            min_relevance=self.min_relevance,
            score_scale=self.score_scale,
            prose_first=self.prose_first,
            keyword_leaders=self.keyword_leaders,
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "HybridRetriever":
        """Rebuild, including the embedder and the retrievers."""
        nested_from_dict(data, "text_embedder", "embedding_retriever", "keyword_retriever")
        return default_from_dict(cls, data)

    @component.output_types(relevant=list[RetrievedChunk], chunks=list[RetrievedChunk])
    def run(
        self, query: str, document_ids: list[str] | None = None, top_k: int | None = None
    ) -> dict[str, Any]:
        """The relevant chunks for ``query``.

        :param query: The search query.
        :param document_ids: The scope (``None``: every document; empty: nothing).
        :param top_k: Chunks to return (default: the init value).
        :returns: ``chunks``: the best ``top_k`` with their cosine similarity, fused order;
            ``relevant``: those of them above ``min_relevance`` (empty: nothing relevant).
        """
        chunks = self.retrieve(query, document_ids=document_ids, top_k=top_k or self.top_k)
        relevant = [c for c in chunks if c.similarity >= self.min_relevance or c.names_matched]
        return {"relevant": relevant, "chunks": chunks}

    def retrieve(
        self, query: str, *, document_ids: list[str] | None, top_k: int
    ) -> list[RetrievedChunk]:
        """The best ``top_k`` chunks for ``query``, each with its cosine similarity (blocking)."""
        if document_ids is not None and not document_ids:
            return []
        filters = document_filter(document_ids) if document_ids is not None else None
        hybrid = self.keyword_retriever is not None
        candidates = max(2 * top_k, 10) if hybrid or self.prose_first else top_k
        guards = self._guards
        named: dict[str, tuple[str, ...]] = {}
        with RETRIEVAL_SECONDS.time():
            with EMBEDDING_SECONDS.labels(kind="query").time():
                embedding = guards.embedder.call(
                    lambda: self.text_embedder.run(text=query)["embedding"]
                )
            documents = guards.document_store.call(
                lambda: self.embedding_retriever.run(
                    query_embedding=embedding, filters=filters, top_k=candidates
                )["documents"]
            )
            if hybrid:
                keyword = guards.document_store.call(
                    lambda: self.keyword_retriever.run(
                        query=query, filters=filters, top_k=candidates
                    )["documents"]
                )
                named = names_in_top_hits(query, keyword)
                cosine = {d.id: d.score for d in documents}
                leaders = [
                    replace(d, score=cosine.get(d.id)) for d in keyword[: self.keyword_leaders]
                ]
                documents = self._fuse(documents, keyword, candidates, cosine)
            else:
                leaders = []
                documents = sorted(documents, key=lambda d: d.score or 0.0, reverse=True)
            if self.prose_first and not asks_for_references(query):
                documents = prose_before_lists(documents)
                leaders = [d for d in leaders if not is_reference_list(d)]
            documents = with_leaders(documents, leaders, top_k)
        # Vectors are dropped once the cosine is known: nothing downstream needs them, and
        # the pipeline copies every component's inputs (10 x 384 floats per copy).
        return [
            RetrievedChunk(
                document=replace(doc, embedding=None),
                similarity=self._similarity(doc, embedding),
                names_matched=named.get(doc.id, ()),
            )
            for doc in documents[:top_k]
        ]

    def _fuse(
        self,
        dense: list[Document],
        keyword: list[Document],
        top_k: int,
        cosine: dict[str, float | None],
    ) -> list[Document]:
        """Reciprocal rank fusion, each document scored with its ``cosine`` from the dense list."""
        fused = self._joiner.run(documents=[dense, keyword], top_k=top_k)["documents"]
        return [replace(d, score=cosine.get(d.id)) for d in fused]

    def _similarity(self, document: Document, query_embedding: list[float]) -> float:
        if document.score is not None:
            score = document.score
            return 2.0 * score - 1.0 if self.score_scale == "certainty" else score
        if document.embedding is None:  # a keyword-only hit from a store that drops vectors
            return 0.0
        vector = np.asarray(document.embedding, dtype=np.float32)
        query = np.asarray(query_embedding, dtype=np.float32)
        denominator = float(np.linalg.norm(vector) * np.linalg.norm(query)) or 1.0
        return round(float(vector @ query) / denominator, 6)


def with_leaders(fused: list[Document], leaders: list[Document], top_k: int) -> list[Document]:
    """``fused`` with every leader (here BM25's best hits) among the first ``top_k``.

    Reciprocal rank fusion sums 1/(60 + rank): chunks both lists rank middling (8th and 8th)
    outscore one that BM25 ranks first and the embedding misses, which is how an exact keyword
    match ("Let's Encrypt, a certificate authority") fell out of the top 5. Leaders missing
    from the top ``top_k`` take its last places, in the leaders' order; the fused order is kept
    otherwise. Measured (``benchmarks/fusion.py``): the labelled evidence is in the top 5 for
    48 of 61 questions with plain fusion, 50 keeping BM25's best hit and 52 keeping its best
    two; keeping the embedding's best hit too adds none and displaced a passage an answer
    cited.
    """
    top = {d.id for d in fused[:top_k]}
    missing: dict[str, Document] = {}
    for leader in leaders:
        if leader.id not in top:
            missing.setdefault(leader.id, leader)
    if not missing:
        return list(fused)
    copies = {d.id: d for d in fused if d.id in missing}  # the fused copy has the cosine
    rest = [d for d in fused if d.id not in missing]
    room = max(top_k - len(missing), 0)
    return rest[:room] + [copies.get(i, d) for i, d in missing.items()] + rest[room:]


def prose_before_lists(documents: list[Document]) -> list[Document]:
    """The documents in the same order, reference lists moved after the rest (a stable sort)."""
    return sorted(documents, key=is_reference_list)


def query_names(query: str) -> set[str]:
    """Capitalised words and acronyms of the query that are not its first word or a question
    word: "Shanshan Han", "Asadi", "PWLA"."""
    words = _WORD.findall(query)
    return {w for w in words[1:] if w[0].isupper() and w.lower() not in _NOT_NAMES}


def names_in_top_hits(query: str, keyword_hits: list[Document]) -> dict[str, tuple[str, ...]]:
    """Ids of the best keyword hits that contain (case-sensitive, whole word) a query name.

    The relevance gate compares cosine similarity with a threshold; an embedding barely
    reacts to an author's name or a paper's acronym, so "What do Asadi and Mustapha propose?"
    was refused although BM25 ranked their paper first.
    """
    names = query_names(query)
    if not names:
        return {}
    found = {}
    for document in keyword_hits[:NAMED_HITS]:
        present = set(_WORD.findall(document.content or "")) & names
        if present:
            found[document.id] = tuple(sorted(present))
    return found
