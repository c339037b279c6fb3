"""Every stack's component set builds the same two graphs, and each graph survives YAML.

The embedded, production and fake stacks are constructed (nothing loads or connects), their
graphs compared edge by edge, and each graph dumped and loaded back.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from apps import volcano_settings
from fakes import CannedChatGenerator, FakeStack
from haystack import Pipeline

from tunedd_api.backends.base import Stack
from tunedd_api.backends.factory import build_stack
from tunedd_api.runtime import build_runtime
from tunedd_api.settings import BackendKind

TRUSTED = ["tunedd_api", "fakes"]


def _stack(kind: str, tmp_path: Path) -> Stack:
    if kind == "fake":
        return FakeStack(generator=CannedChatGenerator())
    backend = BackendKind.EMBEDDED if kind == "embedded" else BackendKind.PRODUCTION
    return build_stack(volcano_settings(tmp_path, backend=backend))


def _shape(pipeline: Pipeline) -> tuple[list[str], list[tuple[str, str, str, str]]]:
    data = pipeline.to_dict()
    edges = sorted(
        (*c["sender"].split("."), *c["receiver"].split(".")) for c in data["connections"]
    )
    return sorted(data["components"]), edges


@pytest.fixture(scope="module")
def fake_shapes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple]:
    runtime = build_runtime(
        volcano_settings(tmp_path_factory.mktemp("fake")), stack=_stack("fake", Path("."))
    )
    return {"indexing": _shape(runtime.indexing), "chat": _shape(runtime.chat)}


@pytest.mark.parametrize("kind", ["embedded", "production", "fake"])
def test_every_stack_builds_the_same_graphs(kind: str, tmp_path: Path, fake_shapes) -> None:
    runtime = build_runtime(volcano_settings(tmp_path), stack=_stack(kind, tmp_path))

    assert _shape(runtime.indexing) == fake_shapes["indexing"]
    assert _shape(runtime.chat) == fake_shapes["chat"]


@pytest.mark.parametrize("kind", ["embedded", "production", "fake"])
def test_every_stack_graph_loads_back_from_yaml(kind: str, tmp_path: Path) -> None:
    runtime = build_runtime(volcano_settings(tmp_path), stack=_stack(kind, tmp_path))

    for pipeline in (runtime.indexing, runtime.chat):
        loaded = Pipeline.loads(pipeline.dumps(), allowed_modules=TRUSTED)
        assert _shape(loaded) == _shape(pipeline)
        assert loaded.to_dict()["components"] == pipeline.to_dict()["components"]
