"""Hybrid retrieval: BM25 hits are fused in by rank, and every chunk carries its cosine."""

from __future__ import annotations

import numpy as np
import pytest
from fakes import FakeStack, bag_of_words
from haystack import Document

from tunedd_api.components.hybrid_retriever import HybridRetriever, query_names, with_leaders

TEXTS = {
    "a": "volcanoes erupt basalt lava from magma chambers",
    "b": "the zygomorphic orchid flower has bilateral symmetry",
    "c": "glaciers carve valleys from granite",
}


class FixedEmbedder:
    """Embeds every query as a given text, to make dense and keyword results disagree."""

    def __init__(self, as_text: str) -> None:
        self.as_text = as_text

    def run(self, text: str) -> dict:
        return {"embedding": bag_of_words(self.as_text)}


@pytest.fixture()
def backend() -> FakeStack:
    backend = FakeStack()
    backend.document_store.write_documents(
        [
            Document(
                id=key,
                content=text,
                meta={"document_id": key, "file_name": f"{key}.pdf", "pages": [1]},
                embedding=bag_of_words(text),
            )
            for key, text in TEXTS.items()
        ]
    )
    backend.text_embedder = FixedEmbedder("volcanoes erupt basalt lava")
    return backend


def Retriever(
    backend: FakeStack, *, hybrid: bool, min_relevance: float = 0.3, keyword_leaders: int = 2
) -> HybridRetriever:
    return HybridRetriever(
        text_embedder=backend.text_embedder,
        embedding_retriever=backend.retriever,
        keyword_retriever=backend.keyword_retriever if hybrid else None,
        min_relevance=min_relevance,
        keyword_leaders=keyword_leaders,
    )


def test_dense_mode_misses_the_exact_keyword(backend: FakeStack) -> None:
    found = Retriever(backend, hybrid=False).retrieve("zygomorphic", document_ids=None, top_k=1)
    assert [c.document.id for c in found] == ["a"]


def test_hybrid_mode_fuses_in_the_keyword_match_with_its_cosine(backend: FakeStack) -> None:
    found = Retriever(backend, hybrid=True).retrieve("zygomorphic", document_ids=None, top_k=2)

    by_id = {c.document.id: c for c in found}
    assert set(by_id) == {"a", "b"}
    expected = float(np.dot(bag_of_words("volcanoes erupt basalt lava"), bag_of_words(TEXTS["a"])))
    assert by_id["a"].similarity == pytest.approx(expected)  # the dense cosine is kept
    assert by_id["b"].similarity == pytest.approx(0.0, abs=1e-6)  # computed from its vector


def test_hybrid_respects_the_document_scope(backend: FakeStack) -> None:
    found = Retriever(backend, hybrid=True).retrieve("zygomorphic", document_ids=["c"], top_k=3)
    assert {c.document.id for c in found} == {"c"}


def test_the_relevance_gate_passes_only_chunks_above_min_relevance(backend: FakeStack) -> None:
    retriever = Retriever(backend, hybrid=True, min_relevance=0.5, keyword_leaders=0)
    out = retriever.run("zygomorphic", top_k=2)

    assert {c.document.id for c in out["chunks"]} == {"a", "b"}
    assert [c.document.id for c in out["relevant"]] == ["a"]  # b's cosine is 0


def test_an_empty_scope_retrieves_nothing(backend: FakeStack) -> None:
    assert Retriever(backend, hybrid=True).run("zygomorphic", document_ids=[]) == {
        "relevant": [],
        "chunks": [],
    }


def test_certainty_scores_are_mapped_to_cosine(backend: FakeStack) -> None:
    retriever = Retriever(backend, hybrid=False)
    retriever.score_scale = "certainty"
    found = retriever.retrieve("x", document_ids=None, top_k=1)
    expected = float(np.dot(bag_of_words("volcanoes erupt basalt lava"), bag_of_words(TEXTS["a"])))
    assert found[0].similarity == pytest.approx(2 * expected - 1)


def test_a_name_the_embedding_misses_makes_its_keyword_hit_relevant(backend: FakeStack) -> None:
    backend.document_store.write_documents(
        [
            Document(
                id="d",
                content="Survey by Roya Asadi and Norwati Mustapha on agent frameworks",
                meta={"document_id": "d", "file_name": "d.pdf", "pages": [1]},
                embedding=bag_of_words("survey agent frameworks"),
            )
        ]
    )
    # query embeds as volcanoes; without leaders, only the name makes "d" relevant
    retriever = Retriever(backend, hybrid=True, min_relevance=0.3, keyword_leaders=0)
    relevant = retriever.run(query="What do Asadi and Mustapha propose?")["relevant"]
    named = [c for c in relevant if c.document.id == "d"]
    assert named and named[0].similarity < 0.3
    assert named[0].names_matched == ("Asadi", "Mustapha")
    # the same words in lower case are not names
    lower = retriever.run(query="what do asadi and mustapha propose?")["relevant"]
    assert "d" not in {c.document.id for c in lower}


