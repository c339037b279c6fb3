"""`tunedd keys create/list/revoke`: API keys in the application database (RAG_DATABASE_URL,
default SQLite in the index directory). A new key's secret is printed once."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict

from tunedd_api.access.keys import KeyStore
from tunedd_api.errors import TunedDError
from tunedd_api.settings import Settings
from tunedd_api.storage.migrate import open_app_database


def _store() -> KeyStore:
    return KeyStore(engine=open_app_database(Settings().app_database_url))


def _create(args: argparse.Namespace) -> int:
    key, secret = _store().create(args.name, admin=args.admin)
    print(json.dumps({**asdict(key), "secret": secret}, default=str, indent=2))
    print("Store the secret now: it is not shown again.", file=sys.stderr)
    return 0


def _list(_args: argparse.Namespace) -> int:
    print(json.dumps([asdict(k) for k in _store().list()], default=str, indent=2))
    return 0


def _revoke(args: argparse.Namespace) -> int:
    try:
        key = _store().revoke(args.key_id)
    except TunedDError as error:
        print(error.message, file=sys.stderr)
        return 1
    print(json.dumps(asdict(key), default=str, indent=2))
    return 0


def add_commands(commands: argparse._SubParsersAction) -> None:
    """Register ``tunedd keys ...``."""
    keys = commands.add_parser("keys", help="API keys: create, list, revoke")
    key_commands = keys.add_subparsers(dest="keys_command", required=True)
    create = key_commands.add_parser("create", help="create a key and print its secret once")
    create.add_argument("--name", required=True, help="who or what uses the key")
    create.add_argument("--admin", action="store_true", help="may manage keys and shared documents")
    create.set_defaults(run=_create)
    key_commands.add_parser("list", help="every key (never the secrets)").set_defaults(run=_list)
    revoke = key_commands.add_parser("revoke", help="revoke a key (401 from now on)")
    revoke.add_argument("key_id")
    revoke.set_defaults(run=_revoke)
