"""The OutboxStore contract on every adapter (memory, SQLite, PostgreSQL): events with their deliveries, claims that
never hand one delivery to two claimers (also across connections), attempts recorded only under a live claim, the
reading order, and retention."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from oid4vc.store.base import (
    DeliveryAttempt,
    DeliveryState,
    EventRecord,
    FinishedAttempt,
    PresentationRecord,
    Store,
    WebhookTarget,
)
from oid4vc.store.memory import MemoryStore
from oid4vc.store.postgres import PostgresStore
from oid4vc.store.sqlite import SqliteStore
from tests.contract.test_store import T0, offer

LEASE = T0 + timedelta(seconds=60)


def event(n: int, subject: str | None = "o1", *, at: timedelta = timedelta(0)) -> EventRecord:
    return EventRecord(f"e{n}", "credential.issued", T0 + at, subject, f"r{n}", {"n": n, "list": [1, None]})


def target(n: int = 1, subject: str = "o1") -> WebhookTarget:
    return WebhookTarget(f"t{n}", subject, f"https://hooks.example/{n}", f"secret-{n}-0123456789abcdefghij", T0)


def attempt(n: int = 1, status: int | None = 500, *, at: timedelta = timedelta(0)) -> DeliveryAttempt:
    return DeliveryAttempt(n, T0 + at, status, None if status == 200 else "HTTP 500", 12)


async def record(store: Store, event: EventRecord, *, target_ids: list[str], now: datetime) -> None:
    await store.record_events([(event, target_ids)], now=now)


async def finish(store: Store, event_id: str, target_id: str, *, claim: str, attempt: DeliveryAttempt,
                 state: DeliveryState, next_attempt_at: datetime | None) -> bool:
    (kept,) = await store.finish_deliveries([FinishedAttempt(event_id, target_id, claim, attempt, state,
                                                             next_attempt_at)])
    return kept


@pytest.fixture
async def twin(store: Store, request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    """A second handle on the same database (its own connection / pool), like another server process."""
    if isinstance(store, MemoryStore):
        pytest.skip("one process only")
    other: Store
    if isinstance(store, SqliteStore):
        other = await SqliteStore.open(tmp_path / "t.db")
    else:
        other = await PostgresStore.open(request.getfixturevalue("postgres_url"))
    yield other
    await other.close()


async def test_event_round_trip_and_order(store: Store) -> None:
    assert await store.last_event_id() is None
    assert await store.events_after(None, limit=10) == []
    for n in range(1, 6):
        await record(store, event(n, subject=None if n == 3 else "o1"), target_ids=[], now=T0)
    assert await store.get_event("e3") == event(3, subject=None)
    assert await store.get_event("nope") is None
    assert await store.last_event_id() == "e5"
    assert [e.id for e in await store.events_after(None, limit=10) or []] == ["e1", "e2", "e3", "e4", "e5"]
    assert [e.id for e in await store.events_after("e2", limit=2) or []] == ["e3", "e4"]
    assert await store.events_after("e5", limit=10) == []
    assert await store.events_after("e2", limit=0) == []
    assert await store.events_after("unknown", limit=10) is None
    with pytest.raises(Exception):
        await record(store, event(1), target_ids=[], now=T0)


async def test_deliveries_for_configured_targets_and_the_subjects_own(store: Store) -> None:
    await store.add_webhook_target(target(1, "o1"))
    await store.add_webhook_target(target(2, "o2"))
    await record(store, event(1, "o1"), target_ids=["cfg-a", "cfg-b", "cfg-a"], now=T0)
    await record(store, event(2, None), target_ids=["cfg-a"], now=T0)
    await record(store, event(3, "o3"), target_ids=[], now=T0)
    first = {d.target_id: d for d in await store.event_deliveries("e1")}
    assert set(first) == {"cfg-a", "cfg-b", "t1"}  # o2's target gets nothing of o1
    assert all(d.state is DeliveryState.PENDING and d.attempts == 0 and d.next_attempt_at == T0 for d in first.values())
    assert [d.target_id for d in await store.event_deliveries("e2")] == ["cfg-a"]
    assert await store.event_deliveries("e3") == []


async def test_claim_counts_an_attempt_and_leases(store: Store) -> None:
    await store.add_webhook_target(target(1))
    await record(store, event(1), target_ids=["cfg"], now=T0)
    assert await store.claim_deliveries(now=T0 - timedelta(seconds=1), lease_until=LEASE, limit=10, claim="c0") == []
    claimed = await store.claim_deliveries(now=T0, lease_until=LEASE, limit=10, claim="c1")
    assert sorted((c.target_id, c.attempt, c.claim) for c in claimed) == [("cfg", 1, "c1"), ("t1", 1, "c1")]
    by_target = {c.target_id: c for c in claimed}
    assert by_target["cfg"].target is None and by_target["t1"].target == target(1)
    assert by_target["cfg"].event == event(1)
    # leased: nobody else gets them until the lease ends, then they are due again (the claimer died)
    assert await store.claim_deliveries(now=T0 + timedelta(seconds=59), lease_until=LEASE, limit=10, claim="c2") == []
    again = await store.claim_deliveries(now=LEASE, lease_until=LEASE + timedelta(seconds=60), limit=1, claim="c3")
    assert len(again) == 1 and again[0].attempt == 2
    # the first claimer comes back too late: nothing it says is written
    stale = again[0].target_id
    assert not await finish(store, "e1", stale, claim="c1", attempt=attempt(1), state=DeliveryState.DELIVERED,
                                           next_attempt_at=None)
    assert await finish(store, "e1", stale, claim="c3", attempt=attempt(2, 200), state=DeliveryState.DELIVERED,
                                       next_attempt_at=None)
    assert not await finish(store, "e1", stale, claim="c3", attempt=attempt(3, 200),
                                           state=DeliveryState.DELIVERED, next_attempt_at=None)  # once


async def test_finish_records_every_attempt_and_reschedules(store: Store) -> None:
    await record(store, event(1), target_ids=["cfg"], now=T0)
    for n in (1, 2):
        (claimed,) = await store.claim_deliveries(now=T0 + timedelta(seconds=10 * n), lease_until=LEASE, limit=5,
                                                  claim=f"c{n}")
        assert claimed.attempt == n
        assert await finish(store, "e1", "cfg", claim=f"c{n}", attempt=attempt(n, at=timedelta(seconds=10 * n)),
                                           state=DeliveryState.PENDING, next_attempt_at=T0 + timedelta(seconds=15 * n))
        (pending,) = await store.event_deliveries("e1")
        assert pending.state is DeliveryState.PENDING and pending.next_attempt_at == T0 + timedelta(seconds=15 * n)
    (claimed,) = await store.claim_deliveries(now=T0 + timedelta(seconds=30), lease_until=LEASE, limit=5, claim="c3")
    assert await finish(store, "e1", "cfg", claim="c3", attempt=attempt(3, 200, at=timedelta(seconds=30)),
                                       state=DeliveryState.DELIVERED, next_attempt_at=None)
    (done,) = await store.event_deliveries("e1")
    assert done.state is DeliveryState.DELIVERED and done.attempts == 3 and done.next_attempt_at is None
    assert done.delivered_at == T0 + timedelta(seconds=30) and done.last_status == 200 and done.last_error is None
    assert [(a.attempt, a.status, a.error, a.duration_ms) for a in done.history] == [
        (1, 500, "HTTP 500", 12), (2, 500, "HTTP 500", 12), (3, 200, None, 12)]
    assert done.history[0].at == T0 + timedelta(seconds=10)
    assert await store.claim_deliveries(now=LEASE + timedelta(days=1), lease_until=LEASE + timedelta(days=2),
                                        limit=5, claim="c4") == []  # delivered: never again


async def test_failed_is_final(store: Store) -> None:
    await record(store, event(1), target_ids=["cfg"], now=T0)
    await store.claim_deliveries(now=T0, lease_until=LEASE, limit=5, claim="c1")
    assert await finish(store, "e1", "cfg", claim="c1", attempt=attempt(1, 410), state=DeliveryState.FAILED,
                                       next_attempt_at=None)
    (failed,) = await store.event_deliveries("e1")
    assert failed.state is DeliveryState.FAILED and failed.last_status == 410 and failed.next_attempt_at is None
    assert await store.claim_deliveries(now=LEASE + timedelta(days=1), lease_until=LEASE + timedelta(days=2), limit=5,
                                        claim="c2") == []


async def test_claims_oldest_first_up_to_the_limit(store: Store) -> None:
    for n in range(1, 6):
        await record(store, event(n), target_ids=["cfg"], now=T0 + timedelta(seconds=5 - n))
    claimed = await store.claim_deliveries(now=T0 + timedelta(seconds=10), lease_until=LEASE, limit=3, claim="c")
    assert sorted(c.event.id for c in claimed) == ["e3", "e4", "e5"]  # the three due longest


async def test_concurrent_claims_never_share_a_delivery(store: Store) -> None:
    for n in range(40):
        await record(store, event(n), target_ids=["a", "b"], now=T0)
    batches = await asyncio.gather(*(
        store.claim_deliveries(now=T0, lease_until=LEASE, limit=7, claim=f"c{i}") for i in range(20)
    ))
    taken = [(c.event.id, c.target_id) for batch in batches for c in batch]
    assert len(taken) == len(set(taken)) == 80


async def test_two_connections_claim_disjoint_sets(store: Store, twin: Store) -> None:
    """Two server processes polling the same database: every due delivery goes to exactly one of them."""
    for n in range(60):
        await record(store, event(n), target_ids=["a", "b"], now=T0)

    async def drain(s: Store, name: str) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        for i in range(40):
            batch = await s.claim_deliveries(now=T0, lease_until=LEASE, limit=4, claim=f"{name}{i}")
            out += [(c.event.id, c.target_id) for c in batch]
            await asyncio.sleep(0)
        return out

    first, second = await asyncio.gather(drain(store, "x"), drain(twin, "y"))
    assert set(first).isdisjoint(second)
    assert len(first) + len(second) == len(set(first) | set(second)) == 120  # (SQLite's lock may favour one)


async def test_purge_keeps_pending_and_recent(store: Store) -> None:
    await store.create_offer(offer(1))
    await store.create_presentation(PresentationRecord("p1", T0, T0 + timedelta(minutes=5), {"nonce": "n"}))
    for t in (target(1, "o1"), target(2, "gone"), target(3, "p1"), target(4, "gone-but-waiting")):
        await store.add_webhook_target(t)
    await record(store, event(1, "o1"), target_ids=["cfg"], now=T0)  # old, delivered
    await record(store, event(2, None), target_ids=[], now=T0)  # old, no deliveries
    await record(store, event(3, "gone-but-waiting"), target_ids=[], now=T0)  # old, pending
    await record(store, event(4, None, at=timedelta(days=8)), target_ids=["cfg"], now=T0)  # recent
    for c in await store.claim_deliveries(now=T0, lease_until=LEASE, limit=10, claim="c"):
        if c.event.id == "e1":
            await finish(store, "e1", c.target_id, claim="c", attempt=attempt(1, 200),
                                        state=DeliveryState.DELIVERED, next_attempt_at=None)
    assert await store.purge_events(before=T0 + timedelta(days=7)) == 2
    assert await store.get_event("e1") is None and await store.get_event("e2") is None
    assert await store.event_deliveries("e1") == []
    assert await store.get_event("e3") is not None and await store.get_event("e4") is not None
    assert await store.events_after("e1", limit=5) is None
    # targets of objects that still exist, and of pending deliveries, stay
    await record(store, event(5, "o1"), target_ids=[], now=T0 + timedelta(days=8))
    await record(store, event(6, "p1"), target_ids=[], now=T0 + timedelta(days=8))
    await record(store, event(7, "gone"), target_ids=[], now=T0 + timedelta(days=8))
    assert [d.target_id for d in await store.event_deliveries("e5")] == ["t1"]
    assert [d.target_id for d in await store.event_deliveries("e6")] == ["t3"]
    assert await store.event_deliveries("e7") == []


async def test_postgres_readers_never_skip_a_slower_writer(store: Store, request: pytest.FixtureRequest) -> None:
    """A transaction that drew its event number earlier but commits later: readers wait for it, then see it first,
    so a reader that follows the last id it saw misses nothing."""
    if not isinstance(store, PostgresStore):
        pytest.skip("SQLite and memory write one transaction at a time")
    await record(store, event(1), target_ids=[], now=T0)
    slow = await asyncpg.connect(request.getfixturevalue("postgres_url"))
    try:
        tx = slow.transaction()
        await tx.start()
        await slow.execute("INSERT INTO events (id, type, at, subject_id, request_id, data) "
                           "VALUES ('slow', 'offer.created', $1, NULL, 'r', '{}')", T0)
        await record(store, event(2), target_ids=[], now=T0)  # committed while 'slow' is still open
        assert [e.id for e in await store.events_after("e1", limit=10) or []] == []
        assert await store.last_event_id() == "e1"
        await tx.commit()
    finally:
        await slow.close()
    assert [e.id for e in await store.events_after("e1", limit=10) or []] == ["slow", "e2"]


async def test_batches_are_all_or_nothing(store: Store) -> None:
    await store.record_events([(event(1), ["a"]), (event(2), ["a", "b"]), (event(3, None), [])], now=T0)
    assert [e.id for e in await store.events_after(None, limit=10) or []] == ["e1", "e2", "e3"]
    with pytest.raises(Exception):
        await store.record_events([(event(4), ["a"]), (event(2), ["a"])], now=T0)  # e2 again: nothing is written
    assert await store.get_event("e4") is None and await store.event_deliveries("e4") == []
    claimed = await store.claim_deliveries(now=T0, lease_until=LEASE, limit=10, claim="c")
    assert len(claimed) == 3
    outcomes = [FinishedAttempt(c.event.id, c.target_id, "c", attempt(1, 200), DeliveryState.DELIVERED)
                for c in claimed]
    outcomes[1] = FinishedAttempt(claimed[1].event.id, claimed[1].target_id, "someone-else", attempt(1, 200),
                                  DeliveryState.DELIVERED)
    assert await store.finish_deliveries(outcomes) == [True, False, True]
    assert await store.finish_deliveries([]) == []
    states = {(d.event_id, d.target_id): d.state for e in ("e1", "e2") for d in await store.event_deliveries(e)}
    assert sorted(states.values()) == [DeliveryState.DELIVERED, DeliveryState.DELIVERED, DeliveryState.PENDING]
