"""The guarded chat generator over a local GGUF model through llama.cpp (embedded stack).

Wraps ``LlamaCppChatGenerator``, built in ``warm_up`` from serialisable settings: a bundled
model name or a ``.gguf`` path, context size and threads. Deadline and cancellation stop
generation between tokens with a logits processor; grammar-constrained (JSON) calls stop by
aborting the stream, since forcing end-of-sequence against a grammar aborts llama.cpp.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from haystack import component, default_from_dict, default_to_dict

from tunedd_api.components.generator import GenerationCall, GuardedChatGenerator
from tunedd_api.llm.bundled import resolve_local_model

logger = logging.getLogger(__name__)


@component
class LlamaCppGuardedGenerator(GuardedChatGenerator):
    """llama.cpp through ``LlamaCppChatGenerator``, stoppable between tokens.

    :param model: A bundled model name (``qwen2.5-1.5b``, ``smollm2-135m``) or a ``.gguf`` path.
    :param models_dir: Where a bundled model shipped in parts is joined once.
    :param threads: llama.cpp threads (``None``: all cores).
    :param weight_repack: llama.cpp CPU weight repacking (costs a second copy of the weights).
    :param context_window: llama.cpp ``n_ctx``.
    :param max_answer_tokens: Default limit of new tokens per call.
    :param timeout_s: Default deadline per call.
    :param max_queue: Calls waiting for or holding the model before new ones are refused.
    :param temperature: Sampling temperature.
    :param seed: Sampling seed of every call (``None``: a new one per call).
    :param flash_attention: llama.cpp flash attention.
    :param prompt_lookup_tokens: Draft tokens of prompt-lookup decoding (copies n-grams from
        the prompt and verifies them in one batch); 0 turns it off.
    :param citation_grammar: Constrain answers with a llama.cpp grammar to sentences that each
        end in ``[n]`` markers (or the refusal).
    """

    def __init__(
        self,
        *,
        model: str,
        models_dir: str = ".tunedd/models",
        threads: int | None = None,
        weight_repack: bool = False,
        context_window: int = 4096,
        max_answer_tokens: int = 384,
        timeout_s: float = 180.0,
        max_queue: int = 8,
        temperature: float = 0.1,
        seed: int | None = 42,
        flash_attention: bool = False,
        prompt_lookup_tokens: int = 0,
        citation_grammar: bool = False,
    ) -> None:
        GuardedChatGenerator.__init__(  # the @component decorator rebuilds the class: no super()
            self,
            generator=None,
            model_name=model,
            context_window=context_window,
            max_answer_tokens=max_answer_tokens,
            timeout_s=timeout_s,
            max_queue=max_queue,
            temperature=temperature,
            seed=seed,
        )
        self.model = model
        self.models_dir = models_dir
        self.threads = threads
        self.weight_repack = weight_repack
        self.flash_attention = flash_attention
        self.prompt_lookup_tokens = prompt_lookup_tokens
        self.citation_grammar = citation_grammar
        self.model_path: Path | None = None

    def to_dict(self) -> dict[str, Any]:
        """Serialise the settings the model is built from."""
        return default_to_dict(
            self,
            model=self.model,
            models_dir=self.models_dir,
            threads=self.threads,
            weight_repack=self.weight_repack,
            flash_attention=self.flash_attention,
            prompt_lookup_tokens=self.prompt_lookup_tokens,
            citation_grammar=self.citation_grammar,
            **self._limits(),
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "LlamaCppGuardedGenerator":
        """Rebuild from settings (the model loads in ``warm_up``)."""
        return default_from_dict(cls, data)

    def warm_up(self) -> None:
        """Find (or join) the GGUF file and load it (blocking; once per process and model).

        Instances with the same settings share the loaded model and its lock (llama.cpp is
        not thread-safe), e.g. the rewriter's and the answer's generator of a loaded chat.yml.
        """
        if self.generator is not None:
            return
        key = (
            self.model,
            self.models_dir,
            self.context_window,
            self.threads,
            self.weight_repack,
            self.flash_attention,
            self.prompt_lookup_tokens,
        )
        with _LOADED_LOCK:
            if key not in _LOADED:
                _LOADED[key] = self._load()
            self.generator, self._lock, self.model_path = _LOADED[key]

    def close(self) -> None:
        """Forget the loaded model (freed once no instance holds it)."""
        with _LOADED_LOCK:
            for key, loaded in list(_LOADED.items()):
                if loaded[0] is self.generator:
                    del _LOADED[key]
        self.generator = None

    def generate(self, messages: Any, **kwargs: Any) -> Any:
        """Like the base class; loads the model first if nobody warmed it up."""
        if self.generator is None:
            self.warm_up()
        return GuardedChatGenerator.generate(self, messages, **kwargs)

    def _load(self) -> tuple[Any, threading.Lock, Path]:
        from haystack_integrations.components.generators.llama_cpp import LlamaCppChatGenerator

        model_path = resolve_local_model(self.model, Path(self.models_dir))
        threads = self.threads or os.cpu_count() or 1
        model_kwargs: dict[str, Any] = {
            "n_threads": threads,
            "verbose": False,
            "seed": 42,
            "flash_attn": self.flash_attention,
        }
        if self.prompt_lookup_tokens > 0:
            from llama_cpp.llama_speculative import LlamaPromptLookupDecoding

            model_kwargs["draft_model"] = LlamaPromptLookupDecoding(
                num_pred_tokens=self.prompt_lookup_tokens
            )
        generator = LlamaCppChatGenerator(
            model=str(model_path), n_ctx=self.context_window, n_batch=512, model_kwargs=model_kwargs
        )
        started = time.monotonic()
        with _weight_repacking(self.weight_repack):
            generator.warm_up()
        logger.info("Loaded chat model %s in %.1fs", model_path.name, time.monotonic() - started)
        return generator, threading.Lock(), model_path

    def generation_kwargs(self, call: GenerationCall) -> dict[str, Any]:
        """Token limit, temperature, JSON grammar, and a stop hook for deadline and cancellation.

        llama-cpp-python's chat API takes no stopping criteria, so once the request is
        cancelled or past its deadline a logits processor leaves only end-of-sequence possible.
        A JSON schema becomes a llama.cpp grammar, so the output parses by construction.
        """
        import numpy as np
        from llama_cpp import LogitsProcessorList

        eos = self.generator._model.token_eos()  # the loaded Llama instance

        def stop_when_cancelled(_input_ids: Any, scores: Any) -> Any:
            if call.should_stop:
                forced = np.full_like(scores, -np.inf)
                forced[eos] = 0.0
                return forced
            return scores

        kwargs: dict[str, Any] = {"max_tokens": call.max_tokens, "temperature": self.temperature}
        if self.seed is not None:
            # Without one, llama-cpp-python draws each call's seed from the previous call's,
            # so a reply depended on how many calls the process had made before.
            kwargs["seed"] = self.seed
        if self._grammar_for(call):
            from llama_cpp import LlamaGrammar

            kwargs["grammar"] = LlamaGrammar.from_string(CITED_SENTENCES_GBNF, verbose=False)
        elif call.json_schema is not None:
            # Forcing end-of-sequence against a grammar aborts the process in llama.cpp
            # ("empty grammar stack"), so grammar calls stop by raising instead.
            kwargs["response_format"] = {"type": "json_object", "schema": call.json_schema}
        if "grammar" not in kwargs and call.json_schema is None:
            kwargs["logits_processor"] = LogitsProcessorList([stop_when_cancelled])
        return kwargs

    def _grammar_for(self, call: GenerationCall) -> bool:
        return self.citation_grammar and call.is_answer and call.json_schema is None

    def reset_stats(self) -> None:
        """Zero llama.cpp's performance counters before a call."""
        import llama_cpp

        llama_cpp.llama_perf_context_reset(self.generator._model._ctx.ctx)

    def stats(self) -> dict[str, float]:
        """Prompt tokens evaluated (the cached prefix excluded), prefill and decode times."""
        import llama_cpp

        data = llama_cpp.llama_perf_context(self.generator._model._ctx.ctx)
        return {
            "prompt_tokens_evaluated": int(data.n_p_eval),
            "prefill_ms": round(float(data.t_p_eval_ms), 1),
            "decode_tokens": int(data.n_eval),
            "decode_ms": round(float(data.t_eval_ms), 1),
        }

    def raises_to_stop(self, call: GenerationCall) -> bool:
        """Grammar-constrained calls stream internally and stop by raising in the callback."""
        return call.json_schema is not None or self._grammar_for(call)


