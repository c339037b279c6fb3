"""Installed size of a candidate's distributions and of everything they require.

Sizes come from each distribution's file list (``importlib.metadata``), wherever it is
installed (the --target folder or the project's environment). ``extra_mib`` counts only the
distributions that the project's environment (``sys.prefix``) does not already have: what
adopting the candidate would add to an install.
"""

from __future__ import annotations

import re
import sys
from importlib import metadata
from pathlib import Path

try:
    from packaging.markers import Marker
except ImportError:  # markers are then taken as true
    Marker = None

NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _applies(requirement: str) -> bool:
    """False for requirements behind an extra or a marker that does not hold here."""
    _, _, marker = requirement.partition(";")
    if not marker.strip():
        return True
    if "extra" in marker:
        return False
    if Marker is None:
        return True
    try:
        return Marker(marker.strip()).evaluate()
    except Exception:
        return True


def _distribution(name: str):
    try:
        return metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return None


def closure(names: set[str]) -> dict[str, metadata.Distribution]:
    """The installed distributions among ``names`` and, recursively, their requirements."""
    found: dict[str, metadata.Distribution] = {}
    pending = [normalise(n) for n in names]
    while pending:
        name = pending.pop()
        if name in found:
            continue
        dist = _distribution(name)
        if dist is None:
            continue
        found[name] = dist
        for requirement in dist.requires or []:
            match = NAME.match(requirement)
            if match and _applies(requirement):
                pending.append(normalise(match.group(1)))
    return found


def installed_bytes(dist: metadata.Distribution) -> int:
    total = 0
    for file in dist.files or []:
        try:
            total += Path(dist.locate_file(file)).stat().st_size
        except OSError:
            continue
    return total


def project_distributions() -> set[str]:
    """Distributions installed in this interpreter's own environment (the project's venv)."""
    roots = [p for p in sys.path if p.startswith(sys.prefix) and p.endswith("site-packages")]
    return {normalise(d.metadata["Name"]) for d in metadata.distributions(path=roots)}


def dependency_size(names: set[str]) -> dict:
    dists = closure(names)
    in_project = project_distributions()
    sizes = {name: installed_bytes(dist) for name, dist in dists.items()}
    extra = {name: size for name, size in sizes.items() if name not in in_project}
    return {
        "requested": sorted(normalise(n) for n in names),
        "total_mib": round(sum(sizes.values()) / 2**20, 1),
        "extra_mib": round(sum(extra.values()) / 2**20, 1),
        "extra_packages": {
            name: round(size / 2**20, 1)
            for name, size in sorted(extra.items(), key=lambda x: -x[1])
        },
        "already_in_project": sorted(set(sizes) - set(extra)),
    }
