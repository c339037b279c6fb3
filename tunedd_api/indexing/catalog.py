"""The document list the API serves and checks conversation scopes against."""

from __future__ import annotations

import threading

from tunedd_api.errors import DocumentsRemovedError, UnknownDocumentsError
from tunedd_api.documents import DocumentRecord


class DocumentCatalog:
    """Records of indexed and failed documents: replaced as a whole after the startup run, then
    updated one document at a time as uploads are queued, indexed, fail or are removed."""

    def __init__(self, records: list[DocumentRecord] | None = None) -> None:
        self._lock = threading.Lock()
        self._records: dict[str, DocumentRecord] = {}
        self.replace(records or [])

    def replace(self, records: list[DocumentRecord]) -> None:
        """Swap in the records of a finished indexing run."""
        by_key = {(r.document_id if r.status == "indexed" else r.file_name): r for r in records}
        with self._lock:
            self._records = by_key

    def put(self, record: DocumentRecord) -> None:
        """Add or update one document's record (an upload queued, indexing, done or failed)."""
        with self._lock:
            self._records[record.document_id] = record

    def get(self, document_id: str) -> DocumentRecord | None:
        """The record of ``document_id``, if the catalog has one."""
        with self._lock:
            found = self._records.get(document_id)
            if found is None:  # failed files are keyed by name (duplicates share an id)
                found = next(
                    (r for r in self._records.values() if r.document_id == document_id), None
                )
            return found

    def remove(self, document_id: str) -> None:
        """Forget ``document_id`` (a deleted upload)."""
        with self._lock:
            self._records = {
                key: r for key, r in self._records.items() if r.document_id != document_id
            }

    def follow(self, uploads: list[DocumentRecord], known: set[str]) -> set[str]:
        """Take the uploads' records as the jobs table has them: changed ones are updated, and
        those of ``known`` (learnt from the table before) that are gone are forgotten; returns
        the ids now known."""
        present = {record.document_id for record in uploads}
        with self._lock:
            kept = {
                key: r
                for key, r in self._records.items()
                if r.document_id not in present and r.document_id not in known
            }
            self._records = {**kept, **{r.document_id: r for r in uploads}}
        return present

    def all(self) -> list[DocumentRecord]:
        """Every record, indexed and failed, sorted by file name."""
        with self._lock:
            return sorted(self._records.values(), key=lambda r: r.file_name)

    def indexed_ids(self) -> set[str]:
        """Ids of documents that can be searched."""
        with self._lock:
            return {key for key, r in self._records.items() if r.status == "indexed"}

    def require_indexed(self, document_ids: list[str]) -> None:
        """Raise UnknownDocumentsError naming every id that is not an indexed document."""
        known = self.indexed_ids()
        unknown = [doc_id for doc_id in dict.fromkeys(document_ids) if doc_id not in known]
        if unknown:
            raise UnknownDocumentsError(unknown)

    def require_still_indexed(self, document_ids: list[str]) -> None:
        """Raise DocumentsRemovedError naming every id of a conversation scope that is no
        longer indexed (it was when the conversation was created)."""
        known = self.indexed_ids()
        removed = [doc_id for doc_id in dict.fromkeys(document_ids) if doc_id not in known]
        if removed:
            raise DocumentsRemovedError(removed)
