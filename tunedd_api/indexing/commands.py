"""`tunedd documents add/list/remove`: the running server's documents, over its HTTP API.

``add`` uploads the files in one request and then follows their status with a progress bar
until each is ``indexed`` or ``failed`` (``--no-wait`` returns at once).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any, Callable, TextIO

import httpx

_DONE = {"indexed", "failed"}


def render_upload_progress(
    documents: list[dict[str, Any]], stream: TextIO, width: int = 30
) -> None:
    """One progress line for ``documents add`` (as ``tunedd index`` draws its own): files done,
    chunks embedded of those known, and the file being indexed."""
    done = sum(1 for d in documents if d["status"] in _DONE)
    chunks = sum(
        (
            d["chunk_count"]
            if d["status"] in _DONE
            else (d.get("progress") or {}).get("chunks_done", 0)
        )
        for d in documents
    )
    active = next((d["file_name"] for d in documents if d["status"] == "indexing"), "")
    total = max(len(documents), 1)
    filled = round(width * done / total)
    bar = "#" * filled + "." * (width - filled)
    line = f"[{bar}] {done}/{len(documents)} files, {chunks} chunks  {active}"
    if stream.isatty():
        stream.write("\r" + line + ("\n" if done >= len(documents) else ""))
    else:
        stream.write(line + "\n")
    stream.flush()


def add_documents(
    client: httpx.Client,
    paths: list[Path],
    *,
    wait: bool = True,
    progress: TextIO = sys.stderr,
    pause: Callable[[], None] = lambda: time.sleep(0.5),
) -> list[dict[str, Any]]:
    """Upload ``paths``; with ``wait``, poll until every one is indexed or failed."""
    handles = [path.open("rb") for path in paths]
    try:
        files = [
            ("files", (path.name, handle, "application/pdf"))
            for path, handle in zip(paths, handles)
        ]
        response = client.post("/documents", files=files)
    finally:
        for handle in handles:
            handle.close()
    _raise_for_status(response)
    accepted = response.json()["documents"]
    if not wait:
        return accepted
    while True:
        documents = [_get(client, f"/documents/{d['id']}") for d in accepted]
        render_upload_progress(documents, progress)
        if all(d["status"] in _DONE for d in documents):
            return documents
        pause()


def list_documents(client: httpx.Client) -> list[dict[str, Any]]:
    """Every document of the collection, with its status and source."""
    return _get(client, "/documents")["documents"]


def remove_document(client: httpx.Client, document_id: str) -> None:
    """Delete an uploaded document."""
    _raise_for_status(client.delete(f"/documents/{document_id}"))


class ServerError(Exception):
    """The server refused a request; the message is its ``detail``."""


def _get(client: httpx.Client, url: str) -> Any:
    response = client.get(url)
    _raise_for_status(response)
    return response.json()


def _raise_for_status(response: httpx.Response) -> None:
    if response.is_success:
        return
    try:
        detail = response.json().get("detail", response.text)
    except ValueError:
        detail = response.text
    raise ServerError(f"HTTP {response.status_code}: {detail}")


def _client(args: argparse.Namespace) -> httpx.Client:
    headers = {"Authorization": f"Bearer {args.api_key}"} if args.api_key else {}
    return httpx.Client(base_url=args.url, headers=headers, timeout=120.0)


def _run(args: argparse.Namespace) -> int:
    try:
        with _client(args) as client:
            if args.documents_command == "add":
                result = add_documents(client, [Path(p) for p in args.files], wait=not args.no_wait)
                print(json.dumps(result, indent=2))
                return 1 if any(d["status"] == "failed" for d in result) else 0
            if args.documents_command == "list":
                for d in list_documents(client):
                    source = d.get("source", "folder")
                    print(f"{d['id']}  {d['status']:<8}  {source:<6}  {d['file_name']}")
                return 0
            remove_document(client, args.id)
            print(f"removed {args.id}")
            return 0
    except (ServerError, httpx.HTTPError, OSError) as error:
        print(f"tunedd documents: {error}", file=sys.stderr)
        return 1


def add_commands(commands: Any) -> None:
    """Register ``documents add/list/remove`` on the ``tunedd`` parser's subcommands."""
    server = argparse.ArgumentParser(add_help=False)
    server.add_argument("--url", default="http://127.0.0.1:8000", help="the running server")
    server.add_argument("--api-key", help="sent as Authorization: Bearer <key>")
    documents = commands.add_parser("documents", help="upload, list and remove documents")
    actions = documents.add_subparsers(dest="documents_command", required=True)
    add = actions.add_parser("add", parents=[server], help="upload PDFs and follow indexing")
    add.add_argument("files", nargs="+", metavar="FILE")
    add.add_argument("--no-wait", action="store_true", help="return once the files are queued")
    actions.add_parser("list", parents=[server], help="every document with its status")
    remove = actions.add_parser("remove", parents=[server], help="delete an uploaded document")
    remove.add_argument("id", metavar="ID")
    documents.set_defaults(run=_run)
