"""Prometheus metrics of tunedd, served at ``/metrics``.

Defined once per process on a registry of their own (so tests that build many apps share
them); values accumulate over the process's life like any Prometheus client.
"""

from __future__ import annotations

import logging
import time
from typing import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

logger = logging.getLogger(__name__)

REGISTRY = CollectorRegistry(auto_describe=True)

_FAST = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
_SLOW = (0.1, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300)

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
    buckets=_SLOW,
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
    "tunedd_llm_seconds", "Chat model calls, queue wait excluded.", buckets=_SLOW, registry=REGISTRY
)
LLM_FIRST_TOKEN_SECONDS = Histogram(
    "tunedd_llm_first_token_seconds",
    "Time from the start of generation to the first streamed token.",
    buckets=_SLOW,
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
RECORDS_INGESTED = Counter(
    "tunedd_records_ingested_total",
    "Rows read by `tunedd ingest`, by outcome (inserted, duplicate, rejected).",
    ["outcome"],
    registry=REGISTRY,
)
RECORDS_CLAIMED = Counter(
    "tunedd_records_claimed_total", "Records leased by this worker.", registry=REGISTRY
)
RECORDS_PROCESSED = Counter(
    "tunedd_records_processed_total",
    "Records finished by this worker, by outcome (done, retried, failed, lost_lease).",
    ["outcome"],
    registry=REGISTRY,
)
RECORD_SCORING_SECONDS = Histogram(
    "tunedd_record_scoring_seconds",
    "One successful scoring call (LLM, retries included).",
    buckets=_SLOW,
    registry=REGISTRY,
)
RECORDS_BY_STATUS = Gauge(
    "tunedd_records",
    "Records in the records database by job status (read from the database at scrape time).",
    ["status"],
    registry=REGISTRY,
)

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


#: After a failed read, scrapes skip the records database for this long (a down database
#: must not make every scrape wait for a connection timeout).
_RECORDS_BACKOFF_S = 60.0


def refresh_record_counts(state) -> None:
    """Read the records queue's counts by status from the database (at scrape time).

    A scrape must never fail because of it: an unavailable database leaves the last values."""
    from tunedd_api.records.queries import status_counts

    if time.monotonic() < state.records_metrics_retry_at:
        return
    try:
        store = state.records_if_present()
        if store is None:
            return
        counts = status_counts(store)
    except Exception as error:  # noqa: BLE001 - observability must not take the endpoint down
        state.records_metrics_retry_at = time.monotonic() + _RECORDS_BACKOFF_S
        logger.warning("Records counts unavailable for /metrics: %s", error)
        return
    for status, count in counts.items():
        RECORDS_BY_STATUS.labels(status=status).set(count)
