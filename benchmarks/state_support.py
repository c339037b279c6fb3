"""Shared helpers of the state benchmarks (``conversations``, ``restart``, ``uploads``).

Percentiles, the machine's load around a measurement, the process's memory, realistic
conversation turns, and the embedded stack with an instant chat model (real embedder and
store; no GGUF is loaded, so the LLM's seconds and memory stay out of the figures).
"""

from __future__ import annotations

import os
import platform
import random
import time
import uuid
from pathlib import Path
from typing import Any

from haystack.components.generators.chat import MockChatGenerator

from tunedd_api.components.generator import GuardedChatGenerator
from tunedd_api.settings import Settings
from tunedd_api.turns import Citation, Message

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "arxiv-ai-agents"

_WORDS = (
    "agent agents multi system systems context aware learning policy reward environment "
    "coordination communication protocol visibility oversight model language large planning "
    "memory tool tools evaluation benchmark survey framework challenge open problem"
).split()


def percentiles(seconds: list[float]) -> dict[str, float]:
    """p50 / p95 / p99 / max of ``seconds``, in milliseconds (nearest rank)."""
    ordered = sorted(seconds)

    def rank(q: float) -> float:
        return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]

    return {
        "n": len(ordered),
        "p50_ms": round(1000 * rank(0.50), 3),
        "p95_ms": round(1000 * rank(0.95), 3),
        "p99_ms": round(1000 * rank(0.99), 3),
        "max_ms": round(1000 * ordered[-1], 3),
    }


def load() -> list[float]:
    """The 1, 5 and 15 minute load averages (other processes share these 2 cores)."""
    return [round(x, 2) for x in os.getloadavg()]


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def rss_mib() -> dict[str, float]:
    """This process's resident memory now (VmRSS) and at its peak (VmHWM), MiB."""
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = round(int(value.split()[0]) / 1024, 1)
    return {"rss_mib": fields["VmRSS"], "peak_rss_mib": fields["VmHWM"]}


def text(rng: random.Random, words: int) -> str:
    """Pseudo-prose of ``words`` words."""
    return " ".join(rng.choice(_WORDS) for _ in range(words)).capitalize() + "."


def turn(rng: random.Random) -> list[Message]:
    """A question (~15 words) and its answer (~120 words, five citations with snippets), the
    sizes of a real answer over the five papers."""
    citations = tuple(
        Citation(
            number=n,
            document_id=uuid.UUID(int=rng.getrandbits(128)).hex,
            file_name="Chan et al. - 2024 - Visibility into AI Agents.pdf",
            title="Visibility into AI Agents",
            pages=[rng.randint(1, 20)],
            snippet=text(rng, 40),
            score=round(rng.random(), 4),
            support=round(rng.random(), 4),
        )
        for n in range(1, 6)
    )
    question = text(rng, 15) + "?"
    answer = Message(
        role="assistant",
        content=text(rng, 120) + " [1][2][3][4][5]",
        citations=citations,
        retrieval_query=question,
        groundedness=0.87,
    )
    return [Message(role="user", content=question), answer]


def instant_chat_model(settings: Settings) -> GuardedChatGenerator:
    """A chat model that answers at once (Haystack's mock behind tunedd's guard)."""
    return GuardedChatGenerator(
        generator=MockChatGenerator(response_fn=lambda _m: "Agents use tools [1]."),
        model_name="instant",
        context_window=settings.local_context_tokens,
        max_answer_tokens=settings.max_answer_tokens,
        timeout_s=settings.llm_timeout_s,
    )


def embedded_stack(settings: Settings) -> Any:
    """The embedded stack (ONNX embedder, SQLite store) with the instant chat model."""
    from tunedd_api.backends.embedded.backend import EmbeddedStack

    stack = EmbeddedStack(settings)
    stack.chat_model = instant_chat_model(settings)
    return stack
