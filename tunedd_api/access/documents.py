"""Which documents each API key sees: the startup folder's (shared, read-only), the ones it
uploaded, and the ones admin keys uploaded (shared). With keys off, everyone sees everything.

Ownership is a row per (document, key) in the application database, so the same bytes
uploaded with two keys are one document owned by both; deleting it with one key only drops
that key's ownership, and the document goes when its last owner deletes it. Another key gets
404 for a document it does not see: its existence is not leaked.
"""

from __future__ import annotations

import logging

from sqlalchemy import Engine, delete, select

from tunedd_api.access.principal import SHARED_OWNER, Principal
from tunedd_api.errors import DocumentNotFoundError, ForbiddenError, UnknownDocumentsError
from tunedd_api.indexing.catalog import DocumentCatalog
from tunedd_api.indexing.intake import DocumentIntake
from tunedd_api.storage.schema import document_owners

logger = logging.getLogger(__name__)


class DocumentAccess:
    """Visibility, scopes and deletion of documents per caller.

    :param engine: The application database (ownership rows).
    :param catalog: Every document's record.
    :param intake: The uploads (which documents are uploads, and deleting them).
    """

    def __init__(self, *, engine: Engine, catalog: DocumentCatalog, intake: DocumentIntake):
        self.engine = engine
        self.catalog = catalog
        self.intake = intake

    def record_upload(self, principal: Principal, document_ids: list[str]) -> None:
        """Make the caller an owner of documents it uploaded (again, for duplicates)."""
        owner = principal.upload_owner
        if owner is None or not document_ids:
            return
        with self.engine.begin() as connection:
            held = self._owners(connection, document_ids)
            rows = [
                {"document_id": doc_id, "owner": owner}
                for doc_id in dict.fromkeys(document_ids)
                if owner not in held.get(doc_id, set())
            ]
            if rows:
                connection.execute(document_owners.insert(), rows)

    def visible_ids(self, principal: Principal) -> set[str] | None:
        """Ids of every document the caller sees (None: all, keys are off)."""
        if principal.key_id is None:
            return None
        uploads = self.intake.upload_ids()
        folder = {r.document_id for r in self.catalog.all()} - uploads
        query = select(document_owners.c.document_id).where(
            document_owners.c.owner.in_([principal.key_id, SHARED_OWNER])
        )
        with self.engine.connect() as connection:
            owned = set(connection.execute(query).scalars())
        return folder | (owned & uploads)

    def can_see(self, principal: Principal, document_id: str) -> bool:
        """Whether the caller sees ``document_id``."""
        visible = self.visible_ids(principal)
        return visible is None or document_id in visible

    def require_visible(self, principal: Principal, document_ids: list[str]) -> None:
        """UnknownDocumentsError naming ids that are not indexed documents the caller sees."""
        visible = self.visible_ids(principal)
        if visible is not None:
            hidden = [doc_id for doc_id in dict.fromkeys(document_ids) if doc_id not in visible]
            if hidden:
                raise UnknownDocumentsError(hidden)
        self.catalog.require_indexed(document_ids)

    def scope(self, principal: Principal, requested: list[str] | None) -> list[str] | None:
        """The documents a search or answer may use: the requested ones (checked), or every
        indexed document the caller sees (None: all, keys are off)."""
        if requested is not None:
            self.require_visible(principal, requested)
            return requested
        visible = self.visible_ids(principal)
        if visible is None:
            return None
        return sorted(visible & self.catalog.indexed_ids())

    def scope_of_owner(self, owner: str | None) -> list[str] | None:
        """``scope`` for a stored conversation's owner (a key id, or None)."""
        return self.scope(_owner_principal(owner), None)

    def delete(self, principal: Principal, document_id: str) -> None:
        """Delete an upload for the caller: its ownership, and the document with its last one.

        Not visible → DocumentNotFoundError; a folder document → ReadOnlyDocumentError;
        a shared upload with a non-admin key → ForbiddenError.
        """
        if not self.can_see(principal, document_id) or self.catalog.get(document_id) is None:
            raise DocumentNotFoundError(document_id)
        if principal.key_id is None or not self.intake.is_upload(document_id):
            self.intake.delete(document_id)  # folder documents raise ReadOnlyDocumentError
            self._forget(document_id, None)
            return
        with self.engine.connect() as connection:
            owners = self._owners(connection, [document_id]).get(document_id, set())
        mine = principal.upload_owner
        if mine not in owners:
            raise ForbiddenError(f"document {document_id} is shared; only admin keys delete it")
        if owners - {mine}:
            self._forget(document_id, mine)
            logger.info("Document %s kept: %d other owners", document_id, len(owners) - 1)
            return
        self.intake.delete(document_id)
        self._forget(document_id, None)

    def _forget(self, document_id: str, owner: str | None) -> None:
        statement = delete(document_owners).where(document_owners.c.document_id == document_id)
        if owner is not None:
            statement = statement.where(document_owners.c.owner == owner)
        with self.engine.begin() as connection:
            connection.execute(statement)

    @staticmethod
    def _owners(connection, document_ids: list[str]) -> dict[str, set[str]]:
        query = select(document_owners).where(document_owners.c.document_id.in_(document_ids))
        owners: dict[str, set[str]] = {}
        for row in connection.execute(query):
            owners.setdefault(row.document_id, set()).add(row.owner)
        return owners


def _owner_principal(owner: str | None) -> Principal:
    return Principal.open_access() if owner is None else Principal(key_id=owner)
