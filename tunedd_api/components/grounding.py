"""How well each retrieved passage supports each sentence of an answer.

Support of a claim by a passage is the larger of two signals, both in [0, 1]:

* semantic: cosine similarity between the claim and the passage's closest sentence (or pair of
  adjacent sentences), embedded with the same model as retrieval;
* lexical: the share of the claim's content words that occur in the passage (copying or
  close paraphrase).

All sentences are embedded in one batch, so verifying an answer costs one embedder call.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from tunedd_api.components.sentences import split_sentences
from tunedd_api.turns import RetrievedChunk
from tunedd_api.errors import TunedDError

logger = logging.getLogger(__name__)

EmbedTexts = Callable[[list[str]], Sequence[Sequence[float]]]

_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_STOPWORDS = frozenset(
    "a an the and or but of to in on at for with by from as is are was were be been being it its "
    "this that these those they them their there which who whom what when where why how than then "
    "so such not no can could may might will would should do does did has have had into about over "
    "also more most other some any each both all very we our us you your he she his her i also "
    "using used use based between within per via e g".split()
)


def content_words(text: str) -> set[str]:
    """Lower-cased words of ``text`` without stopwords and one-letter tokens."""
    return {w for w in _WORD.findall(text.lower()) if len(w) > 1 and w not in _STOPWORDS}


def has_s_ending(word: str) -> bool:
    """A plural noun or a third-person verb, by its ending."""
    return len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is", "ness"))


def word_stem(word: str) -> str:
    """A lower-case word without its plural or third-person ending, so "hive" meets "hives"
    and "category" meets "categories"."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "oes", "sses")):
        return word[:-2]
    return word[:-1] if has_s_ending(word) else word


@dataclass(frozen=True)
class Support:
    """How well one passage supports one claim, and the passage text that does it best."""

    score: float
    semantic: float
    lexical: float
    snippet: str


class SupportScorer:
    """Scores every (claim, passage) pair with one batched embedding call."""

    def __init__(self, embed_texts: EmbedTexts) -> None:
        self._embed = embed_texts

    def score(self, claims: list[str], sources: list[RetrievedChunk]) -> list[list[Support]]:
        """``result[i][j]``: support of ``claims[i]`` by ``sources[j]``."""
        if not claims or not sources:
            return [[] for _ in claims]
        windows = [_windows(source.document.content or "") for source in sources]
        texts = claims + [w for source_windows in windows for w in source_windows]
        try:
            vectors = _normalise(np.asarray(self._embed(texts), dtype=np.float32))
        except TunedDError as error:
            # The answer is already generated: check it by word overlap alone rather than fail.
            logger.warning("Embedder unavailable for citation checks (%s); overlap only", error)
            vectors = np.zeros((len(texts), 1), dtype=np.float32)
        claim_vectors = vectors[: len(claims)]
        offset = len(claims)
        result: list[list[Support]] = [[] for _ in claims]
        for source, source_windows in zip(sources, windows):
            window_vectors = vectors[offset : offset + len(source_windows)]
            offset += len(source_windows)
            similarities = claim_vectors @ window_vectors.T  # claims × windows
            passage_words = content_words(source.document.content or "")
            for i, claim in enumerate(claims):
                best = int(np.argmax(similarities[i]))
                semantic = max(0.0, float(similarities[i][best]))
                lexical = _containment(claim, passage_words)
                result[i].append(
                    Support(
                        score=round(max(semantic, lexical), 4),
                        semantic=round(semantic, 4),
                        lexical=round(lexical, 4),
                        snippet=source_windows[best],
                    )
                )
        return result


def _windows(passage: str) -> list[str]:
    """Single sentences and adjacent pairs: a claim often condenses two source sentences."""
    sentences = split_sentences(passage) or [passage]
    pairs = [f"{a} {b}" for a, b in zip(sentences, sentences[1:])]
    return sentences + pairs


def _containment(claim: str, passage_words: set[str]) -> float:
    words = content_words(claim)
    if not words:
        return 0.0
    return len(words & passage_words) / len(words)


