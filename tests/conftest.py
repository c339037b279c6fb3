"""Shared fixtures. This folder is on sys.path, so tests import `fakes` and `pdf_factory`."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HAYSTACK_TELEMETRY_ENABLED", "False")

REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DATA_DIR = REPO_ROOT / "data"
CORPUS_DIR = REPO_ROOT.parent / "shared" / "corpus" / "arxiv-ai-agents"


@pytest.fixture(scope="session")
def sample_data_dir() -> Path:
    """The project's own generated sample PDFs."""
    return SAMPLE_DATA_DIR


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """The five real arXiv papers; tests needing them skip when the folder is absent."""
    if not CORPUS_DIR.is_dir() or not list(CORPUS_DIR.glob("*.pdf")):
        pytest.skip(f"real-paper corpus not found at {CORPUS_DIR}")
    return CORPUS_DIR
