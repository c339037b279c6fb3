"""The guarded chat generator over Ollama (production stack).

Ollama silently truncates prompts beyond its ``num_ctx``, so the context window is always
passed. Calls always stream internally, so a deadline or a departed client aborts the HTTP
stream, which makes Ollama stop generating; JSON-constrained calls go through a twin generator
created with Ollama's ``format`` set to the schema.
"""

from __future__ import annotations

import json
from typing import Any

from haystack import component, default_from_dict, default_to_dict
from haystack_integrations.components.generators.ollama import OllamaChatGenerator

from tunedd_api.components.generator import GenerationCall, GuardedChatGenerator


@component
class OllamaGuardedGenerator(GuardedChatGenerator):
    """Ollama chat with an explicit context window, stoppable by aborting the stream.

    :param model: Ollama model name.
    :param url: Ollama base URL.
    :param keep_alive: How long Ollama keeps the model loaded.
    :param context_window: Ollama ``num_ctx``.
    :param max_answer_tokens: Default limit of new tokens per call.
    :param timeout_s: Default deadline per call (also the HTTP timeout).
    :param max_queue: Calls waiting for or holding the model before new ones are refused.
    :param temperature: Sampling temperature.
    :param seed: Sampling seed of every call (``None``: a new one per call).
    """

    stops_by_raising = True

    def __init__(
        self,
        *,
        model: str,
        url: str = "http://localhost:11434",
        keep_alive: str = "30m",
        context_window: int = 4096,
        max_answer_tokens: int = 384,
        timeout_s: float = 180.0,
        max_queue: int = 8,
        temperature: float = 0.1,
        seed: int | None = 42,
    ) -> None:
        GuardedChatGenerator.__init__(  # the @component decorator rebuilds the class: no super()
            self,
            generator=OllamaChatGenerator(
                model=model, url=url, timeout=int(timeout_s), keep_alive=keep_alive
            ),
            model_name=model,
            context_window=context_window,
            max_answer_tokens=max_answer_tokens,
            timeout_s=timeout_s,
            max_queue=max_queue,
            temperature=temperature,
            seed=seed,
        )
        self.model = model
        self.url = url
        self.keep_alive = keep_alive
        self._json_twins: dict[str, Any] = {}

    def to_dict(self) -> dict[str, Any]:
        """Serialise the settings the client is built from."""
        return default_to_dict(
            self, model=self.model, url=self.url, keep_alive=self.keep_alive, **self._limits()
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "OllamaGuardedGenerator":
        """Rebuild from settings."""
        return default_from_dict(cls, data)

    def generation_kwargs(self, call: GenerationCall) -> dict[str, Any]:
        """Ollama options: num_ctx, num_predict, temperature and seed."""
        options: dict[str, Any] = {
            "num_ctx": self.context_window,
            "num_predict": call.max_tokens,
            "temperature": self.temperature,
        }
        if self.seed is not None:
            options["seed"] = self.seed
        return options

    def generator_for(self, call: GenerationCall) -> Any:
        """The plain generator, or a cached copy whose output Ollama constrains to the schema."""
        if call.json_schema is None:
            return self.generator
        key = json.dumps(call.json_schema, sort_keys=True)
        if key not in self._json_twins:
            self._json_twins[key] = OllamaChatGenerator(
                model=self.model,
                url=self.url,
                timeout=int(self.timeout_s),
                keep_alive=self.keep_alive,
                response_format=call.json_schema,
            )
        return self._json_twins[key]
