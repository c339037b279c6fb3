"""Property-based fuzzing of every operation from the app's own OpenAPI schema (schemathesis):
whatever the generated (valid or invalid) input, the API never answers 5xx, and every error
body has the common ``{detail, code}`` shape."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import schemathesis
from fakes import FakeStack, RecordingLLM
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from pdf_factory import make_pdf

from tunedd_api.main import create_app
from tunedd_api.settings import Settings

_DATA = Path(tempfile.mkdtemp(prefix="tunedd-fuzz-"))
FUZZ_KEY = "tdk_fuzz-admin-key-0123456789"
make_pdf(_DATA / "data" / "volcano.pdf", ["Volcanoes erupt molten basalt lava."], title="Volcano")
APP = create_app(
    Settings(
        _env_file=None,
        data_dir=_DATA / "data",
        index_dir=_DATA / "index",
        index_workers=1,
        min_relevance=0.1,
        max_conversations=100_000,
        # Every generated request carries an (admin) API key: the key checks run on all of it.
        admin_key=FUZZ_KEY,
        rate_limit_per_minute=0,
    ),
    stack=FakeStack(RecordingLLM("Volcanoes erupt molten basalt lava [1].")),
)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)
# Valid inputs and deliberately invalid ones (wrong types, missing fields, bad UUIDs, ...).
schema.config.generation.update(
    modes=[schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE]
)
CASES: list[int] = []


@pytest.fixture(scope="module", autouse=True)
def started_app():
    """Run the lifespan once (indexing, state) for every generated request."""
    with TestClient(APP) as client:
        yield client


@schema.parametrize()
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_input_makes_the_api_fail(case) -> None:
    response = case.call(headers={"Authorization": f"Bearer {FUZZ_KEY}"})
    CASES.append(response.status_code)
    assert response.status_code < 500, (case.method, case.path, response.text[:300])
    content_type = response.headers.get("content-type") or ""
    if isinstance(content_type, list):
        content_type = content_type[0] if content_type else ""
    if response.status_code >= 400 and content_type.startswith("application/json"):
        body = response.json()
        assert isinstance(body, dict) and body.get("detail") and body.get("code"), body


def test_fuzzing_ran_many_cases() -> None:
    """Runs after the fuzz tests in this module: they must have exercised the API."""
    assert len(CASES) >= 200, len(CASES)
    print(f"fuzz cases: {len(CASES)}, statuses: {sorted(set(CASES))}")
