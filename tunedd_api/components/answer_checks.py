"""Checks of what an answer says against what was asked: cheap rules, no model call.

* ``restates_question``: no supported claim says anything the question did not ("Which vector
  database do the authors recommend?" → "The authors recommend a vector database [1].");
* ``asks_quantity`` / ``states_quantity``: a "how many" question needs a number in a supported
  sentence;
* ``asks_name`` / ``states_name``: a "which country/city/company/university/product" question
  needs a name the question did not already give;
* ``contradicts_polarity``: a "yes"/"no" against the negation (or its absence) in the passage it
  cites;
* ``asks_comparison`` / ``cites_comparison``: a "which performed best" question needs a cited
  passage that compares (best, most, better, outperforms, ...), not one that only names a
  candidate.

Used by :class:`~tunedd_api.components.answer_policy.AnswerPolicy`; each is a heuristic and
errs towards letting an answer through.
"""

from __future__ import annotations

import re

from tunedd_api.components.grounding import content_words
from tunedd_api.components.sentences import split_sentences
from tunedd_api.turns import Answer

_YES_NO_QUESTION = re.compile(
    r"^\s*(is|are|was|were|does|do|did|can|could|should|has|have|had|will|would|may|might)\b",
    re.IGNORECASE,
)
_POLAR_ANSWER = re.compile(r"^\W*(yes|no)\b", re.IGNORECASE)
_NEGATION = re.compile(
    r"\b(not|no|never|cannot|can't|neither|nor|without|lacks?|lacking|fails?|unable|none)\b"
    r"|n't\b",
    re.IGNORECASE,
)
_QUOTED_SENTENCES = 2
_MIN_CLAIM_WORDS = 3
_CHOICE = re.compile(r"\b\w+,? or \w+", re.IGNORECASE)
_MARKERS = re.compile(r"\s*\[(\d+|unverified)\]")
_QUANTITY_QUESTION = re.compile(
    r"^\W*(how many|how much|how long|how often|what (percentage|number|fraction|proportion"
    r"|share|amount|accuracy|rate|score|throughput|fine|threshold|cost|size|count))\b"
    r"|\b(how many|how much)\b",
    re.IGNORECASE,
)
_YEAR = re.compile(r"\b(?:in|since|by|until|from|of|during)\s+(?:19|20)\d\d\b", re.IGNORECASE)
#: Kinds of things whose answer is a proper name ("who" is not one: "the deployer" answers it).
_NAME_QUESTION = re.compile(
    r"\b(which|what)\s+(\w+\s+){0,2}(country|countries|city|cities|company|companies"
    r"|universit(y|ies)|products?|brands?|vendors?)\b",
    re.IGNORECASE,
)
_CAPITALISED = re.compile(r"\b[A-Z][\w'’-]*")
#: A passage the answer quotes (eight words or more, closed or not): its names are the
#: passage's, not the answer's ("... where it states: "Hierarchical Memory Storage: ...").
_QUOTED_PASSAGE = re.compile(r"[\"“](?:[^\"”\s]+\s+){7,}[^\"”]*(?:[\"”]|$)")
_QUANTITY = re.compile(
    r"\d|\b(zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?"
    r"|hundreds?|thousands?|millions?|billions?|half|twice|once|none|single|several|all)\b",
    re.IGNORECASE,
)

#: A question asking for the extreme of a comparison ("performed best", "the most accurate");
#: "at least", "at most" and "most of" are not one.
_SUPERLATIVE_QUESTION = re.compile(
    r"(?<!\bat )\b(best|worst|highest|lowest|largest|smallest|greatest|fastest|slowest"
    r"|strongest|weakest|most|least)\b(?! of\b)",
    re.IGNORECASE,
)
#: Words by which a passage compares or ranks (deliberately broad: the check errs towards
#: letting an answer through).
_COMPARES = re.compile(
    r"\b(best|worst|most|least|highest|lowest|largest|smallest|greatest|fastest|slowest"
    r"|strongest|weakest|top|better|worse|more|less|fewer|\w+er than|superior|inferior"
    r"|outperform\w*|surpass\w*|exceed\w*|beats?|beating|leading|leads|dominat\w*|prefer\w*"
    r"|rank\w*|win|wins|winning|winner|won|state[- ]of[- ]the[- ]art|sota)\b",
    re.IGNORECASE,
)


