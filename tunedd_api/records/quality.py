"""Sanity checks of the worker's scores and categories, with anomaly flags.

Three independent views: agreement with a simple lexicon on obviously polar texts, agreement
with the dataset's own labels where it has them (Sentiment140's target), and the shape of the
aggregates (one class everywhere, collapsed scores, a category that swallows everything, many
failures or rejected rows, results from mixed prompt versions).
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from tunedd_api.records.lexicon import lexicon_sentiment
from tunedd_api.records.queries import record_stats
from tunedd_api.records.schema import jobs, records
from tunedd_api.records.store import RecordStore

#: Fewer processed records than this and the distribution checks stay silent.
MIN_FOR_SHAPE = 20


def _flag(code: str, message: str, severity: str = "warning") -> dict:
    return {"code": code, "severity": severity, "message": message}


def _agreement(store: RecordStore, limit: int, examples: int) -> tuple[dict, dict]:
    """Model sentiment vs the lexicon (on obvious texts) and vs dataset labels."""
    query = (
        select(records.c.id, records.c.text, records.c.label, jobs.c.sentiment, jobs.c.score)
        .join(jobs)
        .where(jobs.c.status == "done")
        .order_by(records.c.id)
        .limit(limit)
    )
    lexicon = {"checked": 0, "agreed": 0, "disagreements": []}
    labels = {"checked": 0, "agreed": 0, "confusion": Counter()}
    with store.engine.connect() as connection:
        for row in connection.execution_options(yield_per=1000).execute(query):
            obvious = lexicon_sentiment(row.text)
            if obvious is not None:
                lexicon["checked"] += 1
                if obvious == row.sentiment:
                    lexicon["agreed"] += 1
                elif len(lexicon["disagreements"]) < examples:
                    lexicon["disagreements"].append(
                        {"id": row.id, "text": row.text, "lexicon": obvious, "score": row.score}
                    )
            if row.label in ("positive", "neutral", "negative"):
                labels["checked"] += 1
                labels["agreed"] += row.label == row.sentiment
                labels["confusion"][f"{row.label}->{row.sentiment}"] += 1
    for part in (lexicon, labels):
        part["agreement"] = round(part["agreed"] / part["checked"], 4) if part["checked"] else None
    labels["confusion"] = dict(sorted(labels["confusion"].items()))
    return lexicon, labels


def _shape_flags(stats: dict, scheme: tuple[str, ...]) -> list[dict]:
    flags = []
    done, failed = stats["by_status"]["done"], stats["by_status"]["failed"]
    if done == 0:
        return [_flag("no_results", "no record has been scored yet", "info")]
    if failed and failed / (done + failed) > 0.05:
        flags.append(_flag("many_failed", f"{failed} of {done + failed} records failed"))
    rows = stats["records"] + stats["rejected_rows"]
    if stats["rejected_rows"] and stats["rejected_rows"] / rows > 0.05:
        flags.append(_flag("many_rejected", f"{stats['rejected_rows']} of {rows} rows rejected"))
    if len(stats["models"]) > 1:
        versions = ", ".join(f"{m['model']} / {m['prompt_version']}" for m in stats["models"])
        flags.append(_flag("mixed_versions", f"results come from several setups: {versions}"))
    if done < MIN_FOR_SHAPE:
        return flags
    label, count = max(stats["by_sentiment"].items(), key=lambda item: item[1])
    if count / done > 0.9:
        flags.append(_flag("one_class", f"{count / done:.0%} of scored records are {label}"))
    if stats["score_std"] is not None and stats["score_std"] < 0.1:
        flags.append(_flag("scores_collapsed", f"score std is {stats['score_std']:.3f}"))
    if stats["by_category"]:
        top, top_count = max(stats["by_category"].items(), key=lambda item: item[1])
        if top_count / done > 0.8:
            flags.append(
                _flag("category_dominates", f"{top_count / done:.0%} of records are in '{top}'")
            )
    unused = [name for name in scheme if name not in stats["by_category"]]
    if unused:
        flags.append(_flag("unused_categories", f"never used: {', '.join(unused)}", "info"))
    return flags


def quality_report(
    store: RecordStore,
    *,
    scheme: tuple[str, ...] = (),
    limit: int = 100_000,
    examples: int = 5,
) -> dict:
    """Statistics, agreement checks and anomaly flags; ``ok`` is false when any warning fires."""
    stats = record_stats(store)
    lexicon, labels = _agreement(store, limit, examples)
    flags = _shape_flags(stats, scheme)
    if lexicon["checked"] >= 10 and lexicon["agreement"] < 0.7:
        flags.append(
            _flag(
                "low_lexicon_agreement",
                f"model agrees with the lexicon on {lexicon['agreement']:.0%} of "
                f"{lexicon['checked']} obviously polar texts",
            )
        )
    if labels["checked"] >= MIN_FOR_SHAPE and labels["agreement"] < 0.6:
        flags.append(
            _flag(
                "low_label_agreement",
                f"model sentiment matches the dataset label on {labels['agreement']:.0%} of "
                f"{labels['checked']} records",
            )
        )
    return {
        "ok": not any(flag["severity"] == "warning" for flag in flags),
        "flags": flags,
        "stats": stats,
        "lexicon_check": lexicon,
        "label_check": labels,
        "checked_limit": limit,
    }
