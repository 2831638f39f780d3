"""Several server processes (``oid4vc serve --workers 2``) sharing PostgreSQL or SQLite stay correct: 200 concurrent
redemptions of one pre-authorized code spread over both processes yield exactly one access token."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.contract.conftest import PostgresServer

ADMIN = "workers-admin-token"
PRE_AUTH = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
SUBJECT = {
    "achievement": {
        "id": "https://example.edu/a/1",
        "type": ["Achievement"],
        "name": "Concurrency",
        "description": "d",
        "criteria": {"narrative": "n"},
    }
}


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Served:
    def __init__(self, base: str, proc: subprocess.Popen[str], log: Path) -> None:
        self.base, self.proc, self.log = base, proc, log


def _serve(
    tmp_path: Path, store_url: str, *args: str, env: dict[str, str] | None = None
) -> Generator[Served, None, None]:
    """``oid4vc serve --workers 2`` with ``args`` added and ``env`` on top of this process's environment."""
    port = _port()
    log = tmp_path / "server.log"
    env = os.environ | {"OID4VC_ADMIN_TOKEN": ADMIN, "OID4VC_STORE_URL": store_url, "OID4VC_SERVER_JSONLD_WORKERS": "0"
                        } | (env or {})
    with log.open("a") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "oid4vc",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--data-dir",
                str(tmp_path / "data"),
                "--workers",
                "2",
                *args,
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            time.sleep(0.2)
    time.sleep(1.0)  # let the second worker bind too
    try:
        yield Served(base, proc, log)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(params=["sqlite", "postgres"])
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Served]:
    if request.param == "postgres":
        server: PostgresServer = request.getfixturevalue("postgres_server")
        url = server.create_database()
    else:
        url = f"sqlite:///{tmp_path / 'shared.db'}"
    yield from _serve(tmp_path, url)


async def _redeem_race(base: str, n: int) -> list[int]:
    async with aiohttp.ClientSession() as session:
        headers = {"Authorization": f"Bearer {ADMIN}"}
        async with session.post(
            f"{base}/admin/offers",
            json={"credential_configuration_id": "OpenBadgeCredential_jwt_vc_json", "credential_subject": SUBJECT},
            headers=headers,
        ) as resp:
            assert resp.status == 201, await resp.text()
            offer = await resp.json()
        async with session.get(offer["credential_offer_uri"]) as resp:
            code = (await resp.json())["grants"][PRE_AUTH]["pre-authorized_code"]

        async def one() -> int:
            connector = aiohttp.TCPConnector(force_close=True)  # new connections so both workers get some
            async with (
                aiohttp.ClientSession(connector=connector) as fresh,
                fresh.post(f"{base}/token", data={"grant_type": PRE_AUTH, "pre-authorized_code": code}) as resp,
            ):
                body: Any = await resp.json()
                assert resp.status == 200 or body["error"] == "invalid_grant"
                return int(resp.status)

        return list(await asyncio.gather(*(one() for _ in range(n))))


async def test_two_processes_one_code_one_token(served: Served) -> None:
    statuses = await _redeem_race(served.base, 200)
    assert statuses.count(200) == 1 and statuses.count(400) == 199
    log = served.log.read_text()
    assert " w0 " in log and " w1 " in log  # both workers answered token requests
    assert "Traceback" not in log


def _healthz_count(metrics: str) -> float:
    for line in metrics.splitlines():
        if line.startswith('oid4vc_http_requests_total{route="/healthz",method="GET",status="200"}'):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


async def _fresh_get(base: str, path: str) -> str:
    connector = aiohttp.TCPConnector(force_close=True)  # a new connection: the kernel picks the worker
    async with aiohttp.ClientSession(connector=connector) as session, session.get(f"{base}{path}") as resp:
        assert resp.status == 200
        return await resp.text()


async def test_metrics_count_every_worker(tmp_path: Path) -> None:
    """Any scrape answers the sum over both workers (each publishes a snapshot once a second)."""
    served = _serve(tmp_path, f"sqlite:///{tmp_path / 'shared.db'}")
    server = next(served)
    try:
        await asyncio.sleep(1.5)
        before = _healthz_count(await _fresh_get(server.base, "/metrics"))
        await asyncio.gather(*(_fresh_get(server.base, "/healthz") for _ in range(40)))
        await asyncio.sleep(2.5)  # every worker has published since
        scrapes = [_healthz_count(await _fresh_get(server.base, "/metrics")) for _ in range(8)]
        assert scrapes == [before + 40] * 8, scrapes
        text = await _fresh_get(server.base, "/metrics")
        assert "process_cpu_seconds_total" in text and "(all workers)" in text
    finally:
        served.close()
