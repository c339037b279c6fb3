"""Key findings of conversation summaries: full sentences with citations? Real default model.

Usage:
  python -m benchmarks.summaries [--label after] [--conversations 10] [--out FILE]
  python -m benchmarks.summaries --combine before.json after.json --note TEXT --out FILE

Builds the app over the five papers with the embedded stack (index in a temporary folder) and
uses only its public HTTP API: per conversation, two questions of one paper from the evaluation
set (a question the app could not answer is replaced by the paper's next one, up to two times),
then ``GET /conversations/{id}/summary``. Every key finding is judged by a rule written here, not
imported from the app (so the same script measures older code): a full sentence has at least four
words, starts with a capital or digit, ends with . ! or ?, has a verb-like word after the first
(an auxiliary or frequent verb, an -ed form, or an -s form followed by an article, preposition or
similar), and has no line break and no trailing list number (a sentence cut at "are: 1.").
A finding counts when it is a full sentence with at least one citation that one of the
conversation's answers also cites (a second share also counts sentences lacking only the final
full stop); ``--combine`` judges stored findings again with this rule.
Settings come from the defaults and ``RAG_`` variables; the corpus folder from ``--corpus``
(default: ``shared/`` beside the repository).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from tunedd_api.evaluation.dataset import EvalQuestion, load_questions
from tunedd_api.main import create_app
from tunedd_api.settings import Settings

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "arxiv-ai-agents"
PAPERS = ("Asadi", "Chan", "Du", "Han", "Wang")
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’-]*")
_AUXILIARIES = set(
    "is are was were be been has have had do does did can could may might must shall should "
    "will would use include contain provide show make allow enable require need describe "
    "propose present define mean involve help become remain rely depend focus apply go goes".split()
)
_OPENERS = set(
    "a an the its their this that these to from with by into on in for as at how what which "
    "more less many several some all both each no not".split()
)


def full_sentence(text: str, *, final_punctuation: bool = True) -> bool:
    """The benchmark's own sentence rule (see the module doc); ``final_punctuation=False``
    also accepts a sentence that only lacks its full stop."""
    text = text.strip()
    words = [w.lower() for w in _WORD.findall(text)]
    if len(words) < 4 or not text or not (text[0].isupper() or text[0].isdigit()):
        return False
    if "\n" in text or (final_punctuation and not re.search(r"[.!?][\"')\]]*$", text)):
        return False
    if re.search(r"(^|\s)\d+[.)]$", text):  # cut where a list starts: "... are: 1."
        return False
    return any(
        w in _AUXILIARIES
        or (len(w) > 4 and w.endswith("ed"))
        or (w.endswith("s") and i + 1 < len(words) and words[i + 1] in _OPENERS)
        for i, w in enumerate(words[1:], 1)
    )


def conversations(questions: list[EvalQuestion], count: int) -> list[list[EvalQuestion]]:
    """Per conversation, the factual questions of one paper to try in order (papers in turn)."""
    factual = {p: [q for q in questions if q.file == p and q.kind == "factual"] for p in PAPERS}
    picked = []
    for i in range(count):
        paper, round_ = PAPERS[i % len(PAPERS)], i // len(PAPERS)
        pool = factual[paper]
        picked.append([pool[(2 * round_ + k) % len(pool)] for k in range(4)])
    return picked


def run(label: str, corpus: Path, count: int) -> dict[str, Any]:
    """Answer, summarise, judge; return per-conversation rows and aggregates."""
    rows = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="tunedd-summaries-") as folder:
        settings = Settings(
            _env_file=None,
            data_dir=corpus,
            index_dir=Path(folder) / "index",
            records_db_url=f"sqlite:///{Path(folder) / 'records.db'}",
        )
        with TestClient(create_app(settings)) as client:
            for number, candidates in enumerate(conversations(load_questions(), count), 1):
                rows.append(_conversation(client, candidates))
                row = rows[-1]
                marks = "".join("+" if f["ok"] else "-" for f in row["findings"])
                print(
                    f"[{label} {number}/{count}] answered {row['answered']}, {row['method']}, "
                    f"findings {marks or 'none'}, summary {row['summary_seconds']} s",
                    flush=True,
                )
            model = settings.local_chat_model
    return {
        "label": label,
        "model": model,
        "seconds": round(time.perf_counter() - started, 1),
        "aggregate": aggregate(rows),
        "conversations": rows,
    }


def _conversation(client: TestClient, candidates: list[EvalQuestion]) -> dict[str, Any]:
    conversation_id = client.post("/conversations").json()["id"]
    asked, answer_citations = [], set()
    for question in candidates:
        answered = sum(a["answered"] for a in asked)
        if answered == 2 or len(asked) - answered == 2:
            break  # done, or two misses: keep the conversation as it is
        t0 = time.perf_counter()
        response = client.post(
            f"/conversations/{conversation_id}/messages", json={"message": question.question}
        )
        seconds = round(time.perf_counter() - t0, 1)
        if response.status_code != 200:  # e.g. 504 on a busy machine: counts as not answered
            asked.append({"id": question.id, "answered": False, "error": response.status_code})
            continue
        body = response.json()
        answer_citations |= {_key(c) for c in body["citations"]}
        asked.append(
            {
                "id": question.id,
                "answered": body["answered_from_documents"],
                "citations": len(body["citations"]),
                "seconds": seconds,
                "answer": body["answer"],
            }
        )
    t0 = time.perf_counter()
    response = client.get(f"/conversations/{conversation_id}/summary")
    summary = response.json()
    if response.status_code != 200:
        detail = summary.get("detail", "")
        summary = {
            "method": f"error {response.status_code}",
            "fallback_reason": detail,
            "summary": "",
            "key_findings": [],
        }
    findings = [
        {
            "text": f["text"],
            "citations": len(f["citations"]),
            "citations_from_answers": all(_key(c) in answer_citations for c in f["citations"]),
        }
        for f in summary["key_findings"]
    ]
    return {
        "questions": asked,
        "answered": sum(a["answered"] for a in asked),
        "method": summary["method"],
        "fallback_reason": summary["fallback_reason"],
        "summary_seconds": round(time.perf_counter() - t0, 1),
        "summary": summary["summary"],
        "findings": judge(findings),
    }


def judge(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mark each finding: a full sentence? and with a citation one of the answers has?"""
    for finding in findings:
        finding["full_sentence"] = full_sentence(finding["text"])
        finding["sentence_but_full_stop"] = full_sentence(finding["text"], final_punctuation=False)
        finding["ok"] = (
            finding["full_sentence"]
            and finding["citations"] > 0
            and finding["citations_from_answers"]
        )
        finding["loose_ok"] = (
            finding["sentence_but_full_stop"]
            and finding["citations"] > 0
            and finding["citations_from_answers"]
        )
    return findings


