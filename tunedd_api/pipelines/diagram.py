"""Mermaid text for a pipeline's graph, drawn offline (Haystack's ``draw`` calls a web service)."""

from __future__ import annotations

from haystack import Pipeline


def mermaid(pipeline: Pipeline) -> str:
    """A ``graph TD`` diagram: one node per component (name and type), one edge per socket."""
    data = pipeline.to_dict()
    lines = ["graph TD"]
    for name, spec in data["components"].items():
        lines.append(f'    {name}["{name}<br/><small>{spec["type"].rsplit(".", 1)[-1]}</small>"]')
    for connection in data["connections"]:
        sender, output = connection["sender"].split(".", 1)
        receiver, socket = connection["receiver"].split(".", 1)
        label = output if output == socket else f"{output} → {socket}"
        lines.append(f"    {sender} -->|{label}| {receiver}")
    return "\n".join(lines) + "\n"
