"""Which sources may back a sentence: reference lists never, neighbouring chunks together."""

from __future__ import annotations

from haystack import Document

from tunedd_api.components.claim_backing import adjacent_chunks, reference_list_sources
from tunedd_api.turns import RetrievedChunk


def _chunk(document: str | None, index: object, content: str = "Agents plan.") -> RetrievedChunk:
    meta = {"document_id": document, "chunk_index": index}
    return RetrievedChunk(document=Document(content=content, meta=meta), similarity=0.5)


def test_adjacent_chunks_pairs_neighbours_of_the_same_document_only() -> None:
    sources = [
        _chunk("a", 4),
        _chunk("b", 5),  # another document
        _chunk("a", 5),
        _chunk("a", 7),  # two chunks away
        _chunk("a", 3),
        _chunk(None, 6),  # no identity
    ]
    assert adjacent_chunks(sources) == [{2, 4}, set(), {0}, set(), {0}, set()]


def test_reference_lists_are_found_among_the_sources() -> None:
    listed = (
        "[9] Markus Anderljung, Joslyn Barnhart. 2023. Frontier AI Regulation. "
        "arXiv:2307.03718. [10] Hui Bai, Jan G. Voelkel. 2024. Artificial Intelligence Can "
        "Persuade Humans. https://doi.org/10.31219/osf.io/stakv"
    )
    assert reference_list_sources([_chunk("a", 3), _chunk("a", 40, listed)]) == {1}
