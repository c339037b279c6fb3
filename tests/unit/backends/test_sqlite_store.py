"""The embedded SQLite store: Haystack's document-store contract, and the same search results
as Haystack's in-memory store it replaces."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest
from haystack import Document
from haystack.document_stores.in_memory import InMemoryDocumentStore
from haystack.document_stores.types import DuplicatePolicy
from haystack.testing.document_store import (
    CountDocumentsTest,
    DeleteAllTest,
    DeleteByFilterTest,
    DeleteDocumentsTest,
    FilterDocumentsTest,
    UpdateByFilterTest,
    WriteDocumentsTest,
)

from tunedd_api.backends.embedded.sqlite_store import SQLiteDocumentStore


def _comparable(document: Document) -> dict:
    record = document.to_dict(flatten=False)
    embedding = record.pop("embedding")
    record["embedding"] = None if embedding is None else np.float32(embedding).tolist()
    record.pop("score", None)
    return record


class TestHaystackContract(
    CountDocumentsTest,
    WriteDocumentsTest,
    DeleteDocumentsTest,
    FilterDocumentsTest,
    DeleteAllTest,
    DeleteByFilterTest,
    UpdateByFilterTest,
):
    """Haystack's own document-store tests (vectors compared as the float32 they are stored as)."""

    @pytest.fixture
    def document_store(self, tmp_path):
        return SQLiteDocumentStore(path=str(tmp_path / "store.sqlite3"))

    def assert_documents_are_equal(self, received, expected):
        assert sorted(map(_comparable, received), key=lambda r: r["id"]) == sorted(
            map(_comparable, expected), key=lambda r: r["id"]
        )

    def test_write_documents(self, document_store):
        """Without a policy a duplicate fails, as in Haystack's in-memory store."""
        document = Document(content="hello")
        assert document_store.write_documents([document]) == 1
        with pytest.raises(Exception, match="already exists"):
            document_store.write_documents([document])
        assert document_store.count_documents() == 1


WORDS = "agent tool memory plan reward policy model language task benchmark graph search".split()


def _corpus(count: int, seed: int = 0) -> list[Document]:
    rng = np.random.default_rng(seed)
    documents = []
    for i in range(count):
        words = rng.choice(WORDS, size=int(rng.integers(3, 30)), p=_zipf(len(WORDS)))
        vector = rng.standard_normal(16).astype(np.float32)
        documents.append(
            Document(
                id=f"c{i:03d}",
                content=" ".join(words),
                meta={"document_id": f"d{i // 10}", "chunk_index": i % 10},
                embedding=vector.tolist(),
            )
        )
    return documents


def _zipf(n: int) -> np.ndarray:
    weights = 1.0 / np.arange(1, n + 1)
    return weights / weights.sum()


@pytest.fixture
def stores(tmp_path):
    """The same corpus in Haystack's in-memory store and in ours."""
    documents = _corpus(120)
    reference = InMemoryDocumentStore(embedding_similarity_function="cosine")
    reference.write_documents(documents)
    ours = SQLiteDocumentStore(path=str(tmp_path / "store.sqlite3"))
    ours.write_documents(documents)
    return reference, ours


@pytest.mark.parametrize("query", ["agent memory", "reward reward policy", "graph", "nothing"])
@pytest.mark.parametrize("scope", [None, ["d1", "d4", "d7"]])
def test_bm25_scores_match_haystacks_in_memory_store(stores, query, scope):
    reference, ours = stores
    filters = {"field": "meta.document_id", "operator": "in", "value": scope} if scope else None
    expected = reference.bm25_retrieval(query, filters=filters, top_k=8)
    received = ours.bm25_retrieval(query, filters=filters, top_k=8)
    assert [d.score for d in received] == pytest.approx([d.score for d in expected], rel=1e-5)
    assert {d.id for d in received} == {d.id for d in expected} or _tied_at_the_end(expected)


def _tied_at_the_end(documents: list[Document]) -> bool:
    return len(documents) > 1 and documents[-1].score == pytest.approx(documents[-2].score)


