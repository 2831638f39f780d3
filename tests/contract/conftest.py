"""The store contract suite's fixtures: ``store`` (each adapter: memory, SQLite, PostgreSQL) and a throwaway
PostgreSQL server: one cluster per test session, one database per test.

The cluster is made with the installed ``initdb`` / ``pg_ctl`` (on PATH, or Debian's
``/usr/lib/postgresql/<version>/bin``); tests that need it are skipped when neither exists. PostgreSQL refuses to
run as root, so under root the cluster belongs to the ``postgres`` user and its commands go through ``runuser``.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import re
import shutil
import subprocess
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from oid4vc.store.base import Store
from oid4vc.store.memory import MemoryStore
from oid4vc.store.postgres import PostgresStore
from oid4vc.store.sqlite import SqliteStore
from tests.support.net import free_port

# Durability is not under test: skip fsync so initdb, CREATE DATABASE and commits cost little.
SERVER_OPTIONS = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"


def find_postgres_bindir() -> Path | None:
    """The directory holding initdb and pg_ctl: PATH first, then the newest Debian-style install."""
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(on_path).resolve().parent
    candidates = [p.parent for p in Path("/usr/lib/postgresql").glob("*/bin/initdb") if (p.parent / "pg_ctl").exists()]

    def version(bindir: Path) -> tuple[int, ...]:
        return tuple(int(x) for x in re.findall(r"\d+", bindir.parent.name))

    return max(candidates, key=version) if candidates else None



@dataclass
class PostgresServer:
    bindir: Path
    root: Path  # holds data/, the socket and the log; owned by the server's user
    run_as: str | None  # set when we are root
    port: int = 0
    _names: Iterator[int] = field(default_factory=itertools.count)

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def log(self) -> Path:
        return self.root / "server.log"

    def url(self, dbname: str = "postgres", query: str = "") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}" + (f"?{query}" if query else "")

    def _run(self, *args: str, as_owner: bool = True) -> None:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if as_owner and self.run_as:
            cmd = ["runuser", "-u", self.run_as, "--", *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{' '.join(args[:2])} failed: {done.stderr.strip()}\n{log}")

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C",
                  "--no-sync", "--no-instructions")

    def start(self) -> None:
        for attempt in range(3):
            self.port = self.port or free_port()
            options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} {SERVER_OPTIONS}"
            try:
                self._run("pg_ctl", "start", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "30",
                          "-o", options)
                return
            except RuntimeError:
                if attempt == 2:
                    raise
                self.port = 0  # another process took the port between choosing and binding it

    def stop(self) -> None:
        self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "fast", "-w", "-t", "30")

    def create_database(self) -> str:
        """A new empty database; its URL."""
        name = f"t{next(self._names)}"
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name, as_owner=False)
        return self.url(name)


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresServer]:
    bindir = find_postgres_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL binaries (initdb, pg_ctl) are not installed")
    run_as = None
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")  # KeyError: install PostgreSQL from the distribution, which adds it
        run_as = owner.pw_name
        # pytest's temporary directories are private to root; the server's user needs its own.
        root = Path(tempfile.mkdtemp(prefix="oid4vc-pg-"))
        os.chown(root, owner.pw_uid, owner.pw_gid)
    else:
        root = tmp_path_factory.mktemp("pg")
    server = PostgresServer(bindir, root, run_as)
    try:
        server.init()
        server.start()
        yield server
    finally:
        with contextlib.suppress(RuntimeError):  # not started, or already stopped by a failed test
            server.stop()
        if run_as:
            shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """A fresh database on the session's server, so tests stay independent."""
    return postgres_server.create_database()


@pytest.fixture(params=["memory", "sqlite", "postgres"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    """Each adapter in turn; PostgreSQL is skipped when it is not installed (``postgres_server``)."""
    s: Store
    if request.param == "postgres":
        s = await PostgresStore.open(request.getfixturevalue("postgres_url"))
    else:
        s = MemoryStore() if request.param == "memory" else await SqliteStore.open(tmp_path / "t.db")
    yield s
    await s.close()