#: Answers as sentences that each end in citation markers, or the refusal. A full stop inside
#: a sentence is allowed before a lower-case word or a digit ("et al. assess", "3.5").
CITED_SENTENCES_GBNF = r"""
root ::= refusal | sentence (gap sentence){0,9}
refusal ::= "The selected documents do not contain this information."
gap ::= " " | "\n" | "\n- "
sentence ::= [A-Z0-9("'*-] body " " cite+ end
body ::= ([^\[\]\n.!?] | "." [a-z0-9,;:)] | ". " [a-z0-9(])*
cite ::= "[" [1-9] "]"
end ::= "." | "!" | "?"
"""


@contextmanager
def _weight_repacking(enabled: bool) -> Iterator[None]:
    """Load llama.cpp models with or without CPU weight repacking.

    Repacking keeps a second, CPU-optimised copy of the quantised weights in anonymous memory
    next to the memory-mapped file: +~800 MB for Qwen2.5-1.5B, and no speed gain measured on
    this 2-core machine (prompt of 1.4k tokens: 29.1 s with, 24.9 s without). llama-cpp-python
    does not expose the switch (``use_extra_bufts``), so the default model parameters are
    adjusted while the model loads.
    """
    import llama_cpp.llama_cpp as native

    if enabled:
        yield
        return
    original = native.llama_model_default_params

    def without_repacking() -> Any:
        params = original()
        params.use_extra_bufts = False
        return params

    with _PARAMS_LOCK:
        native.llama_model_default_params = without_repacking
        try:
            yield
        finally:
            native.llama_model_default_params = original


_PARAMS_LOCK = threading.Lock()
_LOADED: dict[tuple, tuple[Any, threading.Lock, Path]] = {}
_LOADED_LOCK = threading.Lock()
