"""tunedd: a self-hostable RAG chatbot API over PDF collections, with page-level citations."""

__version__ = "0.1.0"

import os as _os

# A self-hosted service must not phone home: Haystack's telemetry is off unless asked for.
_os.environ.setdefault("HAYSTACK_TELEMETRY_ENABLED", "False")
