"""Fixtures for the browser tests: the real server (``oid4vc serve``) on a free loopback port, and headless
Debian Chromium driven by Playwright for Python (``executable_path=/usr/bin/chromium``; never ``playwright install``).

Without Playwright or Chromium the tests are skipped with the reason, except under CI (``CI`` set), where
``scripts/test.sh`` installs both and a missing one is a failure. Screenshots go to ``conformance/artifacts/``
(git-ignored).
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
CHROMIUM = os.environ.get("OID4VC_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
READY_TIMEOUT_S = 30.0


@dataclass(frozen=True, slots=True)
class Server:
    base_url: str
    admin_token: str
    log_path: Path

    @property
    def admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.admin_token}"}

    def log_tail(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")[-4000:]
        except OSError:
            return ""


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set: scripts/test.sh should have installed it)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium() -> str:
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        _unavailable("Playwright for Python is not installed (pip install -e '.[test]')")
    if not Path(CHROMIUM).exists():
        _unavailable(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    return CHROMIUM


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _server_command() -> list[str]:
    script = Path(sys.executable).with_name("oid4vc")
    return [str(script)] if script.exists() else [sys.executable, "-m", "oid4vc"]


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/.well-known/openid-credential-issuer", timeout=2) as resp:
            return int(resp.status) == 200
    except (OSError, urllib.error.URLError):
        return False


@pytest.fixture(scope="session")
def server(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``oid4vc serve`` in dev mode (SQLite, keys in a temporary data dir); stopped at the end of the session."""
    port = _free_port()
    root = tmp_path_factory.mktemp("oid4vc-browser")
    token = secrets.token_urlsafe(24)
    log_path = root / "server.log"
    cmd = [*_server_command(), "serve", "--host", "127.0.0.1", "--port", str(port), "--data-dir", str(root / "data")]
    srv = Server(f"http://127.0.0.1:{port}", token, log_path)
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            cmd, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "OID4VC_ADMIN_TOKEN": token}, cwd=root
        )
    try:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while not _ready(srv.base_url):
            if proc.poll() is not None:
                pytest.fail(f"oid4vc serve exited with {proc.returncode}:\n{srv.log_tail()}")
            if time.monotonic() > deadline:
                pytest.fail(f"oid4vc serve not ready after {READY_TIMEOUT_S}s:\n{srv.log_tail()}")
            time.sleep(0.1)
        yield srv
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture
async def browser(chromium: str) -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        instance = await playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            await instance.close()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
