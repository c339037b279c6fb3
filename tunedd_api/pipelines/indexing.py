"""The indexing graph: plan → convert → clean → split → embed → write (commit marker last).

::

    planner ─sources,meta,prefetch_*─▶ converter ─documents─▶ cleaner ─▶ splitter ─▶ embedder
                                                                                    ─▶ writer

The indexer runs the graph once per batch of pending files (``planner.batch``); the converter
reads every supported format (PDF pages; Markdown, text, HTML and Word segments with their
locations) and parses the next batch's PDFs (``prefetch_*``) in the background while this one
is embedded.

Failed files leave the graph as ``converter.failed``, ``embedder.failed`` and
``writer.failed``; unchanged ones as ``planner.reused``, deleted ones as ``planner.removed``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from haystack import Pipeline
from haystack.components.preprocessors import DocumentCleaner

from tunedd_api.backends.base import Stack
from tunedd_api.components.index_planner import IndexPlanner
from tunedd_api.components.index_writer import GuardedDocumentEmbedder, IndexWriter
from tunedd_api.components.page_splitter import PageAwareSplitter
from tunedd_api.components.file_converter import FileConverter
from tunedd_api.components.pdf_text import CLEANING_REGEXES

#: Components whose outputs a run reports (besides the graph's leaves).
REPORTED = {"planner", "converter", "embedder", "writer"}


@dataclass(frozen=True)
class IndexingOptions:
    """How files are cut and how much work runs in parallel."""

    chunk_size: int = 200
    chunk_overlap: int = 40
    workers: int = 1
    batch_size: int = 8

    @classmethod
    def from_settings(cls, settings: Any) -> "IndexingOptions":
        """The options the settings name."""
        return cls(
            chunk_size=settings.chunk_size_tokens,
            chunk_overlap=settings.chunk_overlap_tokens,
            workers=settings.index_workers,
            batch_size=settings.embedding_batch_size,
        )


def build_indexing_pipeline(stack: Stack, options: IndexingOptions) -> Pipeline:
    """The indexing graph over ``stack``'s document store and document embedder."""
    store = stack.document_store
    pipeline = Pipeline()
    pipeline.add_component("planner", IndexPlanner(document_store=store))
    pipeline.add_component("converter", FileConverter(workers=options.workers))
    # Reproduces tunedd's page cleaning exactly (tested): soft hyphens, words hyphenated
    # across lines, runs of whitespace; page breaks (form feeds) are kept.
    pipeline.add_component(
        "cleaner",
        DocumentCleaner(
            remove_empty_lines=False,
            remove_extra_whitespaces=False,
            keep_id=True,
            replace_regexes=CLEANING_REGEXES,
        ),
    )
    pipeline.add_component(
        "splitter",
        PageAwareSplitter(chunk_size=options.chunk_size, chunk_overlap=options.chunk_overlap),
    )
    pipeline.add_component(
        "embedder",
        GuardedDocumentEmbedder(embedder=stack.document_embedder, batch_size=options.batch_size),
    )
    pipeline.add_component("writer", IndexWriter(document_store=store))
    pipeline.connect("planner.sources", "converter.sources")
    pipeline.connect("planner.meta", "converter.meta")
    pipeline.connect("planner.prefetch_sources", "converter.prefetch_sources")
    pipeline.connect("planner.prefetch_meta", "converter.prefetch_meta")
    pipeline.connect("converter.documents", "cleaner.documents")
    pipeline.connect("cleaner.documents", "splitter.documents")
    pipeline.connect("splitter.documents", "embedder.documents")
    pipeline.connect("embedder.documents", "writer.documents")
    return pipeline
