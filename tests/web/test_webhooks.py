"""Webhooks end to end (issue #7): events delivered to REAL local HTTP receivers, signed (Standard Webhooks), retried
with backoff, none lost across a restart, exactly once per id at receivers that de-duplicate by ``webhook-id``;
filters; per-offer and per-presentation receivers; slow receivers never stall wallets; without webhooks nothing is
written."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from oid4vc.clock import FixedClock
from oid4vc.config import Settings
from oid4vc.crypto.keystore import KeyRing
from oid4vc.services.events import Event
from oid4vc.store.base import Store, StoreUnavailableError
from oid4vc.store.memory import MemoryStore
from oid4vc.store.sqlite import SqliteStore
from oid4vc.web.app import create_app
from oid4vc.web.keys import issuer_key
from tests.conftest import ACHIEVEMENT_SUBJECT, ADMIN, ADMIN_TOKEN, T0, AppClient
from tests.support.presenter import fetch_request, post_response, sd_jwt_presentation
from tests.support.wallet import holder_key
from tests.support.webhooks import SECRET, Receiver, eventually, running
from tests.web.flow import create_offer, credential_request, get_token, resolve_offer, token_request
from tests.web.lifecycle import credential_id

SD_JWT = "OpenBadgeCredential_dc_sd_jwt"
Factory = Callable[..., Awaitable[tuple[AppClient, list[Event]]]]


def with_webhooks(settings: Settings, hooks: list[dict[str, Any]], **events: Any) -> Settings:
    data = settings.model_dump()
    data["server"]["dev_mode"] = True  # receivers on 127.0.0.1 over http
    data["webhooks"] = hooks
    data["events"] = {"poll_interval": 0.02} | events
    return Settings.model_validate(data)


@pytest.fixture
async def make_client(
    aiohttp_client: Callable[..., Awaitable[AppClient]], settings: Settings, keys: KeyRing, clock: FixedClock
) -> AsyncIterator[Factory]:
    """Clients of apps with webhooks; ``store="sqlite:PATH"`` opens (and finally closes) a SQLite store there."""
    opened: list[Store] = []

    async def make(hooks: list[dict[str, Any]], *, store: Store | Path | None = None, **events: Any
                   ) -> tuple[AppClient, list[Event]]:
        if isinstance(store, Path):
            store = await SqliteStore.open(store)
            opened.append(store)
        app = create_app(with_webhooks(settings, hooks, **events), store=store or MemoryStore(), keys=keys,
                         clock=clock, admin_token=ADMIN_TOKEN)
        client = await aiohttp_client(app)
        seen: list[Event] = []
        client.app[issuer_key].events.subscribe(seen.append)
        return client, seen

    try:
        yield make
    finally:
        for store in opened:
            await store.close()


async def issue_one(client: AppClient, **offer: Any) -> tuple[str, dict[str, Any]]:
    token, created = await get_token(client, **offer)
    resp = await credential_request(client, token)
    assert resp.status == 200, await resp.text()
    return token, created


async def test_every_event_arrives_once_per_id_after_two_failures(make_client: Factory, clock: FixedClock,
                                                                  tmp_path: Path) -> None:
    async with running(Receiver(fail_first=2)) as rx:
        client, seen = await make_client([{"url": rx.url, "secret": SECRET}], store=tmp_path / "db.sqlite")
        await issue_one(client)
        emitted = {e.id for e in seen}
        assert [e.type for e in seen] == ["offer.created", "offer.fetched", "token.issued", "credential.issued"]
        await eventually(lambda: all(rx.attempts(i) == [500] for i in emitted))  # at once, off the request path
        clock.advance(7)  # past the first retry delay (5 s +-20 %)
        await eventually(lambda: all(rx.attempts(i) == [500, 500] for i in emitted))
        clock.advance(40)  # past the second (30 s +-20 %)
        await eventually(lambda: set(rx.events) == emitted)
        assert all(rx.attempts(i) == [500, 500, 200] for i in emitted)
        assert len(rx.raw) == 3 * len(emitted) and all(d.signed for d in rx.raw)
        for event in seen:
            assert rx.events[event.id] == event.to_json()
            stamps = [int(d.timestamp) for d in rx.raw if d.id == event.id]
            assert stamps == [int(T0.timestamp()), int(T0.timestamp()) + 7, int(T0.timestamp()) + 47]
        resp = await client.get(f"/admin/events/{seen[-1].id}", headers=ADMIN)
        detail = await resp.json()
        assert resp.status == 200, detail
        (delivery,) = detail["deliveries"]
        assert delivery["state"] == "delivered" and delivery["attempts"] == 3 and delivery["last_status"] == 200
        assert [a["status"] for a in delivery["history"]] == [500, 500, 200]
        assert detail["event"] == seen[-1].to_json()


async def test_a_pending_delivery_is_made_after_a_restart(make_client: Factory, clock: FixedClock,
                                                          tmp_path: Path) -> None:
    async with running(Receiver(status=503)) as rx:
        client, seen = await make_client([{"url": rx.url, "secret": SECRET}], store=tmp_path / "db.sqlite")
        await issue_one(client)
        emitted = {e.id for e in seen}
        await eventually(lambda: all(rx.attempts(i) == [503] for i in emitted))
        await client.close()  # the server stops between attempts (its store stays open: closing it changes nothing)
        rx.status = 200  # the receiver comes back
        client, _ = await make_client([{"url": rx.url, "secret": SECRET}], store=tmp_path / "db.sqlite")
        clock.advance(7)
        await eventually(lambda: set(rx.events) == emitted)
        assert all(rx.attempts(i) == [503, 200] for i in emitted)


async def test_filters_and_per_object_receivers(make_client: Factory) -> None:
    async with (running(Receiver()) as every, running(Receiver()) as credentials, running(Receiver()) as own,
                running(Receiver()) as verifier):
        client, seen = await make_client([
            {"url": every.url, "secret": SECRET},
            {"url": credentials.url, "secret": SECRET, "events": ["credential.*"], "id": "hr"},
        ])
        _, watched = await issue_one(client, webhook={"url": own.url, "secret": SECRET})
        await issue_one(client)
        credential, (key, *_) = await issue_sd_jwt(client)
        pid = await verified_presentation(client, credential, key=key, webhook={"url": verifier.url, "secret": SECRET})
        by_type = {e.id: e.type for e in seen}
        await eventually(lambda: set(every.events) == set(by_type))
        wanted = {i for i, t in by_type.items() if t.startswith("credential.")}
        await eventually(lambda: set(credentials.events) == wanted)
        assert len(credentials.events) == 3
        await eventually(lambda: len(own.events) == 4)
        assert {e["subject_id"] for e in own.events.values()} == {watched["id"]}
        assert sorted(e["type"] for e in own.events.values()) == sorted(
            ["offer.created", "offer.fetched", "token.issued", "credential.issued"])
        await eventually(lambda: len(verifier.events) == 3)
        assert {e["subject_id"] for e in verifier.events.values()} == {pid}
        assert sorted(e["type"] for e in verifier.events.values()) == [
            "presentation.created", "presentation.request_fetched", "presentation.verified"]
        assert all(d.signed for rx in (every, credentials, own, verifier) for d in rx.raw)


async def issue_sd_jwt(client: AppClient) -> tuple[str, Any]:
    key = holder_key()
    token, created = await get_token(client, credential_configuration_id=SD_JWT)
    resp = await credential_request(client, token, key=key, config_id=SD_JWT)
    assert resp.status == 200
    body = await resp.json()
    return body["credentials"][0]["credential"], (key, token, body, created)


DCQL = {"credentials": [{"id": "badge", "format": "dc+sd-jwt",
                         "meta": {"vct_values": ["https://issuer.example/vct/OpenBadgeCredential"]}}]}


async def verified_presentation(client: AppClient, credential: str, *, key: Any = None, ok: bool = True,
                                **extra: Any) -> str:
    resp = await client.post("/admin/presentations", json={"dcql_query": DCQL} | extra, headers=ADMIN)
    assert resp.status == 201, await resp.text()
    created = await resp.json()
    request = await fetch_request(client, created["request_uri"])
    holder = key if ok else holder_key()
    answer = await post_response(client, request, {"badge": [sd_jwt_presentation(credential, holder, request)]})
    assert answer.status == (200 if ok else 400), await answer.text()
    return str(created["id"])


async def test_the_issue_catalogue_reaches_the_receiver(make_client: Factory) -> None:
    async with running(Receiver()) as rx:
        client, seen = await make_client([{"url": rx.url, "secret": SECRET}])
        created = await create_offer(client, tx_code=True)
        offer = await resolve_offer(client, created["offer_uri"])
        code = offer["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]["pre-authorized_code"]
        wrong = "000000" if created["tx_code"] != "000000" else "111111"
        assert (await token_request(client, code, wrong)).status == 400
        token = (await (await token_request(client, code, created["tx_code"])).json())["access_token"]
        bad = await credential_request(client, token, {"credential_configuration_id": "nope", "proofs": {"jwt": ["x"]}})
        assert bad.status == 400
        credential, (key, sd_token, body, _) = await issue_sd_jwt(client)
        resp = await client.post("/notification", headers={"Authorization": f"Bearer {sd_token}"},
                                 json={"notification_id": body["notification_id"], "event": "credential_accepted"})
        assert resp.status == 204
        await verified_presentation(client, credential, key=key)
        await verified_presentation(client, credential, ok=False)
        cid = credential_id(credential)
        revoke = await client.post(f"/admin/credentials/{cid}/revoke", json={"reason": "test"}, headers=ADMIN)
        assert revoke.status == 200
        await eventually(lambda: set(rx.events) == {e.id for e in seen})
        types = {e["type"] for e in rx.events.values()}
        assert {"offer.created", "offer.fetched", "token.issued", "token.failed", "credential.issued",
                "credential.failed", "notification.received", "presentation.verified", "presentation.rejected",
                "credential.revoked"} <= types
        failed = {e["type"]: e["data"] for e in rx.events.values() if e["type"].endswith(".failed")}
        assert failed["token.failed"]["error"] == "invalid_grant"
        assert failed["credential.failed"]["error"] == "unknown_credential_configuration"
        revoked = next(e for e in rx.events.values() if e["type"] == "credential.revoked")
        assert revoked["data"]["credential_id"] == cid and revoked["data"]["reason"] == "test"


async def test_a_stalled_receiver_never_stalls_wallets(make_client: Factory) -> None:
    async with running(Receiver(stall=30)) as rx:
        client, seen = await make_client([{"url": rx.url, "secret": SECRET}])
        slowest = 0.0
        for _ in range(5):
            started = time.monotonic()
            await issue_one(client)
            slowest = max(slowest, time.monotonic() - started)
        await eventually(lambda: len(rx.raw) >= 16)  # a process's concurrency, all hanging on the receiver
        started = time.monotonic()
        await issue_one(client)
        slowest = max(slowest, time.monotonic() - started)
        assert slowest < 1.0, slowest  # whole flows (4 requests each) while deliveries hang
        assert rx.events == {} and len(seen) == 24
        rx.release.set()
        await eventually(lambda: set(rx.events) == {e.id for e in seen})


async def test_gone_gives_up_at_once_and_retries_end(make_client: Factory, clock: FixedClock) -> None:
    async with running(Receiver(status=410)) as gone, running(Receiver(status=500)) as broken:
        client, seen = await make_client([{"url": gone.url, "secret": SECRET, "events": ["offer.created"]},
                                          {"url": broken.url, "secret": SECRET, "events": ["offer.created"]}],
                                         retry_schedule=[1])
        await create_offer(client)
        (event,) = seen
        await eventually(lambda: len(gone.raw) == 1 and len(broken.raw) == 1)
        clock.advance(2)
        await eventually(lambda: len(broken.raw) == 2)

        async def given_up() -> bool:
            detail = await (await client.get(f"/admin/events/{event.id}", headers=ADMIN)).json()
            return all(d["state"] == "failed" for d in detail["deliveries"])

        await eventually(given_up)
        clock.advance(3600)
        await asyncio.sleep(0.2)  # ten polls: nothing is due any more
        assert len(gone.raw) == 1 and len(broken.raw) == 2


async def test_without_webhooks_nothing_is_written(client: AppClient, store: MemoryStore) -> None:
    async def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("an event was written")

    store.record_events = refuse  # type: ignore[method-assign]
    await issue_one(client)
    resp = await client.post("/admin/offers", headers=ADMIN, json={
        "credential_configuration_id": "OpenBadgeCredential_jwt_vc_json", "credential_subject": ACHIEVEMENT_SUBJECT,
        "webhook": {"url": "https://hooks.example/x", "secret": SECRET}})
    assert resp.status == 400 and "outbox" in (await resp.json())["error_description"]
    assert (await client.get("/admin/events/anything", headers=ADMIN)).status == 404


async def test_webhook_input_is_checked(make_client: Factory, aiohttp_client: Callable[..., Awaitable[AppClient]],
                                        settings: Settings, keys: KeyRing, clock: FixedClock) -> None:
    strict = settings.model_copy(update={"events": settings.events.model_copy(update={"outbox": True})})
    client = await aiohttp_client(create_app(strict, store=MemoryStore(), keys=keys, clock=clock,
                                             admin_token=ADMIN_TOKEN))
    base = {"credential_configuration_id": "OpenBadgeCredential_jwt_vc_json",
            "credential_subject": ACHIEVEMENT_SUBJECT}
    for webhook, words in [({"url": "http://hooks.example/x", "secret": SECRET}, "https"),
                           ({"url": "https://hooks.example/x", "secret": "short"}, "secret"),
                           ({"url": "https://u:p@hooks.example/x", "secret": SECRET}, "webhook")]:
        resp = await client.post("/admin/offers", headers=ADMIN, json=base | {"webhook": webhook})
        body = await resp.json()
        assert resp.status == 400 and words in body["error_description"], body
        assert SECRET not in body["error_description"]


async def test_an_unrecorded_event_is_never_acknowledged(make_client: Factory) -> None:
    store = MemoryStore()
    client, _ = await make_client([{"url": "http://127.0.0.1:9/hook", "secret": SECRET}], store=store)
    created = await create_offer(client)
    offer = await resolve_offer(client, created["offer_uri"])
    real = store.record_events

    async def down(*args: Any, **kwargs: Any) -> None:
        raise StoreUnavailableError("down")

    store.record_events = down  # type: ignore[method-assign]
    code = offer["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]["pre-authorized_code"]
    resp = await token_request(client, code)
    assert resp.status == 503  # the token was issued in the store, but the client is not told so without its event
    store.record_events = real  # type: ignore[method-assign]


async def test_a_receiver_that_never_answers_is_cut_at_the_timeout(make_client: Factory, clock: FixedClock) -> None:
    async with running(Receiver(stall=30)) as rx:
        client, seen = await make_client([{"url": rx.url, "secret": SECRET, "events": ["offer.created"]}],
                                         timeout=0.2)
        await create_offer(client)
        (event,) = seen

        async def timed_out() -> bool:
            detail = await (await client.get(f"/admin/events/{event.id}", headers=ADMIN)).json()
            history = detail["deliveries"][0]["history"]
            return bool(history) and history[0]["status"] is None and "TimeoutError" in history[0]["error"]

        await eventually(timed_out)
        rx.release.set()
        rx.stall = 0
        clock.advance(7)
        await eventually(lambda: event.id in rx.events)
