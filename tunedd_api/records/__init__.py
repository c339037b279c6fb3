"""Batch scoring of short texts (e.g. tweets): streamed readers and a strict record model, an
idempotent SQLAlchemy store with Alembic migrations (SQLite or PostgreSQL), a leased inference
worker scoring through the LLM backend, read queries and quality checks. See docs/RECORDS.md."""
