"""Unit tests of Settings: RAG_-prefixed environment variables, defaults and consistency checks."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from tunedd_api.embedding.tokenizer import MAX_CONTENT_TOKENS
from tunedd_api.settings import BackendKind, Settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No RAG_ variable from the outer environment leaks into a test."""
    for name in list(os.environ):
        if name.upper().startswith("RAG_"):
            monkeypatch.delenv(name)


def test_defaults() -> None:
    settings = Settings(_env_file=None)
    assert settings.backend is BackendKind.EMBEDDED
    assert settings.chunk_size_tokens <= 254
    assert settings.chunk_size_tokens <= MAX_CONTENT_TOKENS
    assert settings.chunk_overlap_tokens < settings.chunk_size_tokens
    assert settings.top_k <= settings.max_top_k


def test_reads_prefixed_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_TOP_K", "7")
    monkeypatch.setenv("RAG_CHUNK_SIZE_TOKENS", "128")
    monkeypatch.setenv("RAG_CHUNK_OVERLAP_TOKENS", "16")
    monkeypatch.setenv("RAG_CHAT_MODEL", "llama3:8b")
    monkeypatch.setenv("RAG_DATA_DIR", "/srv/papers")
    monkeypatch.setenv("RAG_LLM_TIMEOUT_S", "12.5")
    settings = Settings(_env_file=None)
    assert settings.top_k == 7
    assert settings.chunk_size_tokens == 128
    assert settings.chunk_overlap_tokens == 16
    assert settings.chat_model == "llama3:8b"
    assert settings.data_dir == Path("/srv/papers")
    assert settings.llm_timeout_s == 12.5


def test_unprefixed_variables_are_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOP_K", "9")
    monkeypatch.setenv("BACKEND", "production")
    settings = Settings(_env_file=None)
    assert settings.top_k == Settings.model_fields["top_k"].default
    assert settings.backend is BackendKind.EMBEDDED


@pytest.mark.parametrize(
    ("value", "expected"),
    [("production", BackendKind.PRODUCTION), ("embedded", BackendKind.EMBEDDED)],
)
def test_backend_selection(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: BackendKind
) -> None:
    monkeypatch.setenv("RAG_BACKEND", value)
    assert Settings(_env_file=None).backend is expected


def test_unknown_backend_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_BACKEND", "cloud")
    with pytest.raises(ValidationError):
        Settings(_env_file=None)


@pytest.mark.parametrize(("size", "overlap"), [(64, 64), (64, 100), (32, 40)])
def test_overlap_not_smaller_than_size_is_rejected(
    monkeypatch: pytest.MonkeyPatch, size: int, overlap: int
) -> None:
    monkeypatch.setenv("RAG_CHUNK_SIZE_TOKENS", str(size))
    monkeypatch.setenv("RAG_CHUNK_OVERLAP_TOKENS", str(overlap))
    with pytest.raises(ValidationError, match="chunk_overlap_tokens"):
        Settings(_env_file=None)


def test_top_k_above_max_top_k_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_TOP_K", "10")
    monkeypatch.setenv("RAG_MAX_TOP_K", "5")
    with pytest.raises(ValidationError, match="top_k"):
        Settings(_env_file=None)


@pytest.mark.parametrize(
    ("name", "value"),
    [("RAG_CHUNK_SIZE_TOKENS", "255"), ("RAG_CHUNK_SIZE_TOKENS", "16"), ("RAG_TOP_K", "0")],
)
def test_out_of_range_values_are_rejected(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError):
        Settings(_env_file=None)


def test_env_file_is_read(tmp_path: Path) -> None:
    env_file = tmp_path / "settings.env"
    env_file.write_text("RAG_BACKEND=production\nRAG_TOP_K=3\n", encoding="utf-8")
    settings = Settings(_env_file=env_file)
    assert settings.backend is BackendKind.PRODUCTION
    assert settings.top_k == 3


@pytest.mark.parametrize(("value", "seed"), [("7", 7), ("", None), ("none", None)])
def test_an_empty_seed_means_a_new_seed_per_call(
    monkeypatch: pytest.MonkeyPatch, value: str, seed: int | None
) -> None:
    monkeypatch.setenv("RAG_SEED", value)
    assert Settings(_env_file=None).seed == seed
