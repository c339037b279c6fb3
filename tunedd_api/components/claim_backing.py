"""Which retrieved sources may back an answer sentence, beyond how well their words match it.

* a reference list backs nothing (unless the question asks about references): a cited title
  shares the claim's words but shows only that a work exists;
* a number or a name the sentence states must be in the source, in a chunk next to it among
  the sources, in another source the sentence cites, or in the question.

Used by :mod:`tunedd_api.components.citation_verifier`.
"""

from __future__ import annotations

from tunedd_api.components.answer_sentences import AnswerSentence
from tunedd_api.components.grounding import KnownSpecifics
from tunedd_api.components.reference_lists import is_reference_list
from tunedd_api.turns import RetrievedChunk


def reference_list_sources(sources: list[RetrievedChunk]) -> set[int]:
    """Indexes of the sources that are reference or author lists."""
    return {j for j, source in enumerate(sources) if is_reference_list(source.document)}


def adjacent_chunks(sources: list[RetrievedChunk]) -> list[set[int]]:
    """For each source, the other sources that are the chunk just before or after it in the
    same document: a sentence may straddle the boundary between two chunks."""
    keys = [
        (s.document.meta.get("document_id"), s.document.meta.get("chunk_index")) for s in sources
    ]
    position = {key: j for j, key in enumerate(keys)}
    adjacent: list[set[int]] = []
    for document, index in keys:
        if document is None or not isinstance(index, int):
            adjacent.append(set())
            continue
        near = ((document, index - 1), (document, index + 1))
        adjacent.append({position[key] for key in near if key in position})
    return adjacent


def asserts_beyond(
    sentence: AnswerSentence, index: int, texts: list[str], question: str, adjacent: set[int]
) -> bool:
    """Whether the sentence states a number or name that source ``index`` cannot back: one
    found neither in it, nor in the chunks next to it among the sources, nor in the other
    sources the sentence cites, nor in the question.

    Checked per source, not against all of them: "$100 [2]" where only source 4 mentions
    $100 is not supported by source 2 (the check may still find source 4 and cite it). The
    chunk just before or after a source counts with it: a passage cut by a chunk boundary
    ("… GNN [Wu et al., 2020] and VAE [Kipf and Welling, 2016a;" | "Kipf and Welling,
    2016b]") backs a sentence that repeats it whole.
    """
    cited = {n - 1 for n in sentence.markers} | {index} | adjacent
    return bool(
        KnownSpecifics([question] + [texts[k] for k in sorted(cited)]).missing(sentence.text)
    )
