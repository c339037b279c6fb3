"""Serialising components that take other components as init parameters.

``default_to_dict`` only serialises nested objects that define ``to_dict``; many components
(ours and stock ones) rely on Haystack's default serialisation instead, which
``component_to_dict`` / ``deserialize_component_inplace`` apply.
"""

from __future__ import annotations

from typing import Any

from haystack.core.serialization import component_to_dict
from haystack.utils.deserialization import deserialize_component_inplace


def nested_to_dict(component: Any) -> dict[str, Any] | None:
    """The serialised form of a nested component (``None`` stays ``None``)."""
    if component is None:
        return None
    return component_to_dict(component, type(component).__name__)


def nested_from_dict(data: dict[str, Any], *keys: str) -> dict[str, Any]:
    """``data`` with the nested components under ``keys`` of its init parameters rebuilt."""
    init_parameters = data.setdefault("init_parameters", {})
    for key in keys:
        if isinstance(init_parameters.get(key), dict):
            deserialize_component_inplace(init_parameters, key=key)
    return data
