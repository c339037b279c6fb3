"""Answer rows, their summary, the comparison tables and the commands that print them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import answers as answers_benchmark
from tunedd_api import cli
from tunedd_api.chat.events import ChatTurn, RetrievalDone, TokenStreamed
from tunedd_api.components.followup_rewriter import StandaloneQuery
from tunedd_api.evaluation import runner
from tunedd_api.evaluation.dataset import EvalQuestion
from tunedd_api.evaluation.report import (
    TurnClock,
    answer_row,
    comparison_markdown,
    right_page_citation,
    stage_median,
    summarise,
)
from tunedd_api.turns import Answer, Citation, DroppedCitation, Message

QUESTION = EvalQuestion(
    id="han-12",
    question="Which equilibria?",
    file="Han",
    pages=(6,),
    evidence="Nash Equilibrium (Kreps, 1989) when there is no leader.",
    reference="Stackelberg with a leader, Nash without.",
    keywords=(("stackelberg",), ("nash",)),
    kind="factual",
    follows=None,
)


def cite(file_name: str, pages: list[int], added: bool = False) -> Citation:
    return Citation(1, "doc", file_name, "title", pages, "snippet", 0.8, added_by_verifier=added)


def turn(text: str, citations: tuple[Citation, ...], groundedness: float | None) -> ChatTurn:
    answered = bool(citations)
    dropped = (DroppedCitation(7, "no_such_source", "s"), DroppedCitation(2, "unsupported", "t"))
    return ChatTurn(
        message=Message("assistant", text, citations=citations, groundedness=groundedness),
        answer=Answer(text, citations, answered, groundedness, dropped),
        sources=[],
        query=StandaloneQuery("Which equilibria?", "none"),
    )


def row(qid: str, verdict: str, answerable: bool = True, **extra) -> dict:
    fields = dict(
        id=qid,
        kind="factual" if answerable else "unanswerable",
        answerable=answerable,
        verdict=verdict,
        answered=verdict not in ("refused",),
        right_page_citation=False,
        groundedness=None if verdict == "refused" else 1.0,
        presented_as_grounded_with_zero=False,
        first_token_s=None if verdict == "refused" else 2.0,
        total_s=10.0,
    )
    fields.update(extra)
    return fields


def test_right_page_needs_the_paper_and_an_evidence_page() -> None:
    assert right_page_citation(QUESTION, [cite("Du x.pdf", [6]), cite("Han x.pdf", [5, 6])])
    assert not right_page_citation(QUESTION, [cite("Han x.pdf", [5]), cite("Du x.pdf", [6])])


def test_a_row_has_the_verdict_citations_groundedness_and_timings() -> None:
    answer = "Stackelberg equilibrium with a leader [1] and Nash [1] without. " + "x" * 500
    chat_turn = turn(answer, (cite("Han et al.pdf", [6]), cite("Han et al.pdf", [2], True)), 0.0)

    result = answer_row(
        QUESTION, chat_turn, first_token_s=1.234, total_s=9.876, timings={"retrieval_s": 0.5}
    )

    assert result["verdict"] == "correct"
    assert result["facts_matched"] == [["stackelberg"], ["nash"]] and result["facts_missing"] == []
    assert result["right_page_citation"] and result["citations"] == 2
    assert result["citations_added"] == 1
    assert (result["markers_removed_invented"], result["markers_removed_unsupported"]) == (1, 1)
    assert result["presented_as_grounded_with_zero"]  # answered, yet no sentence supported
    assert (result["first_token_s"], result["total_s"]) == (1.23, 9.88)
    assert result["timings"] == {"retrieval_s": 0.5}
    assert len(result["answer"]) == 400
    json.dumps(result)  # plain JSON


def test_a_refusal_row_is_not_presented_as_grounded() -> None:
    refusal = answer_row(QUESTION, turn("Not found.", (), None), first_token_s=None, total_s=3)
    assert refusal["verdict"] == "refused" and not refusal["presented_as_grounded_with_zero"]
    assert refusal["first_token_s"] is None and refusal["timings"] == {}


def test_the_clock_keeps_the_first_retrieval_and_token_marks() -> None:
    clock = TurnClock()
    clock.on_event(RetrievalDone(StandaloneQuery("q", "none"), []))
    clock.on_event(TokenStreamed("a"))
    first = dict(clock.marks)
    clock.on_event(TokenStreamed("b"))
    assert clock.marks == first and set(first) == {"retrieval_s", "first_token_s"}


def test_summary_arithmetic() -> None:
    rows = [
        row("a", "correct", right_page_citation=True, total_s=4.0, first_token_s=1.0),
        row("b", "correct", groundedness=0.5, total_s=6.0, first_token_s=3.0),
        row("c", "partial", right_page_citation=True, total_s=8.0, first_token_s=5.0),
        row(
            "d",
            "wrong",
            groundedness=0.0,
            presented_as_grounded_with_zero=True,
            total_s=20.0,
            first_token_s=7.0,
        ),
        row("e", "refused", total_s=2.0),
        row("u1", "refused", answerable=False, total_s=1.0),
        row("u2", "wrong", answerable=False, groundedness=0.5, total_s=30.0, first_token_s=9.0),
    ]

    summary = summarise(rows)

    assert (summary["questions"], summary["answerable"], summary["unanswerable"]) == (7, 5, 2)
    assert [summary[k] for k in ("correct", "partial", "wrong", "false_refusals")] == [2, 1, 1, 1]
    assert summary["correct_share"] == 0.4 and summary["false_refusal_share"] == 0.2
    assert summary["partial_share"] == 0.2 and summary["wrong_share"] == 0.2
    assert (summary["unanswerable_refused"], summary["unanswerable_refused_share"]) == (1, 0.5)
    assert summary["right_page_citation_of_answered"] == 0.5  # 2 of the 4 answered
    assert summary["right_page_citation_of_answerable"] == 0.4  # 2 of the 5 answerable
    assert summary["grounded_zero_presented_as_grounded"] == 1
    assert summary["mean_groundedness"] == pytest.approx((1.0 + 0.5 + 1.0 + 0.0 + 0.5) / 5)
    assert summary["median_first_token_s"] == 5.0  # of the 5 rows that streamed a token
    assert summary["median_total_s"] == 6.0


def test_summary_of_nothing_has_no_shares() -> None:
    summary = summarise([])
    assert summary["correct_share"] is None and summary["median_total_s"] is None


def fake_result(label: str, verdicts: dict[str, str]) -> dict:
    rows = [row(qid, v, answerable=not qid.startswith("u")) for qid, v in verdicts.items()]
    return {"label": label, "settings": {}, "model": "m", "rows": rows, "summary": summarise(rows)}


def test_compare_prints_summaries_and_verdicts_side_by_side(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = fake_result("top_k=5", {"a": "correct", "b": "partial", "u1": "refused"})
    second = fake_result("top_k=8", {"a": "wrong", "u1": "wrong", "c": "correct"})
    paths = []
    for i, result in enumerate((first, second)):
        paths.append(tmp_path / f"run{i}.json")
        paths[-1].write_text(json.dumps(result), encoding="utf-8")

    answers_benchmark.main(["--compare", *map(str, paths)])
    table = capsys.readouterr().out

    assert table == comparison_markdown([first, second])
    lines = table.splitlines()
    assert lines[0] == "| metric | top_k=5 | top_k=8 |" and lines[1] == "|---|---|---|"
    assert "| correct | 1 | 1 |" in lines
    assert "| correct_share | 0.5 | 0.5 |" in lines
    assert "| unanswerable_refused_share | 1.0 | 0.0 |" in lines
    verdicts = lines[lines.index("| question | top_k=5 | top_k=8 |") :]
    assert verdicts[2:] == [
        "| a | correct | wrong |",
        "| b | partial | - |",
        "| u1 | refused | wrong |",
        "| c | - | correct |",
    ]


def test_setting_overrides_are_checked_and_reach_the_settings() -> None:
    overrides = answers_benchmark.parse_overrides(["top_k=8", "RAG_MAX_ANSWER_TOKENS=200"])
    assert overrides == {"top_k": "8", "max_answer_tokens": "200"}

    settings = answers_benchmark.build_settings("qwen2.5-1.5b", overrides)

    assert (settings.top_k, settings.max_answer_tokens) == (8, 200)
    assert settings.index_dir == Path(".tunedd/bench")
    other_chunks = answers_benchmark.build_settings("m", {"chunk_size_tokens": "128"})
    assert other_chunks.index_dir != settings.index_dir  # its own index
    with pytest.raises(ValueError):
        answers_benchmark.parse_overrides(["no_such_setting=1"])
    with pytest.raises(ValueError):
        answers_benchmark.parse_overrides(["top_k"])


def test_cli_eval_prints_the_answer_summary(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [row("a", "correct"), row("u1", "refused", answerable=False)]
    report = {
        "questions": 2,
        "retrieval": {"questions": 1.0, "page_recall@5": 1.0},
        "gate": {"answerable_refused": [], "unanswerable_refused": 0, "unanswerable": 1},
        "answers": {"summary": summarise(rows), "rows": rows},
    }

    async def fake_run(settings, *, answers: bool, limit: int | None) -> dict:
        assert answers and limit == 2
        return report

    monkeypatch.setattr(runner, "run_evaluation", fake_run)

    assert cli.main(["eval", "--answers", "--limit", "2"]) == 0
    out = capsys.readouterr().out
    assert "| answers.correct | 1 |" in out
    assert "| answers.unanswerable_refused_share | 1.0 |" in out
    assert "answers.rows" not in out
    report["gate"]["answerable_refused"] = ["a"]
    assert cli.main(["eval", "--answers", "--limit", "2", "--max-gate-refusals", "0"]) == 1
    assert "refuses answerable ['a']" in capsys.readouterr().err


def test_stage_medians_count_only_turns_that_called_the_model() -> None:
    rows = [
        {"timings": {"prefill_ms": 900.0, "prefill_tok_s": 200.0}},
        {"timings": {"prefill_ms": 1100.0, "prefill_tok_s": 100.0}},
        {"timings": {"retrieval_s": 0.01}},  # refused by the gate: no model call
        {"timings": {}},
    ]
    assert stage_median(rows, "prefill_tok_s") == 150.0
    assert stage_median(rows, "retrieval_s") is None
