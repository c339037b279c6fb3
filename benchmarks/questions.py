"""A small labelled question set over the five arXiv papers in ../shared/corpus/arxiv-ai-agents.

Each question names the file (prefix) and page holding the answer and keyword alternatives an
acceptable answer contains. ``None`` as the file marks a question the papers cannot answer.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Question:
    """A question with where its answer is and what a correct answer mentions."""

    text: str
    file_prefix: str | None
    page: int | None
    keywords: tuple[tuple[str, ...], ...] = ()  # every group must match one alternative


QUESTIONS = [
    Question(
        "What three categories of measures to increase visibility into AI agents are assessed?",
        "Chan",
        1,
        (("identifier",), ("monitoring",), ("logging", "logs")),
    ),
    Question(
        "Which neural network model is used as the intelligent classification model in the "
        "multi-agent framework of Asadi et al.?",
        "Asadi",
        1,
        (("smffnn", "feed forward", "feed-forward"),),
    ),
    Question(
        "Which domain is the potential case study of the intelligent multi-agent neural network "
        "framework?",
        "Asadi",
        1,
        (("clinical", "medical", "hospital"),),
    ),
    Question(
        "In which kind of systems do Han et al. explore the application of LLM multi-agent "
        "systems to shed light on real-world distributed systems?",
        "Han",
        1,
        (("blockchain",),),
    ),
    Question(
        "Which two fields does the paper on the mathematics of multi-agent learning connect?",
        "Wang",
        2,
        (("game theory",), ("artificial intelligence", " ai")),
    ),
    Question(
        "Name an application domain of context-aware multi-agent systems given in the survey.",
        "Du",
        1,
        (("autonomous driving", "collision avoidance", "disaster", "utility"),),
    ),
    Question("What is the boiling point of mercury in kelvin?", None, None),
    Question("Who won the football world cup in 1998?", None, None),
]