def test_query_names_skip_question_words_and_the_first_word() -> None:
    assert query_names("Which model did Shanshan Han use in CA-MAS? What about PWLA?") == {
        "Shanshan",
        "Han",
        "CA-MAS",
        "PWLA",
    }
    assert query_names("Asadi proposed what?") == set()


REFERENCE_LIST = (
    "[11] Padghan, L. and Winikopff, M., 2004. Developing Intelligent Agent Systems. Wiley. "
    "[12] Zhang, J., Xu, X., and Deng, S. Volcanoes erupt basalt lava, 2023a. arXiv preprint "
    "arXiv:2308.11432. [13] Lee, K. Lava and magma. In Proceedings of IROS, pp. 30-59, 2019."
)


@pytest.mark.parametrize(
    ("query", "first"), [("volcanoes basalt lava", "a"), ("which references cite lava", "refs")]
)
def test_a_reference_list_ranks_after_prose_unless_references_are_asked_for(
    backend: FakeStack, query: str, first: str
) -> None:
    backend.document_store.write_documents(
        [
            Document(
                id="refs",
                content=REFERENCE_LIST,
                meta={"document_id": "a", "file_name": "a.pdf", "pages": [9], "chunk_index": 9},
                embedding=bag_of_words("volcanoes erupt basalt lava lava lava"),
            )
        ]
    )
    backend.text_embedder = FixedEmbedder("volcanoes erupt basalt lava lava lava")
    found = Retriever(backend, hybrid=True).retrieve(query, document_ids=None, top_k=2)
    assert found[0].document.id == first


def test_the_best_keyword_hit_stays_in_although_others_rank_middling_in_both(
    backend: FakeStack,
) -> None:
    backend.document_store.write_documents(
        [
            Document(
                id=f"both{i}",
                content=f"volcanoes erupt orchid {'basalt ' * i}",
                meta={"document_id": "c", "file_name": "c.pdf", "pages": [i]},
                embedding=bag_of_words(f"volcanoes erupt orchid {'basalt ' * i}"),
            )
            for i in range(1, 5)
        ]
    )
    found = Retriever(backend, hybrid=True).retrieve(
        "zygomorphic orchid", document_ids=None, top_k=3
    )
    # BM25's first (both rare words) takes the last place; the fused order is kept before it
    assert [c.document.id for c in found][-1] == "b"


def test_a_leader_cut_from_the_fused_list_is_put_back() -> None:
    fused = [Document(id=f"f{i}", content="x") for i in range(4)]
    leader = Document(id="lead", content="y")
    ordered = with_leaders(fused, [leader, fused[0]], top_k=3)
    assert [d.id for d in ordered] == ["f0", "f1", "lead", "f2", "f3"]


def test_several_missing_leaders_take_the_last_places_in_their_order() -> None:
    fused = [Document(id=f"f{i}", content="x") for i in range(5)]
    first, second = Document(id="k1", content="y"), Document(id="k2", content="z")
    ordered = with_leaders(fused, [first, second], top_k=4)
    # the second leader does not push the first one out of the top 4
    assert [d.id for d in ordered] == ["f0", "f1", "k1", "k2", "f2", "f3", "f4"]


def test_a_leader_further_down_the_fused_list_moves_up_as_its_fused_copy() -> None:
    fused = [Document(id=f"f{i}", content="x", score=i / 10) for i in range(5)]
    ordered = with_leaders(fused, [Document(id="f4", content="x"), fused[0]], top_k=3)
    assert [d.id for d in ordered] == ["f0", "f1", "f4", "f2", "f3"]
    assert ordered[2].score == pytest.approx(0.4)


class FixedList:
    """A retriever that returns the same ranked documents for every query."""

    def __init__(self, documents: list[Document]) -> None:
        self.documents = documents

    def run(self, top_k: int, **_: object) -> dict:
        return {"documents": self.documents[:top_k]}


def test_keyword_leaders_sets_how_many_bm25_hits_are_kept() -> None:
    dense = [Document(id=f"d{i}", content=f"dense {i}", score=0.9 - i / 100) for i in range(10)]
    keyword = [Document(id="k1", content="bm25 first"), Document(id="k2", content="bm25 second")]
    keyword += dense[3:9]  # ranked middling by both lists, so fusion puts them first

    def top(leaders: int) -> list[str]:
        retriever = HybridRetriever(
            text_embedder=FixedEmbedder("anything"),
            embedding_retriever=FixedList(dense),
            keyword_retriever=FixedList(keyword),
            keyword_leaders=leaders,
        )
        return [c.document.id for c in retriever.retrieve("q", document_ids=None, top_k=4)]

    assert not {"k1", "k2"} & set(top(0))
    assert "k1" in top(1) and "k2" not in top(1)
    assert top(2)[2:] == ["k1", "k2"]


def test_keyword_leaders_are_serialised(backend: FakeStack) -> None:
    retriever = Retriever(backend, hybrid=True)
    retriever.keyword_leaders = 3
    assert retriever.to_dict()["init_parameters"]["keyword_leaders"] == 3
