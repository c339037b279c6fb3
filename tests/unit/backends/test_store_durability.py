"""The embedded store survives ``kill -9`` mid-write, and migrates an old ``index.npz`` once."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from haystack import Document

from tunedd_api.backends.embedded.backend import EmbeddedStack
from tunedd_api.backends.embedded.npz_migration import migrate_npz
from tunedd_api.backends.embedded.sqlite_store import SQLiteDocumentStore
from tunedd_api.settings import Settings

CHUNKS_PER_DOCUMENT = 40

WRITER = textwrap.dedent("""
    import sys
    import numpy as np
    from haystack import Document
    from tunedd_api.backends.embedded.sqlite_store import SQLiteDocumentStore

    store = SQLiteDocumentStore(path=sys.argv[1])
    rng = np.random.default_rng(0)
    for number in range(10_000):
        document_id = f"doc{number:05d}"
        vectors = rng.standard_normal((CHUNKS, 384)).astype(np.float32)
        store.write_documents([
            Document(
                id=f"{document_id}-{i:05d}",
                content=f"chunk {i} of {document_id} about agents and tools",
                meta={"document_id": document_id, "chunk_index": i},
                embedding=vectors[i].tolist(),
            )
            for i in range(CHUNKS)
        ])
        print(document_id, flush=True)
    """).replace("CHUNKS", str(CHUNKS_PER_DOCUMENT))


@pytest.mark.parametrize("acknowledged_before_kill", [1, 7, 23])
def test_kill_9_during_writes_keeps_every_acknowledged_document_whole(
    tmp_path, acknowledged_before_kill
):
    path = tmp_path / "index.sqlite3"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True
    )
    acknowledged = [writer.stdout.readline().strip() for _ in range(acknowledged_before_kill)]
    writer.send_signal(signal.SIGKILL)  # the writer is inside its next write_documents call
    writer.wait()
    assert writer.returncode == -signal.SIGKILL

    store = SQLiteDocumentStore(path=str(path))
    chunks = store.filter_documents()
    per_document: dict[str, int] = {}
    for chunk in chunks:
        per_document[chunk.meta["document_id"]] = per_document.get(chunk.meta["document_id"], 0) + 1
    assert set(acknowledged) <= set(per_document)
    assert set(per_document.values()) == {CHUNKS_PER_DOCUMENT}, "a document was written in part"
    assert len(per_document) - len(acknowledged) <= 1, "only the write in flight may have landed"
    found = store.bm25_retrieval("agents", top_k=3)
    assert len(found) == 3
    assert store.embedding_retrieval([1.0] * 384, top_k=3)


def _write_old_index(path, documents: list[Document]) -> None:
    """The ``index.npz`` layout versions before the SQLite store wrote."""
    records = []
    for document in documents:
        record = document.to_dict(flatten=False)
        record.pop("embedding")
        records.append(record)
    vectors = np.array([d.embedding for d in documents], dtype=np.float32)
    header = json.dumps({"format": 1, "documents": records})
    with path.open("wb") as handle:
        np.savez(handle, documents=np.array(header), embeddings=vectors)


def test_an_old_npz_index_is_migrated_once_without_re_embedding(tmp_path):
    old = tmp_path / "index.npz"
    documents = [
        Document(
            id=f"c{i}",
            content=f"chunk {i}",
            meta={"document_id": "d1", "chunk_index": i, "pages": [i + 1]},
            embedding=[float(i), 1.0, 0.0],
        )
        for i in range(3)
    ]
    _write_old_index(old, documents)
    store = SQLiteDocumentStore(path=str(tmp_path / "index.sqlite3"))

    assert migrate_npz(old, store) == 3
    migrated = sorted(store.filter_documents(), key=lambda d: d.id)
    assert [(d.id, d.meta["pages"], d.embedding) for d in migrated] == [
        (d.id, d.meta["pages"], d.embedding) for d in documents
    ]
    assert not old.exists() and (tmp_path / "index.npz.migrated").exists()
    assert migrate_npz(old, store) == 0


def test_an_unreadable_old_index_is_set_aside_and_the_store_starts_empty(tmp_path):
    old = tmp_path / "index.npz"
    old.write_bytes(b"not a zip file")
    store = SQLiteDocumentStore(path=str(tmp_path / "index.sqlite3"))

    assert migrate_npz(old, store) == 0
    assert store.count_documents() == 0
    assert (tmp_path / "index.npz.migrated").exists()


def test_the_embedded_stack_migrates_an_old_index_when_it_starts(tmp_path):
    _write_old_index(
        tmp_path / "index.npz",
        [Document(id="c0", content="x", meta={"document_id": "d"}, embedding=[1.0, 0.0])],
    )
    stack = EmbeddedStack(Settings(_env_file=None, index_dir=tmp_path))
    assert stack.document_store.count_documents() == 0

    stack.prepare(chat=False)

    assert stack.document_store.count_documents() == 1
    stack.close()