def _normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1.0, norms)


#: Numbers of two or more digits (single digits are mostly list numbering), decimals and
#: percentages; names and acronyms: capitalised words, words with inner capitals or digits.
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
_NAME = re.compile(r"\b[A-Z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*\b")
#: A one-digit count of something ("1 smart-contract vulnerability", "3 phases"): the digit
#: stands after a word and before a word, so "1." opening a list item, "(2)" and "Section 4"
#: are not counts.
_COUNT = re.compile(r"(?<=[A-Za-z,] )(\d)\s+([A-Za-z][A-Za-z-]*)")
_LIST_NUMBER = re.compile(r"^\W*(?:\d{1,2}[.)]\s*)?")
_NUMBER_WORDS = "zero one two three four five six seven eight nine".split()
#: Capitalised words that are not names wherever they stand (sentence openers, pronouns).
_NOT_SPECIFIC = frozenset(
    "the a an this that these those it its they their there in on at for to of and or but "
    "as by from with however according also both each such we our i yes no section sections "
    "figure fig table appendix equation eq chapter page pages step phase".split()
)


def specifics(text: str) -> set[str]:
    """The numbers, counts and names a sentence asserts, lower-cased (``{"100", "ethereum",
    "gpt-4", "1 smart-contract"}``).

    A model that does not find the answer tends to invent exactly these: a throughput, a fine,
    a model name, a count. Word overlap with the passage does not catch it, because the rest of
    the sentence repeats the question and the passage.
    """
    found = {n.replace(",", "") for n in _NUMBER.findall(text) if len(n.replace(",", "")) >= 2}
    found |= {f"{digit} {noun.lower()}" for digit, noun in _COUNT.findall(text)}
    opening = _LIST_NUMBER.sub("", text)
    words = _NAME.findall(text)
    for index, word in enumerate(words):
        if word.lower() in _NOT_SPECIFIC or (index == 0 and opening.startswith(word)):
            continue
        found.add(word.lower())
    return found


class KnownSpecifics:
    """The numbers and words of the texts an answer may draw on (the question, the sources),
    read once per answer and asked for each of its sentences."""

    def __init__(self, known_texts: Sequence[str]) -> None:
        self._text = " ".join(known_texts).lower()
        self._numbers = {n.replace(",", "") for n in _NUMBER.findall(self._text)}

    def missing(self, claim: str) -> set[str]:
        """Numbers, counts and names of ``claim`` that occur in none of the known texts:
        asserted from nowhere."""
        return {item for item in specifics(claim) if not self._knows(item)}

    def _knows(self, item: str) -> bool:
        if " " in item:
            return self._knows_count(*item.split(" ", 1))
        if item[0].isdigit():
            return item in self._numbers
        # A name's plural is the same name ("GNNs" for "GNN", "LLM" for "LLMs").
        base = item[:-1] if item.endswith("s") and len(item) > 2 else item
        pattern = rf"(?<![a-z0-9]){re.escape(base)}s?(?![a-z0-9])"
        return re.search(pattern, self._text) is not None

    def _knows_count(self, digit: str, noun: str) -> bool:
        """Whether the texts count ``noun`` with this digit or its word ("three phases" backs
        "3 phases"), allowing one word between ("three main phases") and a plural, or list that
        many items ("(1) ... (2) ... (3)" backs "3 groups": the model counted them)."""
        if digit > "1" and re.search(rf"\({digit}\)|(?<![\w.]){digit}\)", self._text):
            return True
        number = f"(?:{digit}|{_NUMBER_WORDS[int(digit)]})"
        stem = re.escape(noun[:-1] if noun.endswith("s") and len(noun) > 3 else noun)
        pattern = rf"(?<![\w.]){number}\s+(?:[a-z-]+\s+)?{stem}"
        return re.search(pattern, self._text) is not None


def missing_specifics(claim: str, known_texts: Sequence[str]) -> set[str]:
    """Numbers, counts and names of ``claim`` that occur in none of ``known_texts``."""
    return KnownSpecifics(known_texts).missing(claim)