@pytest.mark.parametrize("scope", [None, ["d2", "d3"]])
def test_dense_results_match_haystacks_in_memory_store(stores, scope):
    reference, ours = stores
    filters = {"field": "meta.document_id", "operator": "in", "value": scope} if scope else None
    query = np.random.default_rng(1).standard_normal(16).tolist()
    expected = reference.embedding_retrieval(query, filters=filters, top_k=5)
    received = ours.embedding_retrieval(query, filters=filters, top_k=5)
    assert [d.id for d in received] == [d.id for d in expected]
    assert [d.score for d in received] == pytest.approx([d.score for d in expected], abs=1e-5)


def test_a_filter_beyond_the_indexed_fields_is_still_a_prefilter(stores):
    _, ours = stores
    filters = {
        "operator": "AND",
        "conditions": [
            {"field": "meta.document_id", "operator": "in", "value": ["d1", "d2"]},
            {"field": "meta.chunk_index", "operator": ">=", "value": 5},
        ],
    }
    found = ours.embedding_retrieval([1.0] * 16, filters=filters, top_k=50)
    assert sorted(d.id for d in found) == [f"c{i:03d}" for i in (*range(15, 20), *range(25, 30))]


def test_deleted_and_overwritten_chunks_leave_the_scores_as_if_never_written(tmp_path):
    documents = _corpus(60)
    reference = InMemoryDocumentStore(embedding_similarity_function="cosine")
    reference.write_documents(documents[:40])
    ours = SQLiteDocumentStore(path=str(tmp_path / "store.sqlite3"))
    ours.write_documents(documents)
    ours.delete_documents([d.id for d in documents[40:]])
    ours.write_documents(documents[:10], policy=DuplicatePolicy.OVERWRITE)
    for query in ("agent tool", "benchmark search"):
        expected = reference.bm25_retrieval(query, top_k=40)
        received = ours.bm25_retrieval(query, top_k=40)
        assert sorted(d.score for d in received) == pytest.approx(sorted(d.score for d in expected))


def test_a_reopened_store_has_every_document_and_the_same_results(tmp_path):
    path = str(tmp_path / "store.sqlite3")
    first = SQLiteDocumentStore(path=path)
    first.write_documents(_corpus(50))
    first.delete_by_filter({"field": "meta.document_id", "operator": "==", "value": "d0"})
    before = first.bm25_retrieval("agent plan", top_k=10)
    first.close()
    del first

    reopened = SQLiteDocumentStore(path=path)
    assert reopened.count_documents() == 40
    assert [(d.id, d.score) for d in reopened.bm25_retrieval("agent plan", top_k=10)] == [
        (d.id, d.score) for d in before
    ]


def test_another_connections_writes_are_seen(tmp_path):
    """Another process (here: a second connection) writing the file is picked up."""
    path = tmp_path / "store.sqlite3"
    ours = SQLiteDocumentStore(path=str(path))
    ours.write_documents(_corpus(10))
    with sqlite3.connect(path) as other:
        other.execute("DELETE FROM chunks WHERE document_id = 'd0'")
    assert ours.count_documents() == 0


def test_serialises_to_its_path(tmp_path):
    store = SQLiteDocumentStore(path=str(tmp_path / "x.sqlite3"))
    assert SQLiteDocumentStore.from_dict(store.to_dict()).path == store.path


def test_everything_but_some_documents_is_narrowed_in_sql(stores):
    """The planner's "delete all but these" reads only the rows it deletes."""
    _, ours = stores
    keep = [f"d{i}" for i in range(11)]
    not_kept = {
        "operator": "NOT",
        "conditions": [{"field": "meta.document_id", "operator": "in", "value": keep}],
    }
    statements: list[str] = []
    ours.database.connection.set_trace_callback(statements.append)
    assert ours.delete_by_filter(not_kept) == 10
    assert any("NOT IN" in s for s in statements)
    assert ours.count_documents() == 110
