"""Theme discovery: clustering quality on the labelled set and latency at 100/500/2,000 sentences.

Usage: python -m benchmarks.themes [--thresholds 0.5,0.55,0.6,0.65,0.7] [--llm]

Quality (per theme of benchmarks/data/feedback_themes.jsonl, then averaged): adjusted Rand
index against the written sub-themes (noise sentences are their own class; unclustered
sentences count as singletons), purity, and cluster sentiment accuracy (the cluster's label vs
the majority label of its sentences; `mixed` is right when no label has 60 %). Latency: the
whole analysis with the ONNX embedder, keyword labels (and with --llm, the default chat model
within the time budget). Writes docs/results/themes.json.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from sklearn.metrics import adjusted_rand_score

from tunedd_api.embedding.onnx_encoder import OnnxMiniLMEncoder
from tunedd_api.insights.analyzer import InputSentence, ThemeAnalyzer

DATA = Path(__file__).parent / "data" / "feedback_themes.jsonl"


def load() -> dict[str, list[dict]]:
    themes: dict[str, list[dict]] = defaultdict(list)
    for line in DATA.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        themes[row["theme"]].append(row)
    return themes


def quality(analyzer: ThemeAnalyzer, rows: list[dict], theme: str) -> dict[str, float]:
    sentences = [InputSentence(r["comment_id"], r["sentence"]) for r in rows]
    result = analyzer.analyze(theme, sentences)
    predicted: dict[str, str] = {}
    for k, c in enumerate(result.clusters):
        for s in c.sentences:
            predicted[s.sentence] = f"c{k}"
    for i, s in enumerate(result.unclustered):
        predicted[s.sentence] = f"u{i}"
    truth = [r["sub_theme"] or f"noise{i}" for i, r in enumerate(rows)]
    guess = [predicted[r["sentence"]] for r in rows]
    by_sentence = {r["sentence"]: r for r in rows}
    pure = sum(
        Counter(by_sentence[s.sentence]["sub_theme"] for s in c.sentences).most_common(1)[0][1]
        for c in result.clusters
    )
    right = 0
    for c in result.clusters:
        labels = Counter(by_sentence[s.sentence]["sentiment"] for s in c.sentences)
        top, count = labels.most_common(1)[0]
        expected = "mixed" if count / len(c.sentences) < 0.6 else top
        right += c.sentiment == expected
    clustered = sum(len(c.sentences) for c in result.clusters)
    return {
        "ari": round(adjusted_rand_score(truth, guess), 3),
        "purity": round(pure / max(clustered, 1), 3),
        "sentiment_accuracy": round(right / max(len(result.clusters), 1), 3),
        "clusters": len(result.clusters),
        "true_sub_themes": len({r["sub_theme"] for r in rows if r["sub_theme"]}),
        "unclustered": len(result.unclustered),
    }


def latency(analyzer: ThemeAnalyzer, rows: list[dict], n: int) -> dict[str, Any]:
    pool = [InputSentence(r["comment_id"], r["sentence"]) for r in rows]
    sentences = [
        InputSentence(s.id, f"{s.sentence} (#{i // len(pool)})" if i >= len(pool) else s.sentence)
        for i, s in ((i, pool[i % len(pool)]) for i in range(n))
    ]
    started = time.perf_counter()
    result = analyzer.analyze("app feedback", sentences)
    return {
        "sentences": n,
        "seconds": round(time.perf_counter() - started, 2),
        "clusters": len(result.clusters),
        "labels_by": result.labels_by,
    }


def main() -> None:
    """Sweep thresholds for quality, then time the default at three sizes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--thresholds", default="0.5,0.55,0.6,0.65,0.7")
    parser.add_argument("--default", type=float, default=0.6)
    parser.add_argument("--out", type=Path, default=Path("docs/results/themes.json"))
    args = parser.parse_args()
    encoder = OnnxMiniLMEncoder()
    encoder.warm_up()

    def embed(texts: list[str]) -> Any:
        return encoder.encode(texts, batch_size=32)

    themes = load()
    report: dict[str, Any] = {"quality": {}, "latency": []}
    for threshold in [float(t) for t in args.thresholds.split(",")]:
        analyzer = ThemeAnalyzer(
            embed_texts=embed,
            chat_model=None,
            distance_threshold=threshold,
            time_budget_s=10,
            min_llm_s=4,
        )
        per_theme = {t: quality(analyzer, rows, t) for t, rows in themes.items()}
        mean = {
            k: round(sum(v[k] for v in per_theme.values()) / len(per_theme), 3)
            for k in ("ari", "purity", "sentiment_accuracy")
        }
        report["quality"][str(threshold)] = {"mean": mean, "themes": per_theme}
        print(
            threshold,
            mean,
            {t: (v["clusters"], v["true_sub_themes"]) for t, v in per_theme.items()},
        )
    analyzer = ThemeAnalyzer(
        embed_texts=embed,
        chat_model=None,
        distance_threshold=args.default,
        time_budget_s=10,
        min_llm_s=4,
    )
    everything = [r for rows in themes.values() for r in rows]
    for n in (100, 500, 2000):
        report["latency"].append(latency(analyzer, everything, n))
        print(report["latency"][-1])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
