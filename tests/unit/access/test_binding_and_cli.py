"""`tunedd serve` refuses an open server on a public address; `tunedd keys` manages keys."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tunedd_api.access.binding import bind_refusal, is_loopback
from tunedd_api.access.keys import KeyStore
from tunedd_api.cli import main
from tunedd_api.settings import Settings
from tunedd_api.storage.migrate import open_app_database


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("::1", True), ("localhost", True), ("0.0.0.0", False)]
    + [("192.168.1.5", False), ("example.org", False)],
)
def test_loopback_addresses(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_an_open_server_binds_only_to_loopback_unless_told() -> None:
    open_settings = Settings(_env_file=None)
    assert bind_refusal("127.0.0.1", open_settings, allow_unauthenticated=False) is None
    refusal = bind_refusal("0.0.0.0", open_settings, allow_unauthenticated=False)
    assert refusal is not None and "--allow-unauthenticated" in refusal
    assert bind_refusal("0.0.0.0", open_settings, allow_unauthenticated=True) is None
    keys_on = Settings(_env_file=None, require_api_key=True)
    assert bind_refusal("0.0.0.0", keys_on, allow_unauthenticated=False) is None


def test_serve_exits_2_before_binding_an_open_public_address(monkeypatch, capsys) -> None:
    monkeypatch.delenv("RAG_REQUIRE_API_KEY", raising=False)
    monkeypatch.delenv("RAG_ADMIN_KEY", raising=False)
    assert main(["serve", "--host", "0.0.0.0"]) == 2
    assert "refusing to serve on 0.0.0.0" in capsys.readouterr().err


def test_keys_create_list_revoke(tmp_path: Path, monkeypatch, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("RAG_DATABASE_URL", url)

    assert main(["keys", "create", "--name", "ci bot"]) == 0
    created = json.loads(capsys.readouterr().out)
    store = KeyStore(engine=open_app_database(url))
    assert store.authenticate(created["secret"]).name == "ci bot"

    assert main(["keys", "list"]) == 0
    [listed] = json.loads(capsys.readouterr().out)
    assert listed["id"] == created["id"] and "secret" not in listed
    assert main(["keys", "revoke", created["id"]]) == 0
    assert store.authenticate(created["secret"]) is None
    assert main(["keys", "revoke", "nope"]) == 1
