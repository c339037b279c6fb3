"""llama.cpp settings for the default chat model: prefill and decode speed per configuration.

Usage: python -m benchmarks.llm_settings [--model qwen2.5-1.5b] [--prompt-tokens 1000]

Loads the model through tunedd's own generator once per configuration (flash attention on/off,
CPU weight repacking on/off), reads a ~N-token prompt from the first paper and generates 48
tokens, three times with the KV cache cleared in between; reports llama.cpp's own counters
(prompt tokens evaluated, prefill and decode milliseconds), medians. Writes
``docs/results/llm_settings.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path
from typing import Any

from haystack.dataclasses import ChatMessage
from pypdf import PdfReader

from tunedd_api.components.llama_generator import LlamaCppGuardedGenerator

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "arxiv-ai-agents"
CONFIGS = [
    {"flash_attention": False, "weight_repack": False},
    {"flash_attention": True, "weight_repack": False},
    {"flash_attention": True, "weight_repack": True},
]


def _prompt(tokens: int) -> list[ChatMessage]:
    reader = PdfReader(sorted(CORPUS.glob("*.pdf"))[0])
    text = " ".join(page.extract_text() or "" for page in reader.pages[:4])
    words = text.split()[: int(tokens * 0.75)]
    return [
        ChatMessage.from_system("Summarise the text in one sentence."),
        ChatMessage.from_user(" ".join(words)),
    ]


def measure(config: dict[str, Any], model: str, tokens: int, repeats: int = 3) -> dict[str, Any]:
    """Median counters of ``repeats`` cold-cache calls with ``config``."""
    generator = LlamaCppGuardedGenerator(
        model=model, max_answer_tokens=48, temperature=0.0, **config
    )
    generator.warm_up()
    runs = []
    for _ in range(repeats):
        generator.generator._model.reset()  # no prefix reuse between repeats
        generation = generator.generate(_prompt(tokens), max_tokens=48, on_token=lambda _: None)
        stats = generation.stats
        runs.append(
            {
                "prompt_tokens": stats["prompt_tokens_evaluated"],
                "prefill_s": stats["prefill_ms"] / 1000,
                "prefill_tok_s": stats["prompt_tokens_evaluated"] / (stats["prefill_ms"] / 1000),
                "decode_tok_s": stats["decode_tokens"] / (stats["decode_ms"] / 1000),
                "first_token_s": generation.first_token_s,
            }
        )
    generator.close()
    return {
        **config,
        **{key: round(statistics.median(r[key] for r in runs), 2) for key in runs[0]},
    }


def main() -> None:
    """Parse arguments, measure every configuration, print and save."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="qwen2.5-1.5b")
    parser.add_argument("--prompt-tokens", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=Path("docs/results/llm_settings.json"))
    args = parser.parse_args()
    rows = [measure(config, args.model, args.prompt_tokens) for config in CONFIGS]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    header = "| flash attention | weight repack | prompt tokens | prefill | prefill tok/s "
    print(header + "| decode tok/s |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['flash_attention']} | {r['weight_repack']} | {r['prompt_tokens']} "
            f"| {r['prefill_s']} s | {r['prefill_tok_s']} | {r['decode_tok_s']} |"
        )


if __name__ == "__main__":
    main()
