"""The records package's Prometheus metrics: ingest and worker counters, and the queue's
counts by status, read from the database at scrape time (on tunedd's shared registry)."""

from __future__ import annotations

import logging
import time
from typing import Any

from prometheus_client import Counter, Gauge, Histogram

from tunedd_api.observability.metrics import REGISTRY, SLOW_BUCKETS
from tunedd_api.records.queries import status_counts

logger = logging.getLogger(__name__)

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
    buckets=SLOW_BUCKETS,
    registry=REGISTRY,
)
RECORDS_BY_STATUS = Gauge(
    "tunedd_records",
    "Records in the records database by job status (read from the database at scrape time).",
    ["status"],
    registry=REGISTRY,
)


#: After a failed read, scrapes skip the records database for this long (a down database
#: must not make every scrape wait for a connection timeout).
_RECORDS_BACKOFF_S = 60.0


def refresh_record_counts(state: Any) -> None:
    """Read the records queue's counts by status from the database (at scrape time).

    A scrape must never fail because of it: an unavailable database leaves the last values."""
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
