"""Both graphs dump to YAML and load back into pipelines that index and answer the same."""

from __future__ import annotations

import asyncio
from pathlib import Path

from apps import volcano_settings
from fakes import CannedChatGenerator, FakeStack
from haystack import Pipeline

from tunedd_api.chat.memory_conversations import InMemoryConversationStore
from tunedd_api.chat.service import ChatService
from tunedd_api.indexing.indexer import Indexer
from tunedd_api.runtime import build_runtime
from tunedd_api.turns import History

#: Modules a loaded YAML may instantiate classes from (Haystack refuses others by default).
TRUSTED = ["tunedd_api", "fakes"]
REPLY = "Volcanoes erupt molten basalt lava [1]."


def _snapshot(stack: FakeStack) -> list[tuple]:
    documents = stack.document_store.filter_documents()
    return sorted(
        (
            d.id,
            d.content,
            tuple(d.meta["pages"]),
            d.meta["chunk_count"],
            tuple(round(x, 6) for x in d.embedding or []),
        )
        for d in documents
    )


def _answer(pipeline: Pipeline, settings, stack: FakeStack) -> tuple[str, list]:
    chat = ChatService(
        pipeline=pipeline,
        conversations=InMemoryConversationStore(),
        chat_model=stack.chat_model,
        settings=settings,
    )
    turn = asyncio.run(chat.answer("What do volcanoes erupt?", History(), None))
    return turn.message.content, [(c.number, c.pages, c.snippet) for c in turn.message.citations]


def test_indexing_and_chat_yaml_round_trip_to_the_same_index_and_answer(tmp_path: Path) -> None:
    settings = volcano_settings(tmp_path)
    stack = FakeStack(generator=CannedChatGenerator(reply=REPLY))
    runtime = build_runtime(settings, stack=stack)
    indexing_yaml, chat_yaml = runtime.indexing.dumps(), runtime.chat.dumps()

    Indexer(pipeline=runtime.indexing, data_dir=settings.data_dir).sync()
    index = _snapshot(stack)
    answer = _answer(runtime.chat, settings, stack)

    stack.document_store.delete_all_documents()
    loaded_indexing = Pipeline.loads(indexing_yaml, allowed_modules=TRUSTED)
    report = Indexer(pipeline=loaded_indexing, data_dir=settings.data_dir).sync()
    assert report.indexed == 1
    assert _snapshot(stack) == index  # the loaded store shares the fake stack's index
    loaded_chat = Pipeline.loads(chat_yaml, allowed_modules=TRUSTED)
    assert _answer(loaded_chat, settings, stack) == answer
    assert answer[0] == REPLY and answer[1]  # answered and cited, not refused


def test_the_dumped_graphs_name_every_step(tmp_path: Path) -> None:
    runtime = build_runtime(
        volcano_settings(tmp_path), stack=FakeStack(generator=CannedChatGenerator())
    )
    indexing, chat = runtime.indexing.to_dict(), runtime.chat.to_dict()

    assert list(indexing["components"]) == [
        "planner",
        "converter",
        "cleaner",
        "splitter",
        "embedder",
        "writer",
    ]
    assert indexing["components"]["cleaner"]["type"].endswith("DocumentCleaner")
    assert list(chat["components"]) == [
        "rewriter",
        "retriever",
        "router",
        "selector",
        "prompt_builder",
        "generator",
        "verifier",
        "policy",
        "refusal",
        "answer",
    ]
    assert chat["components"]["router"]["type"].endswith("ConditionalRouter")
    assert chat["components"]["answer"]["type"].endswith("BranchJoiner")
