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


@pytest.fixture(scope="session")
def postgres_server():
    """A throwaway PostgreSQL server (see tests/postgres.py); skips when none can be had,
    unless TUNEDD_REQUIRE_POSTGRES=1 (CI), where that is a failure."""
    from postgres import start_postgres

    try:
        server = start_postgres()
    except Exception as error:  # a broken install must be visible, not a silent skip
        if os.environ.get("TUNEDD_REQUIRE_POSTGRES") == "1":
            raise
        pytest.skip(f"PostgreSQL could not be started: {error}")
    if server is None:
        if os.environ.get("TUNEDD_REQUIRE_POSTGRES") == "1":
            pytest.fail("TUNEDD_REQUIRE_POSTGRES=1 but no PostgreSQL binaries or URL were found")
        pytest.skip("PostgreSQL not installed (set TUNEDD_TEST_POSTGRES_URL or install it)")
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path: Path) -> str:
    """An empty records database: a SQLite file, and a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'records.db'}"
    return request.getfixturevalue("postgres_server").new_database()
