"""A throwaway PostgreSQL server for the tests, started from the machine's own binaries.

`TUNEDD_TEST_POSTGRES_URL` (a server that already runs, e.g. a CI service container) wins;
otherwise `initdb` + `pg_ctl` start a cluster in a temporary folder on loopback, with fsync off.
Root cannot run PostgreSQL, so as root the server runs as the `postgres` system user.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import psycopg


@dataclass
class PostgresServer:
    """A running server: ``admin_url`` reaches its maintenance database."""

    admin_url: str
    data_dir: Path | None = None
    run_as: list[str] | None = None
    bin_dir: Path | None = None

    def new_database(self) -> str:
        """Create an empty database; returns its SQLAlchemy URL."""
        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.admin_url, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        base = self.admin_url.rsplit("/", 1)[0]
        return f"postgresql+psycopg://{base.split('://', 1)[1]}/{name}"

    def stop(self) -> None:
        """Stop a server this module started."""
        if self.data_dir is not None:
            subprocess.run(
                [*self.run_as, str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir)]
                + ["-m", "immediate", "stop"],
                check=False,
                capture_output=True,
            )
            shutil.rmtree(self.data_dir.parent, ignore_errors=True)


def _bin_dir() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(candidates[-1]).parent if candidates else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_postgres() -> PostgresServer | None:
    """A server for the tests, or None when neither a URL nor the binaries are available."""
    url = os.environ.get("TUNEDD_TEST_POSTGRES_URL")
    if url:
        return PostgresServer(admin_url=url.replace("postgresql+psycopg://", "postgresql://"))
    bin_dir = _bin_dir()
    if bin_dir is None:
        return None
    base = Path(tempfile.mkdtemp(prefix="tunedd-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:
        run_as = ["runuser", "-u", "postgres", "--"]
        shutil.chown(base, "postgres", "postgres")
        base.chmod(0o755)
    data_dir, port = base / "data", _free_port()
    subprocess.run(
        [*run_as, str(bin_dir / "initdb"), "-D", str(data_dir), "-U", "tunedd"]
        + ["--auth=trust", "-E", "UTF8", "--no-sync"],
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(
        [*run_as, str(bin_dir / "pg_ctl"), "-D", str(data_dir), "-o", options, "-w"]
        + ["-l", str(base / "server.log"), "start"],
        check=True,
        capture_output=True,
    )
    return PostgresServer(
        admin_url=f"postgresql://tunedd@127.0.0.1:{port}/postgres",
        data_dir=data_dir,
        run_as=run_as,
        bin_dir=bin_dir,
    )
