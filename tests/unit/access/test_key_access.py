"""API keys over the whole API: 401 without a key, and each key sees only its own
conversations and uploads (plus the shared ones); another key gets 404 (existence not leaked)."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
from apps import volcano_client
from fakes import FakeStack, ManualClock, RecordingLLM
from fastapi.testclient import TestClient
from pdf_factory import make_pdf

from tunedd_api.access.rate_limit import RateLimiter

ADMIN = "tdk_test-admin-secret-0123456789"
ANSWER = "Volcanoes erupt molten basalt lava [1]."


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    backend = FakeStack(RecordingLLM(ANSWER))
    with volcano_client(tmp_path, backend, admin_key=ADMIN, rate_limit_per_minute=0) as client:
        yield client


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def new_key(client: TestClient, name: str, *, admin: bool = False) -> dict[str, str]:
    created = client.post("/keys", json={"name": name, "admin": admin}, headers=bearer(ADMIN))
    assert created.status_code == 201, created.text
    return bearer(created.json()["secret"])


def upload(client: TestClient, headers: dict, path: Path) -> str:
    files = [("files", (path.name, path.read_bytes(), "application/pdf"))]
    response = client.post("/documents", files=files, headers=headers)
    assert response.status_code == 202, response.text
    assert client.app.state.tunedd.intake.queue.wait_idle(60)
    return response.json()["documents"][0]["id"]


PROTECTED = [
    ("GET", "/documents"),
    ("POST", "/documents"),
    ("GET", "/documents/0123456789abcdef"),
    ("DELETE", "/documents/0123456789abcdef"),
    ("GET", "/conversations"),
    ("POST", "/conversations"),
    ("GET", "/conversations/00000000-0000-0000-0000-000000000000"),
    ("DELETE", "/conversations/00000000-0000-0000-0000-000000000000"),
    ("POST", "/conversations/00000000-0000-0000-0000-000000000000/messages"),
    ("GET", "/conversations/00000000-0000-0000-0000-000000000000/summary"),
    ("POST", "/search"),
    ("GET", "/v1/models"),
    ("POST", "/v1/chat/completions"),
    ("GET", "/insights/conversations"),
    ("POST", "/insights/themes"),
    ("GET", "/records"),
    ("GET", "/keys"),
    ("POST", "/keys"),
    ("GET", "/metrics"),
]


@pytest.mark.parametrize(("method", "path"), PROTECTED)
@pytest.mark.parametrize("header", [None, "Bearer tdk_not-a-key", "Basic abc", "Bearer "])
def test_every_route_but_health_and_docs_needs_a_valid_key(
    client: TestClient, method: str, path: str, header: str | None
) -> None:
    headers = {"Authorization": header} if header is not None else {}
    if path == "/documents" and method == "POST":  # a well-formed upload, refused unread
        files = [("files", ("a.pdf", b"%PDF-1.4 ...", "application/pdf"))]
        response = client.post(path, headers=headers, files=files)
    else:
        response = client.request(method, path, headers=headers, json={})

    assert response.status_code == 401, (method, path, response.text)
    assert response.json()["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/docs", "/openapi.json", "/"])
def test_health_readiness_docs_and_the_page_are_open(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 200


def test_conversations_belong_to_their_key(client: TestClient) -> None:
    alice, bob = new_key(client, "alice"), new_key(client, "bob")
    created = client.post("/conversations", json={}, headers=alice).json()["id"]
    url = f"/conversations/{created}"
    sent = client.post(f"{url}/messages", json={"message": "What erupts?"}, headers=alice)
    assert sent.status_code == 200

    for method, path, body in [
        ("GET", url, None),
        ("GET", f"{url}/summary", None),
        ("POST", f"{url}/messages", {"message": "What erupts?"}),
        ("POST", f"{url}/messages", {"message": "What erupts?", "stream": True}),
        ("DELETE", url, None),
    ]:
        response = client.request(method, path, json=body, headers=bob)
        assert response.status_code == 404, (method, path)
        assert response.json()["code"] == "conversation_not_found"

    assert client.get("/conversations", headers=bob).json()["conversations"] == []
    [listed] = client.get("/conversations", headers=alice).json()["conversations"]
    assert listed["id"] == created and listed["message_count"] == 2
    assert client.get(url, headers=alice).status_code == 200  # bob's tries changed nothing


def test_uploads_are_private_to_their_key_and_folder_documents_shared(
    client: TestClient, tmp_path: Path
) -> None:
    alice, bob = new_key(client, "alice"), new_key(client, "bob")
    pdf = make_pdf(tmp_path / "src" / "deserts.pdf", ["Deserts hold very little rain."])
    private = upload(client, alice, pdf)

    def ids(headers: dict) -> set[str]:
        return {d["id"] for d in client.get("/documents", headers=headers).json()["documents"]}

    folder = ids(bob)
    assert private in ids(alice) and private not in folder and len(folder) == 1
    assert client.get(f"/documents/{private}", headers=bob).status_code == 404
    assert client.delete(f"/documents/{private}", headers=bob).status_code == 404
    for body in ({"query": "rain deserts", "document_ids": [private]},):
        assert client.post("/search", json=body, headers=bob).status_code == 422
    hits = client.post("/search", json={"query": "rain deserts"}, headers=bob).json()["results"]
    assert private not in {h["document_id"] for h in hits}
    mine = client.post("/search", json={"query": "rain deserts"}, headers=alice).json()["results"]
    assert mine[0]["document_id"] == private
    scoped = client.post("/conversations", json={"document_ids": [private]}, headers=bob)
    assert scoped.status_code == 422
    models = {m["id"] for m in client.get("/v1/models", headers=bob).json()["data"]}
    assert f"tunedd:{private}" not in models
    completion = {"model": f"tunedd:{private}", "messages": [{"role": "user", "content": "rain?"}]}
    assert client.post("/v1/chat/completions", json=completion, headers=bob).status_code == 422


def test_the_same_bytes_with_two_keys_go_with_their_last_owner(
    client: TestClient, tmp_path: Path
) -> None:
    alice, bob = new_key(client, "alice"), new_key(client, "bob")
    pdf = make_pdf(tmp_path / "src" / "deserts.pdf", ["Deserts hold very little rain."])
    document = upload(client, alice, pdf)
    assert upload(client, bob, pdf) == document

    assert client.delete(f"/documents/{document}", headers=alice).status_code == 204
    assert client.get(f"/documents/{document}", headers=alice).status_code == 404
    assert client.get(f"/documents/{document}", headers=bob).json()["status"] == "indexed"
    assert client.delete(f"/documents/{document}", headers=bob).status_code == 204
    assert client.get(f"/documents/{document}", headers=bob).status_code == 404


def test_admin_uploads_are_shared_and_only_admins_delete_them(
    client: TestClient, tmp_path: Path
) -> None:
    alice = new_key(client, "alice")
    pdf = make_pdf(tmp_path / "src" / "deserts.pdf", ["Deserts hold very little rain."])
    shared = upload(client, bearer(ADMIN), pdf)

    assert client.get(f"/documents/{shared}", headers=alice).json()["status"] == "indexed"
    assert client.delete(f"/documents/{shared}", headers=alice).status_code == 403
    assert client.delete(f"/documents/{shared}", headers=bearer(ADMIN)).status_code == 204
    folder = client.get("/documents", headers=alice).json()["documents"][0]["id"]
    assert client.delete(f"/documents/{folder}", headers=bearer(ADMIN)).status_code == 409


def test_only_admin_keys_manage_keys_and_revoked_keys_stop_working(client: TestClient) -> None:
    alice = new_key(client, "alice")
    assert client.get("/keys", headers=alice).status_code == 403
    assert client.post("/keys", json={"name": "x"}, headers=alice).status_code == 403

    listed = client.get("/keys", headers=bearer(ADMIN)).json()["keys"]
    [key] = [k for k in listed if k["name"] == "alice"]
    assert "secret" not in key
    assert alice["Authorization"].removeprefix("Bearer ").startswith(key["prefix"])
    assert client.delete(f"/keys/{key['id']}", headers=bearer(ADMIN)).status_code == 204
    assert client.get("/documents", headers=alice).status_code == 401
    assert client.delete("/keys/unknown", headers=bearer(ADMIN)).status_code == 404


def test_a_key_over_its_rate_limit_gets_429_with_retry_after(client: TestClient) -> None:
    alice = new_key(client, "alice")
    clock = ManualClock()
    client.app.state.tunedd.access.limiter = RateLimiter(per_minute=2, clock=clock)

    assert client.get("/documents", headers=alice).status_code == 200
    assert client.get("/documents", headers=alice).status_code == 200
    refused = client.get("/documents", headers=alice)
    assert refused.status_code == 429 and refused.json()["code"] == "rate_limited"
    assert refused.headers["Retry-After"] == "30"
    assert client.get("/documents", headers=bearer(ADMIN)).status_code == 200  # per key
    clock.advance(30)
    assert client.get("/documents", headers=alice).status_code == 200
