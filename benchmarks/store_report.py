"""The Markdown summary of a ``benchmarks.stores`` report (one row per candidate).

Usage (re-print the table of a saved report): python -m benchmarks.store_report [report.json]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HEADER = [
    "store",
    "build s",
    "disk MB",
    "RSS MB open / peak / build peak",
    "dense p50/p95 ms",
    "dense filt.",
    "BM25 p50/p95 ms",
    "BM25 filt.",
    "hybrid p50/p95 ms",
    "hybrid filt.",
    "recall@10 (filt.)",
    "add / delete s",
    "kill -9",
    "deps MB",
]


def _latency(query: dict, key: str) -> str:
    stats = query.get("latency", {}).get(key)
    if not stats:
        return "n/a"
    return f"{stats['p50_ms']:.3g} / {stats['p95_ms']:.3g}"


def _recall(query: dict) -> str:
    quality = query.get("quality", {})
    if "dense" not in quality:
        return "n/a"
    return (
        f"{quality['dense']['recall_at_10']:.3f} ({quality['dense_filtered']['recall_at_10']:.3f})"
    )


def _kill(kill: dict | None) -> str:
    if not kill:
        return "not run"
    if kill.get("status") == "error":
        return "error"
    verify = kill.get("verify", {})
    if verify.get("status") != "ok":
        return f"verify {verify.get('status')}"
    if not verify.get("opens"):
        return "**does not open**"
    problems = []
    if not verify.get("done_whole"):
        problems.append("returned writes lost")
    if not verify.get("count_consistent"):
        problems.append("count off")
    if not verify.get("query_works"):
        problems.append("query fails")
    if not verify.get("writable"):
        problems.append("not writable")
    summary = f"{kill.get('documents_returned', 0)} returned docs whole"
    in_flight = verify.get("in_flight_chunks")
    if in_flight not in (None, 0, 100):
        summary += f"; in-flight doc torn ({in_flight}/100)"
    return ("**" + ", ".join(problems) + "**; " if problems else "ok, ") + summary


def _size(mib: float) -> str:
    return f"{mib:.1f}" if mib < 10 else f"{mib:.0f}"


def _row(name: str, result: dict) -> list[str]:
    if result.get("status") == "skipped":
        return [name, f"skipped: {result.get('reason', '')[:80]}"] + [""] * (len(HEADER) - 2)
    build = result.get("build", {})
    query = result.get("query", {})
    if build.get("status") != "ok" or query.get("status") != "ok":
        failed = build if build.get("status") != "ok" else query
        return [name, f"{failed.get('status')}"] + [""] * (len(HEADER) - 2)
    updates = query.get("updates", {})
    deps = result.get("dependencies", {})
    return [
        name,
        f"{build['build_s']:.1f}",
        _size(result["disk_mib"]),
        f"{query['rss_open_mib']:.0f} / {query['peak_rss_mib']:.0f} / {build['peak_rss_mib']:.0f}",
        _latency(query, "dense"),
        _latency(query, "dense_filtered"),
        _latency(query, "bm25"),
        _latency(query, "bm25_filtered"),
        _latency(query, "hybrid"),
        _latency(query, "hybrid_filtered"),
        _recall(query),
        f"{updates.get('add_s', 0):.3g} / {updates.get('delete_s', 0):.3g}",
        _kill(result.get("kill")),
        _size(deps.get("extra_mib", 0)),
    ]


def _notes(name: str, result: dict) -> list[str]:
    if result.get("status") == "skipped":
        return []
    lines = list(result.get("build", {}).get("notes", []))
    query = result.get("query", {})
    updates = query.get("updates", {})
    if query.get("status") == "ok":
        lines.append(
            f"open {query['open_s']:.2f} s; queries timed: {query['latency']['dense']['n']}"
        )
        found = [f"dense {'yes' if updates.get('added_found_dense') else 'NO'}"]
        if "added_found_bm25" in updates:
            found.append(f"BM25 {'yes' if updates['added_found_bm25'] else 'NO'}")
        lines.append("added document found without re-indexing: " + ", ".join(found))
        if "maintain_s" in updates:
            lines.append(f"optimize() {updates['maintain_s']:.3g} s")
        short = {
            k: v["short_results"]
            for k, v in query.get("quality", {}).items()
            if v.get("short_results")
        }
        if short:
            lines.append(f"queries with fewer than 10 results: {short}")
    elif query:
        lines.append(f"query phase {query.get('status')}: {str(query.get('error', ''))[-300:]}")
    details = result.get("build", {}).get("build_details")
    if details:
        lines.append(f"build steps: {details}")
    return [f"- **{name}**: " + "; ".join(lines)] if lines else []


def markdown_table(report: dict) -> str:
    config = report["config"]
    rows = [HEADER, ["---"] * len(HEADER)]
    notes = []
    for name, result in report["candidates"].items():
        rows.append(_row(name, result))
        notes.extend(_notes(name, result))
    table = "\n".join("| " + " | ".join(row) + " |" for row in rows)
    intro = (
        f"{config['chunks']:,} chunks ({config['documents']:,} documents), "
        f"{config['queries']} queries, top 10; {config['note']}; "
        "filt. = prefiltered to the query's 5 documents; "
        "RSS: VmRSS after opening the store in a fresh process, VmHWM of that process (open, "
        "queries, add, delete), VmHWM of the build process (which also holds the corpus); "
        "deps MB = installed size beyond the project's environment."
    )
    return intro + "\n\n" + table + "\n\n" + "\n".join(notes)


if __name__ == "__main__":
    source = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/results/stores.json")
    print(markdown_table(json.loads(source.read_text())))
