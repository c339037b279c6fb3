"""The labelled question set (``questions.jsonl``): where each answer is, and what it says."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

QUESTIONS_FILE = Path(__file__).with_name("questions.jsonl")


@dataclass(frozen=True)
class EvalQuestion:
    """A question with its evidence location and reference answer.

    ``file`` is the prefix of the PDF's file name (up to the first space) or ``None`` when the
    papers cannot answer it; ``pages`` are 1-based PDF page indices holding the evidence;
    ``keywords`` are the facts: groups of alternatives, one of each must appear in a correct
    answer; ``contradictions`` are phrases only a wrong answer contains (see ``judge``).
    """

    id: str
    question: str
    file: str | None
    pages: tuple[int, ...]
    evidence: str | None
    reference: str
    keywords: tuple[tuple[str, ...], ...]
    kind: Literal["factual", "followup", "unanswerable"]
    follows: str | None
    contradictions: tuple[str, ...] = ()

    @property
    def answerable(self) -> bool:
        """False for questions the papers cannot answer."""
        return self.file is not None


def load_questions(path: Path = QUESTIONS_FILE) -> list[EvalQuestion]:
    """Every question of the set, in file order."""
    questions = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        questions.append(
            EvalQuestion(
                id=row["id"],
                question=row["question"],
                file=row["file"],
                pages=tuple(row["pages"]),
                evidence=row["evidence"],
                reference=row["reference"],
                keywords=tuple(tuple(group) for group in row["keywords"]),
                kind=row["kind"],
                follows=row["follows"],
                contradictions=tuple(row.get("contradictions", ())),
            )
        )
    return questions
