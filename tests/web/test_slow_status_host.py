"""A dead or slow status-list host never stalls wallet requests (issue #8 faults): while the verifier waits for it
(bounded by the fetch timeout), other requests are answered at once, and the presentation fails closed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from oid4vc.clock import FixedClock
from oid4vc.config import Settings
from oid4vc.crypto.keys import SigningKey, generate_key
from oid4vc.crypto.keystore import KeyRing
from oid4vc.dids.key import did_key_from_jwk
from oid4vc.formats.sd_jwt import random_salt
from oid4vc.formats.sd_jwt_vc import issue_sd_jwt_vc
from oid4vc.store.memory import MemoryStore
from oid4vc.web.app import create_app
from tests.conftest import ADMIN_TOKEN, T0, AppClient
from tests.support.presenter import fetch_request, post_response, sd_jwt_presentation
from tests.support.wallet import holder_key
from tests.web.test_verifier import create, status

VCT = "https://other-issuer.example/vct/Badge"


@pytest.fixture
async def hanging_host() -> AsyncIterator[TestServer]:
    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(30)
        return web.Response(text="too late")

    app = web.Application()
    app.router.add_get("/status/{x}", slow)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield server
    await server.close()


async def test_slow_status_host(
    aiohttp_client: Callable[..., Awaitable[AppClient]], settings: Settings, clock: FixedClock, hanging_host: TestServer
) -> None:
    dev = settings.model_copy(update={"server": settings.server.model_copy(update={"dev_mode": True})})
    client = await aiohttp_client(
        create_app(dev, store=MemoryStore(), keys=KeyRing.ephemeral(), clock=clock, admin_token=ADMIN_TOKEN)
    )
    issuer = SigningKey(generate_key("EC"), kid="i")
    did = did_key_from_jwk(issuer.public_jwk)
    holder = holder_key()
    status_uri = f"http://127.0.0.1:{hanging_host.port}/status/1"
    credential = issue_sd_jwt_vc(
        {"name": "x"},
        signer=issuer,
        vct=VCT,
        now=T0,
        salt=random_salt,
        issuer=did,
        holder_jwk=holder.public_jwk,
        kid=f"{did}#{did[8:]}",
        status={"status_list": {"idx": 3, "uri": status_uri}},
    )
    query = {"credentials": [{"id": "b", "format": "dc+sd-jwt", "meta": {"vct_values": [VCT]}}]}
    created = await create(client, query)
    request = await fetch_request(client, created["request_uri"])
    started = time.monotonic()
    answer = asyncio.create_task(
        post_response(client, request, {"b": [sd_jwt_presentation(credential, holder, request)]})
    )
    await asyncio.sleep(0.2)
    latencies: list[float] = []
    for _ in range(20):  # the verifier is waiting on the dead host; wallets keep getting answers
        t = time.monotonic()
        assert (await client.post("/nonce")).status == 200
        latencies.append(time.monotonic() - t)
    assert max(latencies) < 0.5, latencies
    resp: Any = await answer
    waited = time.monotonic() - started
    assert waited < 15  # bounded by the fetch timeout, not the host's 30 s
    assert resp.status == 400
    result = await status(client, created["id"])
    assert result["status"] == "rejected"
    assert "status" in f"{result['error']} {result['error_description']}"
