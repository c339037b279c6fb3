"""Tells a paper's reference list from its prose, so that retrieval ranks prose first.

In the five papers 172 of 392 chunks follow a "References" heading: reference lists and
author lists. They share the question's topic words (every cited title is about multi-agent
systems), so BM25 and the embedding rank them high, and a 1.5B model then answers with a
bibliography entry ("The Review of financial studies, 34(3):1156–1190, 2021 [4].") or cites
one. A reference list has two marks prose lacks: many entry marks per word (``[12] Name``,
``[Abbas et al., 2015] Assad``, ``Zhang, J.,``, a year closing a field, venue words) and few
lower-case words (names, initials and numbers instead of running text). A 200-author list
has almost no lower-case words and no entry marks, but a comma after every name. Text with few
lower-case words and neither mark (a table, a price list, a roster) is not a reference list.

Measured on the papers' 392 chunks against the chunks after each paper's "References"
heading: 167 of 172 reference chunks found, 2 others flagged (a copyright block and the
acknowledgements). A chunk that opens with a paragraph of prose before the list starts is prose
(a conclusion running into the references holds the paper's future work). The first chunk of a
document (title, authors) is never flagged: questions about who wrote a paper need it.

Own module: nothing stock classifies passages by kind.
"""

from __future__ import annotations

import re

from haystack import Document

_ENTRY = re.compile(
    r"\[\d{1,3}\]\s+[A-Z]"  # [12] Name
    r"|\[[A-Z][^\]]{2,60}?,\s*\d{4}[a-z]?\]\s+[A-Z][a-z]+\s+[A-Z]"  # [Abbas et al., 2015] Assad A
)
_AUTHOR = re.compile(r"\b[A-Z][a-zA-Z'’-]+,\s+(?:[A-Z]\.\s?){1,3}")  # Zhang, J.
_YEAR = re.compile(r"\b(?:19|20)\d\d[a-z]?[.,)]")  # 2015. / 2015, / 2015)
_VENUE = re.compile(
    r"\b(?:arXiv|preprint|Proceedings|Conference|Journal|Workshop|Transactions|vol\.|pp\.|doi"
    r"|https?://|ISBN|Press)\b",
    re.IGNORECASE,
)
_NAME_AND_COMMA = re.compile(r"\b[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){0,3},")  # Sina Samangooei,
_WORD = re.compile(r"[A-Za-z]+")
#: Where a list starts inside a chunk: its heading or its first numbered/bracketed entry.
_LIST_START = re.compile(r"\b(?:REFERENCES|References|Bibliography)\b|" + _ENTRY.pattern)
#: Words of running text before the list start that make a chunk prose (about a paragraph).
LEADING_PROSE_WORDS = 40
#: Entry marks per 100 words above which, with little running text, a chunk is a list.
ENTRY_DENSITY = 6.0
#: Share of lower-case words (three letters or more) below which text is not prose.
PROSE_WITH_ENTRIES = 0.5
PROSE_MINIMUM = 0.4
#: Without running text, fewer marks or names followed by commas (per 100 words) suffice.
ENTRY_DENSITY_WITHOUT_PROSE = 3.0
NAMES_WITHOUT_PROSE = 15.0
#: Questions about the references themselves keep reference lists in their results.
ASKS_FOR_REFERENCES = re.compile(
    r"\b(references?|cites?|cited|citations?|bibliograph\w*|published|venue|journal"
    r"|proceedings)\b",
    re.IGNORECASE,
)


def looks_like_reference_list(text: str, *, chunk_index: int | None = None) -> bool:
    """Whether ``text`` is mostly bibliography entries or a list of names.

    :param text: The chunk's text.
    :param chunk_index: Its position in the document; the first chunk is never a list.
    """
    if chunk_index == 0:
        return False
    words = _WORD.findall(text)
    if not words or _opens_with_prose(text):
        return False
    prose = _running_words(words) / len(words)
    marks = sum(len(p.findall(text)) for p in (_ENTRY, _AUTHOR, _YEAR, _VENUE))
    density = 100 * marks / len(words)
    if prose < PROSE_MINIMUM:
        names = 100 * len(_NAME_AND_COMMA.findall(text)) / len(words)
        return density >= ENTRY_DENSITY_WITHOUT_PROSE or names >= NAMES_WITHOUT_PROSE
    return density >= ENTRY_DENSITY and prose < PROSE_WITH_ENTRIES


def _opens_with_prose(text: str) -> bool:
    """Whether a paragraph of running text comes before the list starts (a conclusion that
    runs into the references holds an answer: "for future work, we will ...")."""
    start = _LIST_START.search(text)
    if start is None:
        return False
    lead = _WORD.findall(text[: start.start()])
    if len(lead) < LEADING_PROSE_WORDS:
        return False
    return _running_words(lead) >= PROSE_WITH_ENTRIES * len(lead)


def _running_words(words: list[str]) -> int:
    """How many of ``words`` are running text: lower-case, three letters or more."""
    return sum(1 for w in words if w.islower() and len(w) >= 3)


def asks_for_references(question: str) -> bool:
    """Whether the question is about what a paper cites or where it was published."""
    return ASKS_FOR_REFERENCES.search(question) is not None


def is_reference_list(document: Document) -> bool:
    """Whether the chunk ``document`` is a reference or author list."""
    return looks_like_reference_list(
        document.content or "", chunk_index=document.meta.get("chunk_index")
    )
