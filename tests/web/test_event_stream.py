"""``GET /admin/events``: Server-Sent Events of every outcome, read from the outbox (all processes, resumable with
``Last-Event-ID``) or, without it, live from this process only."""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from oid4vc.clock import FixedClock
from oid4vc.config import Settings
from oid4vc.crypto.keystore import KeyRing
from oid4vc.store.base import Store
from oid4vc.store.memory import MemoryStore
from oid4vc.store.sqlite import SqliteStore
from oid4vc.web import events as web_events
from oid4vc.web.app import create_app
from tests.conftest import ADMIN, ADMIN_TOKEN, AppClient
from tests.web.flow import create_offer, credential_request, get_token


def frames(text: str) -> list[dict[str, Any]]:
    """Parse an event stream (WHATWG HTML §9.2.6, the subset the server writes)."""
    out = []
    for block in text.split("\n\n"):
        frame: dict[str, Any] = {}
        for line in block.splitlines():
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "":
                frame.setdefault("comments", []).append(value)
            else:
                frame[name] = json.loads(value) if name == "data" else value
        if frame:
            out.append(frame)
    return out


def events_of(text: str) -> list[dict[str, Any]]:
    return [f for f in frames(text) if "event" in f]


def outbox_on(settings: Settings) -> Settings:
    return settings.model_copy(update={"events": settings.events.model_copy(update={"outbox": True,
                                                                                       "poll_interval": 0.02})})


async def app_client(aiohttp_client: Callable[..., Awaitable[AppClient]], settings: Settings, store: Store,
                     keys: KeyRing, clock: FixedClock) -> AppClient:
    return await aiohttp_client(create_app(settings, store=store, keys=keys, clock=clock, admin_token=ADMIN_TOKEN))


async def flow(client: AppClient) -> None:
    token, _ = await get_token(client)
    assert (await credential_request(client, token)).status == 200


async def test_stream_resume_and_filter(aiohttp_client: Callable[..., Awaitable[AppClient]], settings: Settings,
                                        keys: KeyRing, clock: FixedClock) -> None:
    client = await app_client(aiohttp_client, outbox_on(settings), MemoryStore(), keys, clock)
    await create_offer(client)  # before the stream: not replayed without Last-Event-ID
    resp = await client.get("/admin/events?timeout=0.5", headers=ADMIN)
    assert resp.status == 200 and resp.content_type == "text/event-stream"
    assert resp.headers["Cache-Control"] == "no-store"
    await flow(client)
    text = await resp.text()
    assert text.startswith("retry: 3000\n")
    got = events_of(text)
    assert [f["event"] for f in got] == ["offer.created", "offer.fetched", "token.issued", "credential.issued"]
    assert all(f["id"] == f["data"]["id"] and f["event"] == f["data"]["type"] for f in got)
    assert got[-1]["data"]["data"]["format"] == "jwt_vc_json"
    # resume after the second: the rest, from the outbox
    resumed = await client.get("/admin/events?timeout=0.1", headers=ADMIN | {"Last-Event-ID": got[1]["id"]})
    assert [f["id"] for f in events_of(await resumed.text())] == [f["id"] for f in got[2:]]
    by_query = await client.get(f"/admin/events?timeout=0.1&last_event_id={got[1]['id']}", headers=ADMIN)
    assert [f["id"] for f in events_of(await by_query.text())] == [f["id"] for f in got[2:]]
    # filters
    only = await client.get("/admin/events?timeout=0.1&types=token.*,credential.issued", headers=ADMIN | {
        "Last-Event-ID": got[0]["id"]})
    assert [f["event"] for f in events_of(await only.text())] == ["token.issued", "credential.issued"]
    # an id the outbox does not know: say so, then go on live
    unknown = await client.get("/admin/events?timeout=0.1", headers=ADMIN | {"Last-Event-ID": "nope"})
    (reset,) = events_of(await unknown.text())
    assert reset["event"] == "stream.reset" and "id" not in reset and "Last-Event-ID" in reset["data"]["reason"]


async def test_bad_parameters_and_the_token(client: AppClient) -> None:
    assert (await client.get("/admin/events")).status == 401
    for query in ("types=Bad", "types=a..b", "timeout=0", "timeout=soon", "timeout=3601", "timeout=nan"):
        resp = await client.get(f"/admin/events?{query}", headers=ADMIN)
        assert resp.status == 400 and resp.content_type == "application/json", query


async def test_live_only_without_the_outbox(client: AppClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(web_events, "KEEPALIVE", 0.05)
    resp = await client.get("/admin/events?timeout=0.4", headers=ADMIN | {"Last-Event-ID": "anything"})
    await flow(client)
    got = frames(await resp.text())
    named = [f for f in got if "event" in f]
    assert named[0]["event"] == "stream.reset" and "live only" in named[0]["data"]["reason"]
    assert [f["event"] for f in named[1:]] == ["offer.created", "offer.fetched", "token.issued", "credential.issued"]
    assert any("keepalive" in f.get("comments", []) for f in got)


async def test_keepalive_with_the_outbox(aiohttp_client: Callable[..., Awaitable[AppClient]], settings: Settings,
                                         keys: KeyRing, clock: FixedClock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(web_events, "KEEPALIVE", 0.05)
    client = await app_client(aiohttp_client, outbox_on(settings), MemoryStore(), keys, clock)
    text = await (await client.get("/admin/events?timeout=0.3", headers=ADMIN)).text()
    assert sum("keepalive" in f.get("comments", []) for f in frames(text)) >= 2


async def test_one_stream_sees_every_process(aiohttp_client: Callable[..., Awaitable[AppClient]], settings: Settings,
                                             keys: KeyRing, clock: FixedClock, tmp_path: Path) -> None:
    """Two server processes on one database: a stream served by one shows the other's events too."""
    first = await SqliteStore.open(tmp_path / "db.sqlite")
    second = await SqliteStore.open(tmp_path / "db.sqlite")
    try:
        one = await app_client(aiohttp_client, outbox_on(settings), first, keys, clock)
        other = await app_client(aiohttp_client, outbox_on(settings), second, keys, clock)
        resp = await one.get("/admin/events?timeout=0.5", headers=ADMIN)
        await flow(other)
        assert [f["event"] for f in events_of(await resp.text())] == [
            "offer.created", "offer.fetched", "token.issued", "credential.issued"]
    finally:
        await first.close()
        await second.close()


@pytest.mark.parametrize("outbox", [False, True])
async def test_open_streams_never_hold_the_shutdown(settings: Settings, keys: KeyRing, clock: FixedClock,
                                                    outbox: bool) -> None:
    """As ``oid4vc serve`` runs it: the runner waits up to ``shutdown_timeout`` for handlers, so streams must end."""
    app = create_app(outbox_on(settings) if outbox else settings, store=MemoryStore(), keys=keys, clock=clock,
                     admin_token=ADMIN_TOKEN)
    runner = web.AppRunner(app, shutdown_timeout=30)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    async with aiohttp.ClientSession() as session:
        streams = [await session.get(f"http://127.0.0.1:{port}/admin/events", headers=ADMIN) for _ in range(3)]
        assert all(r.status == 200 for r in streams)
        started = time.monotonic()
        await runner.cleanup()
        assert time.monotonic() - started < 2.0
        for resp in streams:
            assert (await resp.text()).startswith("retry:")  # ended cleanly
