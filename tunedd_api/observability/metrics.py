"""Prometheus metrics of tunedd, served at ``/metrics``.

Defined once per process on a registry of their own (so tests that build many apps share
them); values accumulate over the process's life like any Prometheus client. This module
defines metrics only; packages register their own collectors on ``REGISTRY`` (records:
:mod:`tunedd_api.records.metrics`).
"""

from __future__ import annotations

from typing import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

_FAST = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
SLOW_BUCKETS = (0.1, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300)

HTTP_REQUESTS = Counter(
    "tunedd_http_requests_total",
    "HTTP requests by route template, method and status.",
    ["method", "route", "status"],
    registry=REGISTRY,
)
HTTP_SECONDS = Histogram(
    "tunedd_http_request_seconds",
    "HTTP request latency by route template and method (streams: until the last byte).",
    ["method", "route"],
    buckets=SLOW_BUCKETS,
    registry=REGISTRY,
)
RETRIEVAL_SECONDS = Histogram(
    "tunedd_retrieval_seconds", "Query embedding + store search.", buckets=_FAST, registry=REGISTRY
)
EMBEDDING_SECONDS = Histogram(
    "tunedd_embedding_seconds",
    "Embedder calls by kind (query, documents).",
    ["kind"],
    buckets=_FAST,
    registry=REGISTRY,
)
LLM_SECONDS = Histogram(
    "tunedd_llm_seconds",
    "Chat model calls, queue wait excluded.",
    buckets=SLOW_BUCKETS,
    registry=REGISTRY,
)
LLM_FIRST_TOKEN_SECONDS = Histogram(
    "tunedd_llm_first_token_seconds",
    "Time from the start of generation to the first streamed token.",
    buckets=SLOW_BUCKETS,
    registry=REGISTRY,
)
LLM_TOKENS = Counter(
    "tunedd_llm_tokens_total",
    "Tokens read (prompt) and written (completion) by the chat model.",
    ["direction"],
    registry=REGISTRY,
)
LLM_QUEUE_DEPTH = Gauge(
    "tunedd_llm_queue_depth", "Requests waiting for or holding the chat model.", registry=REGISTRY
)
CIRCUIT_STATE = Gauge(
    "tunedd_circuit_state",
    "Circuit breaker per dependency: 0 closed, 1 half-open, 2 open.",
    ["dependency"],
    registry=REGISTRY,
)
INDEXED_DOCUMENTS = Counter(
    "tunedd_indexing_documents_total",
    "Documents handled by indexing runs, by outcome (indexed, reused, failed, removed).",
    ["outcome"],
    registry=REGISTRY,
)
INDEXED_CHUNKS = Counter(
    "tunedd_indexing_chunks_embedded_total", "Chunks embedded and written.", registry=REGISTRY
)
INDEXING_PENDING = Gauge(
    "tunedd_indexing_pending_documents",
    "Documents the running indexing pass still has to embed.",
    registry=REGISTRY,
)
CONVERSATIONS = Gauge("tunedd_conversations", "Conversations held in memory.", registry=REGISTRY)
_STATE_VALUES = {"closed": 0, "half_open": 1, "open": 2}


def record_circuit_state(dependency: str, state: str) -> None:
    """Export a breaker's state change."""
    CIRCUIT_STATE.labels(dependency=dependency).set(_STATE_VALUES[state])


def track_queue_depth(depth: Callable[[], float]) -> None:
    """Read the chat model's queue depth at scrape time."""
    LLM_QUEUE_DEPTH.set_function(depth)


def track_conversations(count: Callable[[], float]) -> None:
    """Read the number of stored conversations at scrape time."""
    CONVERSATIONS.set_function(count)
