"""The backend factory builds the right parts from settings alone, connecting to nothing."""

from __future__ import annotations

import threading
from dataclasses import replace

from haystack_integrations.components.embedders.ollama import OllamaTextEmbedder
from haystack_integrations.components.generators.ollama import OllamaChatGenerator
from haystack_integrations.components.retrievers.weaviate import WeaviateEmbeddingRetriever

from tunedd_api.backends.embedded.retrievers import SQLiteEmbeddingRetriever
from tunedd_api.backends.factory import build_stack
from tunedd_api.components.generator import GenerationCall
from tunedd_api.backends.production.weaviate_schema import collection_settings
from tunedd_api.components.embedders import OnnxTextEmbedder
from tunedd_api.documents import CHUNK_META_FIELDS
from tunedd_api.settings import BackendKind, Settings


def test_embedded_settings_build_in_process_parts(tmp_path) -> None:
    backend = build_stack(Settings(_env_file=None, index_dir=tmp_path))

    assert backend.name == "embedded"
    assert isinstance(backend.retriever, SQLiteEmbeddingRetriever)
    assert isinstance(backend.text_embedder, OnnxTextEmbedder)
    assert backend.document_store.path == str(tmp_path / "index.sqlite3")
    assert not (tmp_path / "index.sqlite3").exists(), "the store opens on first use, not here"


def test_production_settings_build_weaviate_and_ollama_parts() -> None:
    settings = Settings(
        _env_file=None,
        backend=BackendKind.PRODUCTION,
        ollama_url="http://ollama:11434",
        chat_model="phi3:3.8b-mini-instruct-4k-q4_K_M",
        ollama_context_tokens=4096,
    )

    backend = build_stack(settings)

    assert backend.name == "production"
    assert isinstance(backend.retriever, WeaviateEmbeddingRetriever)
    assert isinstance(backend.text_embedder, OllamaTextEmbedder)
    assert backend.text_embedder.model == "all-minilm:l6"
    assert isinstance(backend.chat_model.generator, OllamaChatGenerator)
    assert backend.chat_model.generator.model == "phi3:3.8b-mini-instruct-4k-q4_K_M"
    call = GenerationCall(
        deadline=0.0, timeout_s=1.0, cancel=threading.Event(), max_tokens=99, json_schema=None
    )
    options = backend.chat_model.generation_kwargs(call)
    assert options["num_ctx"] == 4096 and options["num_predict"] == 99
    assert backend.chat_model.generator_for(call) is backend.chat_model.generator
    schema = {"type": "object", "properties": {"a": {"type": "string"}}}
    json_call = replace(call, json_schema=schema)
    twin = backend.chat_model.generator_for(json_call)
    assert twin is not backend.chat_model.generator and twin.response_format == schema
    assert backend.chat_model.generator_for(json_call) is twin  # built once, then reused
    assert backend.score_scale == "certainty"  # HybridRetriever maps it to cosine


def test_weaviate_collection_declares_every_filtered_field() -> None:
    definition = collection_settings("TunedDChunk")
    properties = {p["name"]: p for p in definition["properties"]}

    assert set(CHUNK_META_FIELDS) <= set(properties)
    assert properties["document_id"]["dataType"] == ["text"]
    assert properties["document_id"]["tokenization"] == "field"
    assert properties["pages"]["dataType"] == ["int[]"]
    assert definition["vectorIndexConfig"]["distance"] == "cosine"
