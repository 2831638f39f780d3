"""Admin API client: retries on 429/5xx/connection errors with backoff, ambiguous-failure counting, row refusals."""

from __future__ import annotations

import socket
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from oid4vc.bulk.client import AdminApiError, AdminClient, Created, Refused, RetryPolicy, ServerUnavailableError

OFFER = {"id": "o1", "offer_uri": "openid-credential-offer://?x", "expires_at": "2026-01-01T00:00:00Z"}
ServerFactory = Callable[..., Awaitable[TestServer]]


async def _client_for(
    aiohttp_server: ServerFactory, answers: list[tuple[int, Any, dict[str, str]]]
) -> tuple[AdminClient, list[float], list[Any], aiohttp.ClientSession]:
    seen: list[Any] = []

    async def offers(request: web.Request) -> web.Response:
        assert request.headers["Authorization"] == "Bearer t"
        seen.append(await request.json())
        status, body, headers = answers.pop(0)
        return web.json_response(body, status=status, headers=headers)

    app = web.Application()
    app.router.add_post("/admin/offers", offers)
    server = await aiohttp_server(app)
    sleeps: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    session = aiohttp.ClientSession()
    client = AdminClient(
        session,
        server=str(server.make_url("/")),
        admin_token="t",
        policy=RetryPolicy(retries=3, backoff=0.5, max_backoff=30),
        sleep=fake_sleep,
        jitter=lambda: 1.0,
    )
    return client, sleeps, seen, session


async def test_retries_until_created_and_counts_only_ambiguous_failures(aiohttp_server: ServerFactory) -> None:
    client, sleeps, seen, session = await _client_for(
        aiohttp_server,
        [
            (503, {"error": "temporarily_unavailable"}, {}),
            (429, {"error": "slow_down"}, {"Retry-After": "7"}),
            (500, {"error": "server_error"}, {}),
            (201, OFFER, {}),
        ],
    )
    async with session:
        result = await client.create_offer({"credential_subject": {"a": 1}})
    assert result == Created(OFFER, ambiguous_retries=1)  # only the 500 may have created an offer
    assert sleeps == [0.5, 7.0, 2.0]  # backoff 0.5 * 2^n, Retry-After wins
    assert seen == [{"credential_subject": {"a": 1}}] * 4


async def test_a_400_is_a_refused_row(aiohttp_server: ServerFactory) -> None:
    client, sleeps, _, session = await _client_for(
        aiohttp_server, [(400, {"error": "invalid_request", "error_description": "achievement.id: bad"}, {})]
    )
    async with session:
        assert await client.create_offer({}) == Refused(400, "invalid_request", "achievement.id: bad", 0)
    assert sleeps == []


@pytest.mark.parametrize("status", [401, 403, 404])
async def test_wrong_token_or_url_stops_everything(aiohttp_server: ServerFactory, status: int) -> None:
    client, _, _, session = await _client_for(aiohttp_server, [(status, {"error": "unauthorized"}, {})])
    async with session:
        with pytest.raises(AdminApiError, match=str(status)):
            await client.create_offer({})


async def test_gives_up_after_the_retries(aiohttp_server: ServerFactory) -> None:
    client, sleeps, seen, session = await _client_for(aiohttp_server, [(502, {}, {})] * 4)
    async with session:
        with pytest.raises(ServerUnavailableError) as info:
            await client.create_offer({})
    assert (len(seen), len(sleeps), info.value.ambiguous_retries) == (4, 3, 4)
    assert info.value.last == "502 502"


async def test_a_refused_connection_is_retried_and_not_ambiguous() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again before the client connects
    sleeps: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    async with aiohttp.ClientSession() as session:
        client = AdminClient(
            session, server=f"http://127.0.0.1:{port}", admin_token="t", policy=RetryPolicy(retries=2), sleep=fake_sleep
        )
        with pytest.raises(ServerUnavailableError) as info:
            await client.create_offer({})
    assert info.value.ambiguous_retries == 0 and len(sleeps) == 2
    assert info.value.last.startswith("connection: ")


def test_backoff_is_exponential_jittered_and_capped() -> None:
    policy = RetryPolicy(backoff=1.0, max_backoff=10.0)
    assert [policy.delay(n, None, 1.0) for n in range(6)] == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]
    assert policy.delay(2, None, 0.0) == 2.0  # jitter spreads the delay over [half, full]
    assert policy.delay(0, 99.0, 0.5) == 10.0 and policy.delay(0, -1.0, 0.5) == 0.0