def restates_question(question: str, answer: Answer) -> bool:
    """Whether no supported claim of the answer says anything the question did not say.

    "Which vector database do the authors recommend for long-term memory?" → "The authors
    recommend a vector database for long-term memory [1]." is supported by the passage and
    answers nothing; a model that does not find the answer often writes exactly that.
    """
    if _CHOICE.search(question):
        return False  # the question offers the options: picking one adds no new word
    text = _MARKERS.sub("", answer.text)
    unsupported = {s.rstrip(".!?") for s in answer.unsupported_sentences}
    claims = [
        s
        for s in split_sentences(text, at_newlines=True)
        if len(content_words(s)) >= _MIN_CLAIM_WORDS and s.rstrip(".!?") not in unsupported
    ]
    return bool(claims) and not any(adds_to(question, claim) for claim in claims)


def adds_to(question: str, sentence: str) -> bool:
    """Whether the sentence says anything the question did not (a word or number beyond it);
    without a question every sentence does."""
    if not question:
        return True
    asked = {_stem(word) for word in _words(question)}
    return any(_stem(word) not in asked for word in _words(sentence))


def _words(text: str) -> set[str]:
    """Content words and every number (a one-digit answer is still an answer)."""
    return content_words(text) | set(re.findall(r"\d+", text))


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


def asks_quantity(question: str) -> bool:
    """Whether the question asks for a number ("how many", "what percentage", ...)."""
    return _QUANTITY_QUESTION.search(question) is not None


def states_quantity(answer: Answer) -> bool:
    """Whether a supported sentence of the answer states a number (digits or a number word);
    a year is not one ("how many contracts?" → "... in 2023 [3]." answers nothing)."""
    return _QUANTITY.search(_YEAR.sub(" ", _supported_text(answer))) is not None


def asks_name(question: str) -> bool:
    """Whether the question asks for a proper name: which country, city, company, university,
    product, brand or vendor ("Which vector database product ...?")."""
    return _NAME_QUESTION.search(question) is not None


def states_name(question: str, answer: Answer) -> bool:
    """Whether a supported sentence of the answer names something the question did not: a
    capitalised word or acronym that does not open its sentence and is not inside a passage
    the answer quotes ("Which country's health network ...?" → "The government's analysts
    classified the zones [4]." names nothing)."""
    text = _QUOTED_PASSAGE.sub(" ", _supported_text(answer))
    asked = {word.lower() for word in _CAPITALISED.findall(question)}
    for sentence in split_sentences(text):
        names = _CAPITALISED.findall(sentence)
        opener = re.match(r"\W*([A-Z][\w'’-]*)", sentence)
        if opener and names and names[0] == opener.group(1):
            names = names[1:]
        if any(name.lower() not in asked for name in names):
            return True
    return False


def _supported_text(answer: Answer) -> str:
    """The answer's text without its markers and without its unsupported sentences."""
    text = _MARKERS.sub(" ", answer.text)
    for sentence in answer.unsupported_sentences:
        text = text.replace(sentence.rstrip(".!?"), " ")
    return text


def contradicts_polarity(question: str, answer: Answer) -> bool:
    """A "yes"/"no" answer whose first cited passage says the opposite (negation or not)."""
    if not _YES_NO_QUESTION.search(question) or not answer.citations:
        return False
    said = _POLAR_ANSWER.search(answer.text)
    if said is None:
        return False
    answer_negative = said.group(1).lower() == "no"
    source_negative = _NEGATION.search(answer.citations[0].snippet) is not None
    return answer_negative != source_negative


def asks_comparison(question: str) -> bool:
    """Whether the question asks which candidate is best, most, highest, ... ."""
    return _SUPERLATIVE_QUESTION.search(question) is not None


def cites_comparison(answer: Answer) -> bool:
    """Whether a passage the answer cites compares or ranks something.

    "Which LLM, GPT-4 or Llama 2, performed best?" → "Llama 2 performed best [5]." citing a
    passage that only says Llama 2 was one of the models used is not backed: the passage names
    the candidate but says nothing about which did best.
    """
    return any(_COMPARES.search(citation.snippet) for citation in answer.citations)
