"""The application's long-lived parts, built once per app in the lifespan (typed, no globals)."""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from tunedd_api.access.control import AccessControl
from tunedd_api.backends.base import Stack
from tunedd_api.chat.conversations import ConversationStore
from tunedd_api.chat.memory_conversations import InMemoryConversationStore
from tunedd_api.chat.sql_conversations import SqlConversationStore
from tunedd_api.chat.service import ChatService
from tunedd_api.chat.summary import Summarizer, SummaryService
from tunedd_api.components.hybrid_retriever import HybridRetriever
from tunedd_api.indexing.catalog import DocumentCatalog
from tunedd_api.indexing.indexer import IndexReport
from tunedd_api.indexing.intake import DocumentIntake
from tunedd_api.observability.metrics import track_conversations, track_queue_depth
from tunedd_api.records.store import RecordStore
from tunedd_api.runtime import Runtime
from tunedd_api.settings import Settings
from tunedd_api.storage.migrate import open_app_database
from tunedd_api.turns import NOT_FOUND_ANSWER

logger = logging.getLogger(__name__)


@dataclass
class AppState:
    """Everything the routers need; ``ready`` turns true once startup indexing is done."""

    settings: Settings
    runtime: Runtime
    catalog: DocumentCatalog
    conversations: ConversationStore
    chat: ChatService
    summaries: SummaryService
    intake: DocumentIntake
    #: API keys and per-key document visibility.
    access: AccessControl
    #: The application database (conversations, upload jobs, keys, document owners).
    database: Engine = field(repr=False)
    ready: bool = False
    startup_error: str | None = None
    index_report: IndexReport | None = None
    _startup_task: asyncio.Task | None = field(default=None, repr=False)
    #: /metrics skips the records database until then (monotonic clock) after a failed read.
    records_metrics_retry_at: float = 0.0
    _records: RecordStore | None = field(default=None, repr=False)
    _records_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def records(self) -> RecordStore:
        """The records database, opened (and migrated) on first use; blocking."""
        with self._records_lock:
            if self._records is None:
                self._records = RecordStore(self.settings.records_db_url)
            return self._records

    def records_if_present(self) -> RecordStore | None:
        """The records database if it is open or exists (a scrape must not create a file)."""
        url = self.settings.records_db_url
        if self._records is None and url.startswith("sqlite:///"):
            if not Path(url.removeprefix("sqlite:///")).exists():
                return None
        return self.records()

    @property
    def retriever(self) -> HybridRetriever:
        """The chat graph's retriever (``/search`` calls it directly)."""
        return self.runtime.chat.get_component("retriever")

    @property
    def backend(self) -> Stack:
        """The stack the runtime runs on."""
        return self.runtime.stack

    @classmethod
    def build(
        cls, runtime: Runtime, conversations: ConversationStore, database: Engine
    ) -> "AppState":
        """Wire the use cases to the runtime, the conversation store and the application
        database (upload jobs, API keys, document owners); nothing is loaded yet."""
        settings, stack = runtime.settings, runtime.stack
        track_conversations(conversations.count)
        track_queue_depth(lambda: stack.chat_model.queue_depth)
        catalog = DocumentCatalog()
        intake = DocumentIntake.build(runtime, catalog, database)
        access = AccessControl.build(settings, engine=database, catalog=catalog, intake=intake)
        chat = ChatService(
            pipeline=runtime.chat,
            conversations=conversations,
            chat_model=stack.chat_model,
            settings=settings,
            check_scope=catalog.require_still_indexed,
            default_scope=access.documents.scope_of_owner,
        )
        summarizer = Summarizer(
            chat_model=stack.chat_model,
            not_found_answer=NOT_FOUND_ANSWER,
            timeout_s=settings.summary_timeout_s,
        )
        return cls(
            settings=settings,
            runtime=runtime,
            catalog=catalog,
            conversations=conversations,
            chat=chat,
            summaries=SummaryService(conversations=conversations, summarizer=summarizer),
            intake=intake,
            access=access,
            database=database,
        )

    async def start(self) -> None:
        """Prepare the runtime, index the data folder and the kept uploads, then start the
        upload worker (blocking work in a thread)."""
        try:
            await asyncio.to_thread(self.runtime.prepare)
            await asyncio.to_thread(self.intake.store.prepare)
            # The data folder and the kept uploads together: the run drops every other document.
            self.index_report = await asyncio.to_thread(self.intake.indexer.sync)
            self.catalog.replace(self.index_report.records)
            await asyncio.to_thread(self.intake.adopt_uploads, self.index_report.records)
            self.intake.queue.start()
            self.ready = True
        except Exception as error:
            self.startup_error = str(error)
            logger.exception("Startup failed")
            raise

    async def stop(self) -> None:
        """Cancel unfinished startup work and release the backend."""
        if self._startup_task is not None and not self._startup_task.done():
            self._startup_task.cancel()
        await asyncio.to_thread(self.intake.queue.stop)
        await asyncio.to_thread(self.runtime.close)
        await asyncio.to_thread(self.conversations.close)
        await asyncio.to_thread(self.database.dispose)
        if self._records is not None:
            self._records.close()


def open_database(settings: Settings) -> Engine:
    """The application database, opened and migrated (blocking)."""
    engine = open_app_database(settings.app_database_url)
    logger.info("Application database: %s", engine.url.render_as_string())
    return engine


def conversation_store(settings: Settings, database: Engine) -> ConversationStore:
    """The configured conversation store (over ``database`` unless it is in memory)."""
    limits = {
        "max_conversations": settings.max_conversations,
        "ttl_s": settings.conversation_ttl_s,
        "max_messages": settings.max_messages_per_conversation,
    }
    if settings.conversation_store == "memory":
        return InMemoryConversationStore(**limits)
    return SqlConversationStore(
        engine=database, turn_lock_timeout_s=settings.turn_lock_timeout_s, **limits
    )