def _key(citation: dict) -> tuple:
    return (citation["document_id"], tuple(citation["pages"]))


def aggregate(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Shares over all key findings, and how the summaries were made."""
    findings = [f for r in rows for f in r["findings"]]

    def share(key: str) -> float | None:
        return round(sum(bool(f[key]) for f in findings) / len(findings), 3) if findings else None

    methods: dict[str, int] = {}
    for r in rows:
        methods[r["method"]] = methods.get(r["method"], 0) + 1
    return {
        "conversations": len(rows),
        "with_two_answers": sum(r["answered"] == 2 for r in rows),
        "key_findings": len(findings),
        "share_full_sentence_with_citation": share("ok"),
        "share_full_sentence": share("full_sentence"),
        "share_with_citation": share("citations"),
        "share_sentence_even_without_full_stop_with_citation": share("loose_ok"),
        "findings_without_citation": sum(f["citations"] == 0 for f in findings),
        "methods": methods,
        "median_summary_s": (
            round(statistics.median(r["summary_seconds"] for r in rows), 1) if rows else None
        ),
    }


def main() -> None:
    """Parse arguments; run (or combine earlier runs), print and save."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", default="after")
    parser.add_argument("--conversations", type=int, default=10)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--combine", type=Path, nargs="+", help="runs to put side by side")
    parser.add_argument("--note", default="", help="how the runs were made (with --combine)")
    parser.add_argument("--out", type=Path, default=Path("docs/results/summaries.json"))
    args = parser.parse_args()
    if args.combine:
        runs = [json.loads(path.read_text(encoding="utf-8")) for path in args.combine]
        for r in runs:  # judged again by this version of the rule
            for row in r["conversations"]:
                judge(row["findings"])
            r["aggregate"] = aggregate(r["conversations"])
        result: dict[str, Any] = {"note": args.note, "runs": {r["label"]: r for r in runs}}
    else:
        result = run(args.label, args.corpus, args.conversations)
        runs = [result]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    keys = list(runs[0]["aggregate"])
    print("\n| metric | " + " | ".join(r["label"] for r in runs) + " |")
    print("|---|" + "---|" * len(runs))
    for key in keys:
        print(f"| {key} | " + " | ".join(str(r["aggregate"].get(key)) for r in runs) + " |")


if __name__ == "__main__":
    main()
