"""A running app over one small PDF with a fake backend: the setup most API tests share."""

from __future__ import annotations

import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from fakes import FakeStack
from fastapi.testclient import TestClient
from pdf_factory import make_pdf

from tunedd_api.main import create_app
from tunedd_api.settings import Settings

VOLCANO = ["Volcanoes erupt molten basalt lava.", "Magma chambers feed volcano vents deep below."]


def volcano_settings(tmp_path: Path, **overrides: Any) -> Settings:
    """Settings over a data folder holding ``volcano.pdf`` (two pages, one sentence each)."""
    make_pdf(tmp_path / "data" / "volcano.pdf", VOLCANO, title="Volcano Notes")
    options: dict[str, Any] = {
        "data_dir": tmp_path / "data",
        "index_dir": tmp_path / "index",
        "index_workers": 1,
        "min_relevance": 0.1,
        "records_db_url": f"sqlite:///{tmp_path / 'records.db'}",
    }
    options.update(overrides)
    return Settings(_env_file=None, **options)


@contextmanager
def volcano_client(
    tmp_path: Path, backend: FakeStack, *, clock: Any = time.monotonic, **overrides: Any
) -> Iterator[TestClient]:
    """A started app (lifespan run, document indexed) over ``volcano.pdf``."""
    settings = volcano_settings(tmp_path, **overrides)
    with TestClient(create_app(settings, stack=backend, clock=clock)) as client:
        yield client
