"""The Weaviate collection tunedd writes to: every meta field we filter on or show is declared.

Declaring them (instead of relying on auto-schema) makes document-scoped retrieval a real
Weaviate filter on a typed, indexed property.
"""

from __future__ import annotations

from typing import Any

from tunedd_api.documents import CHUNK_META_FIELDS

#: Properties Haystack's WeaviateDocumentStore itself reads and writes.
_HAYSTACK_PROPERTIES = [
    {"name": "_original_id", "dataType": ["text"]},
    {"name": "content", "dataType": ["text"]},
    {"name": "blob_data", "dataType": ["blob"]},
    {"name": "blob_mime_type", "dataType": ["text"]},
    {"name": "score", "dataType": ["number"]},
]


def collection_settings(name: str) -> dict[str, Any]:
    """Collection definition for ``WeaviateDocumentStore(collection_settings=...)``."""
    meta_properties = [
        {
            "name": field,
            "dataType": [data_type],
            "indexFilterable": True,
            # document_id must match exactly, never by tokenised words
            **({"tokenization": "field"} if data_type == "text" else {}),
        }
        for field, data_type in CHUNK_META_FIELDS.items()
    ]
    return {
        "class": name,
        "invertedIndexConfig": {"indexNullState": True},
        "vectorizer": "none",
        "vectorIndexConfig": {"distance": "cosine"},
        "properties": _HAYSTACK_PROPERTIES + meta_properties,
    }
