"""The indexing pipeline's last steps: guarded embedding per file, then crash-safe writes.

``GuardedDocumentEmbedder`` wraps any document embedder so that a file whose embedding still
fails after the guard's retries is reported as failed (and retried on the next run) while the
other files index normally; a stock embedder would fail the whole run. ``IndexWriter`` writes
each file's chunks with chunk 0, the commit marker, last (see :mod:`tunedd_api.documents`) and
makes the store durable once at the end; ``DocumentWriter`` has no notion of either.
"""

from __future__ import annotations

import logging
from itertools import groupby
from typing import Any, Callable

from haystack import Document, component, default_from_dict, default_to_dict
from haystack.document_stores.types import DuplicatePolicy

from tunedd_api.components.nesting import nested_from_dict, nested_to_dict
from tunedd_api.documents import DocumentRecord, document_filter
from tunedd_api.errors import TunedDError
from tunedd_api.observability.metrics import EMBEDDING_SECONDS
from tunedd_api.resilience import Guard, Guards

logger = logging.getLogger(__name__)


def _by_file(documents: list[Document]) -> list[tuple[str, list[Document]]]:
    """Chunks grouped by ``document_id``, in input order (the splitter keeps files together)."""
    return [
        (key, list(group)) for key, group in groupby(documents, lambda d: d.meta["document_id"])
    ]


@component
class GuardedDocumentEmbedder:
    """Embeds each file's chunks in batches through the embedder guard.

    :param embedder: A Haystack document embedder (``documents`` in, ``documents`` out).
    :param batch_size: Chunks per embedder call (each call retried on its own).
    """

    def __init__(self, *, embedder: Any, batch_size: int = 8) -> None:
        self.embedder = embedder
        self.batch_size = batch_size
        self._guard: Guard = Guards.passthrough().embedder
        self._on_progress: Callable[[str, int, int], None] | None = None

    def use_guards(self, guards: Guards) -> None:
        """Retry and break the circuit with the runtime's shared embedder guard."""
        self._guard = guards.embedder

    def observe(self, on_progress: Callable[[str, int, int], None] | None) -> None:
        """Call ``on_progress(document_id, chunks_done, chunks_total)`` after every batch
        (``None``: stop); upload status shows it. Not serialised."""
        self._on_progress = on_progress

    def warm_up(self) -> None:
        """Load the wrapped embedder."""
        if hasattr(self.embedder, "warm_up"):
            self.embedder.warm_up()

    def to_dict(self) -> dict[str, Any]:
        """Serialise, including the wrapped embedder."""
        return default_to_dict(
            self, embedder=nested_to_dict(self.embedder), batch_size=self.batch_size
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "GuardedDocumentEmbedder":
        """Rebuild, including the wrapped embedder."""
        return default_from_dict(cls, nested_from_dict(data, "embedder"))

    @component.output_types(documents=list[Document], failed=list[DocumentRecord])
    def run(self, documents: list[Document]) -> dict[str, Any]:
        """Embed every file's chunks; a file that cannot be embedded is reported, not raised.

        :param documents: Chunks, each file's together.
        :returns: ``documents``: embedded chunks of the files that succeeded; ``failed``.
        """
        embedded: list[Document] = []
        failed: list[DocumentRecord] = []
        for document_id, chunks in _by_file(documents):
            try:
                embedded += self.embed(chunks)
            except TunedDError as failure:  # retries exhausted or breaker open
                reason = f"indexing failed, retried on the next start: {failure.message}"
                logger.warning("Skipping %s: %s", chunks[0].meta["file_name"], reason)
                failed.append(
                    DocumentRecord.failed(document_id, chunks[0].meta["file_name"], reason)
                )
        return {"documents": embedded, "failed": failed}

    def embed(self, documents: list[Document]) -> list[Document]:
        """Embed ``documents`` in guarded batches (blocking); raises the guard's typed error."""
        embedded: list[Document] = []
        for start in range(0, len(documents), self.batch_size):
            batch = documents[start : start + self.batch_size]
            with EMBEDDING_SECONDS.labels(kind="documents").time():
                embedded += self._guard.call(
                    lambda: self.embedder.run(documents=batch)["documents"]
                )
            if self._on_progress is not None:
                self._on_progress(batch[0].meta["document_id"], len(embedded), len(documents))
        return embedded


@component
class IndexWriter:
    """Writes each file's chunks, its commit marker (chunk 0) last.

    :param document_store: The store to write to.
    """

    def __init__(self, *, document_store: Any) -> None:
        self.document_store = document_store
        self._guard: Guard = Guards.passthrough().document_store

    def use_guards(self, guards: Guards) -> None:
        """Retry and break the circuit with the runtime's shared store guard."""
        self._guard = guards.document_store

    def to_dict(self) -> dict[str, Any]:
        """Serialise, including the document store."""
        return default_to_dict(self, document_store=self.document_store)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "IndexWriter":
        """Rebuild, including the document store."""
        return default_from_dict(cls, data)

    @component.output_types(indexed=list[DocumentRecord], failed=list[DocumentRecord])
    def run(self, documents: list[Document]) -> dict[str, Any]:
        """Write the chunks of every file.

        :param documents: Embedded chunks, each file's together and in chunk order.
        :returns: ``indexed``: a record per written file; ``failed``: files the store refused.
        """
        indexed: list[DocumentRecord] = []
        failed: list[DocumentRecord] = []
        for document_id, chunks in _by_file(documents):
            try:
                self._write_atomically(chunks)
            except TunedDError as failure:
                reason = f"indexing failed, retried on the next start: {failure.message}"
                failed.append(
                    DocumentRecord.failed(document_id, chunks[0].meta["file_name"], reason)
                )
                self._discard(document_id)
                continue
            indexed.append(DocumentRecord.from_marker(chunks[0]))
            logger.info(
                "Indexed %s: %d pages, %d chunks",
                chunks[0].meta["file_name"],
                chunks[0].meta["page_count"],
                len(chunks),
            )
        return {"indexed": indexed, "failed": failed}

    def _write_atomically(self, documents: list[Document]) -> None:
        """Write chunk 0 (the document's commit marker) only after all the others."""
        marker, rest = documents[0], documents[1:]
        store = self.document_store
        if rest:
            self._guard.call(lambda: store.write_documents(rest, policy=DuplicatePolicy.OVERWRITE))
        self._guard.call(lambda: store.write_documents([marker], policy=DuplicatePolicy.OVERWRITE))

    def _discard(self, document_id: str) -> None:
        """Best effort: drop chunks a failed write left (the next run's planner drops the rest)."""
        try:
            self.document_store.delete_by_filter(document_filter([document_id]))
        except Exception as error:  # the store may be the thing that is down
            logger.warning("Could not clean up %s now (%r); next run will", document_id, error)
