"""Prompt files, kept out of the code so they can be reviewed and changed alone."""

from __future__ import annotations

from pathlib import Path

PROMPTS_DIR = Path(__file__).parent


def load_prompt(name: str) -> str:
    """The text of a prompt file (stripped)."""
    return (PROMPTS_DIR / name).read_text(encoding="utf-8").strip()


def load_template(name: str) -> str:
    """A Jinja template file, verbatim (whitespace matters in templates)."""
    return (PROMPTS_DIR / name).read_text(encoding="utf-8")
