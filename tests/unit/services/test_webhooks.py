"""The outbox's group commit and the dispatcher's decisions, with a fake receiver (``Poster``) and a memory store."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from oid4vc.clock import FixedClock
from oid4vc.config import EventsSettings
from oid4vc.fetch.base import FetchError, Posted
from oid4vc.services.events import Event
from oid4vc.services.randomness import SystemRandomness
from oid4vc.services.webhooks import ConfiguredTarget, Outbox, WebhookDispatcher, webhook_body
from oid4vc.store.base import DeliveryState, EventRecord, StoreUnavailableError
from oid4vc.store.memory import MemoryStore
from oid4vc.webhooks.signature import verify

T0 = datetime(2026, 1, 1, tzinfo=UTC)
KEY = b"k" * 32


class CountingStore(MemoryStore):
    def __init__(self) -> None:
        super().__init__()
        self.batches: list[int] = []
        self.fail = False

    async def record_events(self, events: Sequence[tuple[EventRecord, Sequence[str]]], *, now: datetime) -> None:
        self.batches.append(len(events))
        await asyncio.sleep(0.01)  # a commit takes a while: later callers gather behind it
        if self.fail:
            raise StoreUnavailableError("down")
        await super().record_events(events, now=now)


class FakePoster:
    def __init__(self, answers: list[int | Exception], headers: Mapping[str, str] | None = None) -> None:
        self.answers, self.headers = answers, dict(headers or {})
        self.requests: list[tuple[str, bytes, dict[str, str]]] = []

    async def post(self, url: str, body: bytes, *, headers: Mapping[str, str]) -> Posted:
        self.requests.append((url, body, dict(headers)))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return Posted(answer, self.headers)


def outbox(store: MemoryStore, clock: FixedClock) -> Outbox:
    targets = {"all": ConfiguredTarget("all", "https://h.example/a", KEY),
               "cred": ConfiguredTarget("cred", "https://h.example/c", KEY, ("credential.*",))}
    return Outbox(store, targets, clock, SystemRandomness())


async def test_concurrent_events_share_a_transaction() -> None:
    store, clock = CountingStore(), FixedClock(T0)
    box = outbox(store, clock)
    events = [Event("credential.issued" if i % 2 else "offer.created", T0, {"i": i}, "o1") for i in range(20)]
    await asyncio.gather(*(box.record(e) for e in events))
    assert sum(store.batches) == 20 and len(store.batches) <= 3  # the first alone, then the rest together
    deliveries = {e.id: {d.target_id for d in await store.event_deliveries(e.id)} for e in events}
    assert all(deliveries[e.id] == ({"all", "cred"} if e.type.startswith("credential.") else {"all"}) for e in events)


async def test_a_failed_commit_fails_every_caller_in_it() -> None:
    store, clock = CountingStore(), FixedClock(T0)
    store.fail = True
    box = outbox(store, clock)
    results = await asyncio.gather(*(box.record(Event("offer.created", T0, {}, "o1")) for _ in range(5)),
                                   return_exceptions=True)
    assert all(isinstance(r, StoreUnavailableError) for r in results)
    store.fail = False
    await box.record(Event("offer.created", T0, {}, "o1"))  # and the next one works


def dispatcher(store: MemoryStore, poster: FakePoster, clock: FixedClock, **settings: Any) -> WebhookDispatcher:
    return WebhookDispatcher(store, poster, {"all": ConfiguredTarget("all", "https://h.example/a", KEY)}, clock,
                             SystemRandomness(), EventsSettings(**settings))


async def attempt_all(d: WebhookDispatcher, store: MemoryStore, clock: FixedClock) -> None:
    for claimed in await store.claim_deliveries(now=clock.now(), lease_until=clock.now() + d.lease, limit=10,
                                                claim="c"):
        await d.attempt(claimed)
    await d._record()


@pytest.mark.parametrize(("answers", "states"), [
    ([204], ["delivered"]),
    ([410], ["failed"]),
    ([500, 500, 200], ["pending", "pending", "delivered"]),
    ([500, FetchError("no answer"), 500], ["pending", "pending", "failed"]),
])
async def test_decisions(answers: list[int | Exception], states: list[str]) -> None:
    store, clock = MemoryStore(), FixedClock(T0)
    event = Event("offer.created", T0, {"n": 1}, "o1")
    await store.record_events([(event.record(), ["all"])], now=T0)
    poster = FakePoster(list(answers))
    d = dispatcher(store, poster, clock, retry_schedule=(5, 30))
    seen = []
    for _ in states:
        await attempt_all(d, store, clock)
        (delivery,) = await store.event_deliveries(event.id)
        seen.append(delivery.state.value)
        clock.advance(40)
    assert seen == states
    url, body, headers = poster.requests[0]
    assert url == "https://h.example/a" and body == webhook_body(event)
    assert headers["webhook-id"] == event.id and headers["Content-Type"] == "application/json"
    assert verify(KEY, headers, body, now=int(T0.timestamp()))


async def test_retry_after_and_jitter_bounds() -> None:
    store, clock = MemoryStore(), FixedClock(T0)
    event = Event("offer.created", T0, {}, "o1")
    await store.record_events([(event.record(), ["all"])], now=T0)
    d = dispatcher(store, FakePoster([429], {"Retry-After": "120"}), clock, retry_schedule=(5,))
    await attempt_all(d, store, clock)
    (delivery,) = await store.event_deliveries(event.id)
    assert delivery.state is DeliveryState.PENDING and delivery.next_attempt_at == T0 + timedelta(seconds=120)
    assert delivery.last_status == 429 and delivery.last_error == "HTTP 429"


async def test_an_unknown_target_is_given_up() -> None:
    store, clock = MemoryStore(), FixedClock(T0)
    event = Event("offer.created", T0, {}, "o1")
    await store.record_events([(event.record(), ["removed"])], now=T0)
    poster = FakePoster([])
    await attempt_all(dispatcher(store, poster, clock), store, clock)
    (delivery,) = await store.event_deliveries(event.id)
    assert delivery.state is DeliveryState.FAILED and "no longer configured" in (delivery.last_error or "")
    assert poster.requests == []
