"""All configuration of tunedd, read from the environment and an optional `.env` file.

Every variable carries the ``RAG_`` prefix (``RAG_EMBEDDING_MODEL``, ``RAG_CHAT_MODEL`` as in the
original deployment's `.env`). The one setting that moves the app between the in-process stack
and the Weaviate + Ollama stack is ``RAG_BACKEND``.
"""

from __future__ import annotations

import re
from enum import Enum
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class BackendKind(str, Enum):
    """Which set of parts the backend factory builds."""

    EMBEDDED = "embedded"
    PRODUCTION = "production"


class Settings(BaseSettings):
    """tunedd settings; see `.env.example` for a documented copy."""

    model_config = SettingsConfigDict(
        env_prefix="RAG_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    # --- backend choice -------------------------------------------------------------------
    backend: BackendKind = Field(
        BackendKind.EMBEDDED,
        description="`embedded`: in-memory store + ONNX embedder + llama.cpp, all in-process. "
        "`production`: Weaviate + Ollama.",
    )

    # --- documents and index --------------------------------------------------------------
    data_dir: Path = Field(Path("data"), description="Folder whose PDFs are indexed at startup.")
    index_dir: Path = Field(
        Path(".tunedd"), description="Embedded backend: where the index and joined models live."
    )
    chunk_size_tokens: int = Field(
        200, ge=32, le=254, description="Max embedder tokens per chunk (model window is 256)."
    )
    chunk_overlap_tokens: int = Field(
        40, ge=0, le=128, description="Tokens of trailing sentences repeated in the next chunk."
    )
    embedding_batch_size: int = Field(
        8,
        ge=1,
        le=512,
        description="Chunks embedded per call (8 measured fastest for the ONNX embedder on CPU: "
        "21.9 chunks/s vs 16.4 at 32).",
    )
    startup_indexing: Literal["blocking", "background"] = Field(
        "blocking",
        description="`blocking`: serve only after indexing. `background`: serve at once "
        "(/healthz up, /readyz and the data endpoints 503 until indexing is done).",
    )
    index_workers: int = Field(
        1,
        ge=1,
        le=64,
        description="Processes parsing PDFs in parallel while indexing. 1 (in-process) is "
        "faster for a few papers: starting worker processes cost more than parsing the five "
        "papers (cold indexing 27.0-31.3 s with 1, 35.4 s with 2, docs/BENCHMARKS.md).",
    )

    # --- models ---------------------------------------------------------------------------
    embedding_model: str = Field(
        "all-minilm:l6", description="Production: Ollama embedding model name."
    )
    chat_model: str = Field(
        "phi3:3.8b-mini-instruct-4k-q4_K_M", description="Production: Ollama chat model name."
    )
    local_chat_model: str = Field(
        "qwen2.5-1.5b",
        description="Embedded: a bundled GGUF (`qwen2.5-1.5b`, `smollm2-135m`) or a path to a "
        ".gguf file.",
    )
    local_context_tokens: int = Field(4096, ge=512, description="Embedded: llama.cpp n_ctx.")
    local_weight_repack: bool = Field(
        False,
        description="Embedded: llama.cpp CPU weight repacking (a second copy of the weights in "
        "RAM, ~800 MB for Qwen2.5-1.5B; no speed gain measured on 2 cores).",
    )
    local_flash_attention: bool = Field(
        False,
        description="Embedded: llama.cpp flash attention (no faster on 2 CPU cores, measured).",
    )
    local_prompt_lookup_tokens: int = Field(
        0,
        ge=0,
        le=32,
        description="Embedded: draft tokens of llama.cpp prompt-lookup decoding (0: off).",
    )
    citation_grammar: bool = Field(
        False,
        description="Embedded: constrain answers with a llama.cpp grammar to sentences that "
        "each end in [n] markers (or the refusal).",
    )
    local_threads: int | None = Field(
        None, ge=1, description="Embedded: llama.cpp threads (default: all cores)."
    )
    ollama_url: str = Field("http://localhost:11434", description="Production: Ollama base URL.")
    ollama_context_tokens: int = Field(
        4096, ge=512, description="Production: Ollama num_ctx (phi3-mini-4k has 4096)."
    )
    ollama_keep_alive: str = Field("30m", description="Production: how long Ollama keeps models.")
    weaviate_url: str = Field("http://localhost:8080", description="Production: Weaviate URL.")
    weaviate_grpc_port: int = Field(50051, description="Production: Weaviate gRPC port.")
    weaviate_collection: str = Field("TunedDChunk", description="Production: collection name.")

    # --- retrieval and generation ---------------------------------------------------------
    retrieval_mode: Literal["hybrid", "dense"] = Field(
        "hybrid",
        description="`hybrid`: dense + BM25 fused by reciprocal rank (measured best); `dense`: "
        "embedding similarity only.",
    )
    keyword_leaders: int = Field(
        2,
        ge=0,
        le=10,
        description="Hybrid: BM25's best hits kept among the top_k after rank fusion (0: plain "
        "reciprocal rank fusion), for exact-term matches the embedding ranks low.",
    )
    top_k: int = Field(5, ge=1, le=50, description="Default number of chunks retrieved.")
    max_top_k: int = Field(50, ge=1, le=200, description="Largest top_k a client may ask for.")
    min_relevance: float = Field(
        0.35,
        ge=-1.0,
        le=1.0,
        description="Cosine similarity under which a chunk is not relevant; with none above it "
        "the answer is 'not found' without calling the LLM.",
    )
    system_prompt: Literal[
        "system_example.txt", "system.txt", "system_extractive.txt", "system_example_lists.txt"
    ] = Field(
        "system_example.txt",
        description="The answer prompt's system message (files in tunedd_api/prompts/): the "
        "rules with a worked citation example (measured best), the rules alone, "
        "copy-the-source wording, or the example with a rule to name every listed item.",
    )
    question_position: Literal["after", "both"] = Field(
        "both",
        description="The question both before and after the sources (measured: more correct "
        "answers and right-page citations), or after them only.",
    )
    evidence_tokens: int = Field(
        0,
        ge=0,
        le=3000,
        description="Most tokens of source text in the answer prompt: the retrieved chunks' "
        "sentences that bear on the question, with neighbours; 0 sends whole chunks (the "
        "default: more answers correct, measured in docs/EVALUATION.md).",
    )
    evidence_neighbours: int = Field(
        1, ge=0, le=5, description="Sentences kept on each side of a selected evidence sentence."
    )
    unsupported_sentences: Literal["mark", "drop", "keep"] = Field(
        "mark",
        description="A sentence no source supports, in an otherwise supported answer: `mark` "
        "it [unverified], `drop` it, or `keep` it unmarked.",
    )
    unsupported_answer: Literal["quote", "refuse"] = Field(
        "quote",
        description="An answer with no supported sentence (or a yes/no contradicting its "
        "source): `quote` the best evidence sentences instead, or `refuse`.",
    )
    citation_min_support: float = Field(
        0.6,
        ge=0.0,
        le=1.0,
        description="Support score (max of claim-to-passage cosine and content-word overlap) a "
        "cited passage needs for its citation to stay; below it the marker is removed.",
    )
    followup_rewrite: Literal["llm", "heuristic", "off"] = Field(
        "llm",
        description="Follow-ups that lean on earlier turns: `llm` rewrites them into a standalone "
        "question (falls back to `heuristic` on failure), `heuristic` prepends the previous "
        "question, `off` searches the message as is.",
    )
    llm_max_queue: int = Field(
        8, ge=1, le=1000, description="Requests that may wait for the chat model; more get 503."
    )
    max_answer_tokens: int = Field(384, ge=16, le=4096, description="LLM max new tokens.")
    temperature: float = Field(0.1, ge=0.0, le=2.0, description="LLM sampling temperature.")
    seed: int | None = Field(
        42,
        ge=0,
        description="Sampling seed of every LLM call: the same prompt gets the same reply, "
        "whatever the server answered before; empty: a new seed per call.",
    )

    @field_validator("seed", mode="before")
    @classmethod
    def _empty_seed_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and value.strip() in ("", "none") else value

    # --- conversations --------------------------------------------------------------------
    history_max_turns: int = Field(
        6, ge=0, le=100, description="Earlier user/assistant pairs offered to the LLM."
    )
    history_token_budget: int = Field(
        1024, ge=0, description="Max tokens of earlier turns in the prompt (oldest dropped)."
    )
    max_message_chars: int = Field(4000, ge=1, le=100_000, description="Longest user message.")
    max_conversations: int = Field(
        10_000, ge=1, description="Conversations held at once; more are refused with 503."
    )
    conversation_ttl_s: float = Field(
        86_400.0, gt=0, description="Idle seconds after which a conversation expires (404)."
    )
    max_messages_per_conversation: int = Field(
        200, ge=2, description="Messages (questions + answers) per conversation; then 409."
    )
    conversation_store: Literal["sql", "memory"] = Field(
        "sql",
        description="`sql`: conversations in the application database (survive restarts); "
        "`memory`: in process memory only.",
    )
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL of the application database (conversations), e.g. "
        "postgresql+psycopg://...; default: SQLite `tunedd.db` in the index directory.",
    )
    turn_lock_timeout_s: float = Field(
        300.0,
        gt=0,
        description="Longest wait of a message for the turn in progress in the same "
        "conversation (held across API processes on PostgreSQL); then 409 conversation_busy.",
    )
    max_request_bytes: int = Field(
        262_144, ge=1024, description="Largest request body; bigger ones get 413."
    )

    # --- runtime uploads (POST /documents) ------------------------------------------------
    upload_dir: Path | None = Field(
        None,
        description="Where uploaded files are kept (survive restarts); default: "
        "`<index_dir>/uploads`.",
    )
    max_upload_bytes: int = Field(
        50 * 1024 * 1024, ge=1024, description="Largest uploaded file; bigger ones get 413."
    )
    max_upload_files: int = Field(
        20, ge=1, le=1000, description="Most files in one upload request; more get 413."
    )
    max_upload_pages: int = Field(
        2000, ge=1, description="Most pages in an uploaded PDF; longer ones are `failed`."
    )
    upload_queue_size: int = Field(
        32, ge=1, description="Uploads waiting to be indexed; more get 503 with Retry-After."
    )
    upload_lease_s: float = Field(
        60.0,
        gt=0,
        description="Lease of an API process on the upload it indexes, renewed while it runs; "
        "once expired (the process died) another process indexes the upload again.",
    )
    upload_poll_s: float = Field(
        2.0, gt=0, description="Seconds between looks for uploads other API processes queued."
    )
    upload_max_attempts: int = Field(
        3,
        ge=1,
        le=20,
        description="Indexing attempts of an upload (crashes included) before " "it is `failed`.",
    )

    # --- API keys ----------------------------------------------------------------------------
    require_api_key: bool = Field(
        False,
        description="Require `Authorization: Bearer <key>` on every route but health, "
        "readiness, the docs and the page (keys: `tunedd keys create`).",
    )
    admin_key: SecretStr | None = Field(
        None,
        description="An admin API key taken from the environment (e.g. a compose secret); "
        "setting it requires keys.",
    )
    rate_limit_per_minute: int = Field(
        120, ge=0, description="Requests per minute per API key (0: no limit); then 429."
    )
    allow_unauthenticated: bool = Field(
        False,
        description="Let `tunedd serve` listen on a non-loopback address with API keys off.",
    )

    # --- theme discovery (/insights) -----------------------------------------------------
    insights_max_sentences: int = Field(
        2000, ge=1, le=20_000, description="Most sentences one /insights/themes request may send."
    )
    insights_distance_threshold: float = Field(
        0.65,
        gt=0,
        lt=2,
        description="Cosine distance under which sentence groups merge (smaller: more, tighter "
        "sub-themes).",
    )
    insights_time_budget_s: float = Field(
        9.0, gt=0, description="Target response time of /insights/themes, in seconds."
    )
    insights_llm_labels: bool | None = Field(
        None,
        description="Name clusters with the LLM (else keyword titles and the sentiment model). "
        "Default: on for `production` (Ollama), off for `embedded`, where the local model on "
        "CPU cannot label within the time budget (measured: always fell back after ~9 s).",
    )
    insights_llm_min_s: float = Field(
        4.0,
        ge=0,
        description="Least time left in the budget for the LLM to label clusters; with less, "
        "keyword titles and the sentiment lexicon are used.",
    )

    # --- batch scoring records ------------------------------------------------------------
    records_db_url: str = Field(
        "sqlite:///.tunedd/records.db",
        description="SQLAlchemy URL of the records database (e.g. postgresql+psycopg://...).",
    )
    records_categories: list[str] = Field(
        [
            "personal",
            "work_school",
            "technology",
            "entertainment",
            "sports",
            "politics_news",
            "health",
            "weather",
            "travel",
            "food",
            "other",
        ],
        min_length=2,
        max_length=50,
        description="Category scheme the worker classifies into (JSON list of names; one or "
        "more per record). Changing it changes the stored prompt version.",
    )
    records_max_categories: int = Field(
        3, ge=1, le=10, description="Most categories the model may give one record."
    )
    records_batch_size: int = Field(
        16, ge=1, le=1000, description="Records a worker claims per lease."
    )
    records_lease_s: float = Field(
        300.0,
        gt=0,
        description="Lease on claimed records; renewed after each record, reclaimable by other "
        "workers once it expires (a killed worker's records).",
    )
    records_max_attempts: int = Field(
        3, ge=1, le=20, description="Failed attempts after which a record is marked failed."
    )
    records_timeout_s: float = Field(
        60.0, gt=0, description="Time limit of one scoring call to the LLM."
    )

    @field_validator("records_categories")
    @classmethod
    def _category_names(cls, names: list[str]) -> list[str]:
        cleaned = [name.strip().lower() for name in names]
        bad = [name for name in cleaned if not re.fullmatch(r"[a-z][a-z0-9_]{0,62}", name)]
        if bad:
            raise ValueError(f"category names must be snake_case identifiers: {bad}")
        if len(set(cleaned)) != len(cleaned):
            raise ValueError("category names must be unique")
        return cleaned

    # --- resilience -----------------------------------------------------------------------
    retry_attempts: int = Field(
        3, ge=1, le=10, description="Tries per embedder/store/LLM call on transient errors."
    )
    retry_base_delay_s: float = Field(
        0.5, ge=0, description="First backoff delay; doubles per retry, with full jitter."
    )
    retry_max_delay_s: float = Field(
        8.0, ge=0, description="Longest backoff delay (also caps a server's Retry-After)."
    )
    breaker_failure_threshold: int = Field(
        5, ge=1, description="Consecutive failures that open a dependency's circuit breaker."
    )
    breaker_reset_s: float = Field(
        30.0, gt=0, description="Seconds an open breaker fails fast before one trial call."
    )

    # --- timeouts -------------------------------------------------------------------------
    llm_timeout_s: float = Field(180.0, gt=0, description="Max seconds for one LLM call.")
    rewrite_timeout_s: float = Field(
        30.0, gt=0, description="Max seconds for the follow-up rewrite (then the heuristic)."
    )
    summary_timeout_s: float = Field(
        90.0, gt=0, description="Max seconds for an LLM summary (then the extractive one)."
    )
    embed_timeout_s: float = Field(60.0, gt=0, description="Max seconds for one embedding call.")
    startup_timeout_s: float = Field(
        300.0, gt=0, description="Production: how long to wait for Weaviate and Ollama."
    )

    log_level: str = Field("INFO", description="Python log level.")
    log_format: Literal["json", "text"] = Field(
        "json", description="`json`: one JSON object per line with the request id; `text`."
    )

    @property
    def app_database_url(self) -> str:
        """The application database's URL (the configured one, or SQLite in the index dir)."""
        return self.database_url or f"sqlite:///{self.index_dir / 'tunedd.db'}"

    @model_validator(mode="after")
    def _check_consistency(self) -> "Settings":
        if self.chunk_overlap_tokens >= self.chunk_size_tokens:
            raise ValueError("chunk_overlap_tokens must be smaller than chunk_size_tokens")
        if self.top_k > self.max_top_k:
            raise ValueError("top_k must not exceed max_top_k")
        return self

    @property
    def uploads_path(self) -> Path:
        """The folder of uploaded files: ``upload_dir``, else ``<index_dir>/uploads``."""
        return self.upload_dir or self.index_dir / "uploads"
