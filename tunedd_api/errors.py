"""Domain errors. The API maps each to one HTTP status in `api/errors.py`, and only there."""

from __future__ import annotations


class TunedDError(Exception):
    """Base class of every error tunedd reports to clients."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConversationNotFoundError(TunedDError):
    """No conversation has this id (never created, deleted or expired)."""

    def __init__(self, conversation_id: str) -> None:
        super().__init__(f"conversation {conversation_id} not found")
        self.conversation_id = conversation_id


class RecordNotFoundError(TunedDError):
    """No record has this id in the records database."""

    def __init__(self, record_id: str) -> None:
        super().__init__(f"record {record_id} not found")
        self.record_id = record_id


class UnknownDocumentsError(TunedDError):
    """Some requested document ids are not indexed."""

    def __init__(self, document_ids: list[str]) -> None:
        super().__init__("unknown document ids: " + ", ".join(document_ids))
        self.document_ids = document_ids


class InvalidInputError(TunedDError):
    """A request that is well-formed JSON but not acceptable (e.g. a blank message)."""


class BackendUnavailableError(TunedDError):
    """The document store, embedder or LLM cannot be reached or failed."""


class ModelBusyError(BackendUnavailableError):
    """The local model's queue is full; the client should retry later."""

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class GenerationTimeoutError(TunedDError):
    """The LLM did not finish within its time budget."""


class StructuredOutputError(TunedDError):
    """The model's reply is not the JSON asked for: no object, unparsable, or off the schema.

    Callers with a fallback (summaries, cluster labels) catch it; elsewhere it is a bad reply
    from an upstream service. ``raw`` keeps the start of the reply for logs."""

    def __init__(self, message: str, *, raw: str = "") -> None:
        super().__init__(message)
        self.raw = raw[:2000]


class NotReadyError(TunedDError):
    """The service is still indexing documents at startup."""


class ConversationCapacityError(TunedDError):
    """The store holds its maximum number of conversations (none idle long enough to expire)."""

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class ConversationFullError(TunedDError):
    """The conversation reached its message limit; the client should start a new one."""


class DocumentNotFoundError(TunedDError):
    """No document (indexed, failed, queued or uploaded) has this id."""

    def __init__(self, document_id: str) -> None:
        super().__init__(f"document {document_id} not found")
        self.document_id = document_id


class ReadOnlyDocumentError(TunedDError):
    """The document comes from the startup data folder, which the API does not change."""

    def __init__(self, document_id: str) -> None:
        super().__init__(
            f"document {document_id} is in the data folder and read-only; remove the file "
            "from the folder and restart to drop it"
        )
        self.document_id = document_id


class DocumentsRemovedError(TunedDError):
    """A conversation's scope names documents that were removed since it was created."""

    def __init__(self, document_ids: list[str]) -> None:
        super().__init__(
            "this conversation is scoped to documents that were removed: "
            + ", ".join(document_ids)
            + "; start a new conversation"
        )
        self.document_ids = document_ids


class UploadTooLargeError(TunedDError):
    """An uploaded file, or the number of files in one request, is over its limit."""


class UnsupportedFileTypeError(TunedDError):
    """An uploaded file's content is not a supported document format."""


class UploadQueueFullError(TunedDError):
    """The upload indexing queue has no room; the client should retry later."""

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class UnauthorizedError(TunedDError):
    """API keys are required and the request has no valid one (missing, unknown, revoked)."""


class ForbiddenError(TunedDError):
    """The key is valid but may not do this (e.g. only admin keys manage keys)."""


class KeyNotFoundError(TunedDError):
    """No API key has this id."""

    def __init__(self, key_id: str) -> None:
        super().__init__(f"API key {key_id} not found")
        self.key_id = key_id


class RateLimitedError(TunedDError):
    """The key made more requests than its limit allows; retry after ``retry_after_s``."""

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class ConversationBusyError(TunedDError):
    """Another turn of the conversation (on this or another API process) held it for longer
    than the turn lock's wait; the client should retry later."""

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s
