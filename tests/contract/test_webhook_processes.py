"""Webhooks across real server processes (issue #7), on SQLite and PostgreSQL: ``oid4vc serve --workers 2`` records
every event before answering, two workers deliver without ever both taking one delivery, and after the whole server
is killed (SIGKILL, receiver down, deliveries pending) a new server on the same database delivers every event:
the receiver, de-duplicating by ``webhook-id``, ends with exactly the set of stored events, each accepted once."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Generator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from oid4vc.store.base import DeliveryRecord, EventRecord, Store
from oid4vc.store.postgres import PostgresStore
from oid4vc.store.sqlite import SqliteStore
from tests.contract.conftest import PostgresServer
from tests.contract.test_faults import CONFIG, _children, _flow
from tests.contract.test_workers import ADMIN, SUBJECT, Served, _serve
from tests.support.webhooks import SECRET, Receiver, eventually, running

FLOWS = 12


def _config(path: Path, receiver: str) -> Path:
    path.write_text(
        "[server]\ndev_mode = true\n\n"
        "[events]\nretry_schedule = [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]\npoll_interval = 0.1\n"
        "timeout = 1\n\n"
        f'[[webhooks]]\nurl = "{receiver}"\nsecret_env = "TEST_WEBHOOK_SECRET"\n',
        encoding="utf-8",
    )
    return path


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgres":
        server: PostgresServer = request.getfixturevalue("postgres_server")
        return server.create_database()
    return f"sqlite:///{tmp_path / 'shared.db'}"


def _start(tmp_path: Path, store_url: str, config: Path) -> Generator[Served, None, None]:
    return _serve(tmp_path, store_url, "--config", str(config), env={"TEST_WEBHOOK_SECRET": SECRET})


async def _stored(store_url: str) -> list[EventRecord]:
    store: Store = (await PostgresStore.open(store_url) if store_url.startswith("postgresql")
                    else await SqliteStore.open(store_url.removeprefix("sqlite:///")))
    try:
        return list(await store.events_after(None, limit=100_000) or [])
    finally:
        await store.close()


async def test_killed_server_leaves_nothing_undelivered(tmp_path: Path, store_url: str) -> None:
    async with running(Receiver(status=503)) as rx:
        config = _config(tmp_path / "oid4vc.toml", rx.url)
        first = _start(tmp_path, store_url, config)
        served = await asyncio.to_thread(next, first)  # blocking waits off the loop: the receiver lives on it
        outcomes: list[dict[str, Any]] = [{} for _ in range(FLOWS)]
        async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {ADMIN}"}) as s:
            offers = []
            for _ in range(FLOWS):
                async with s.post(f"{served.base}/admin/offers",
                                  json={"credential_configuration_id": CONFIG, "credential_subject": SUBJECT}) as r:
                    assert r.status == 201
                    offers.append(await r.json())
        await asyncio.gather(*(_flow(served.base, o, out) for o, out in zip(offers, outcomes, strict=True)))
        issued = {out["credential_id"] for out in outcomes if "credential_id" in out}
        assert len(issued) == FLOWS
        stored = await _stored(store_url)
        ids = {e.id for e in stored}
        assert len(stored) == 4 * FLOWS  # offer.created, offer.fetched, token.issued, credential.issued
        assert {e.data["credential_id"] for e in stored if e.type == "credential.issued"} == issued
        await eventually(lambda: {d.id for d in rx.raw} == ids, within=20)  # tried, refused: pending
        for pid in [*_children(served.proc.pid), served.proc.pid]:
            os.kill(pid, signal.SIGKILL)  # the whole server dies, deliveries pending
        await asyncio.to_thread(served.proc.wait, 10)
        await asyncio.to_thread(first.close)
        refused = len(rx.raw)
        rx.status = 200  # the receiver recovers
        second = _start(tmp_path, store_url, config)
        await asyncio.to_thread(next, second)
        try:
            await eventually(lambda: set(rx.events) == ids, within=60)  # a claim cut by the kill waits for its lease

            async def recorded() -> bool:
                return {(d.state.value, d.last_status) for d in await _deliveries(store_url, ids)} == {
                    ("delivered", 200)}

            await eventually(recorded, within=30, step=0.2)
        finally:
            await asyncio.to_thread(second.close)
        assert all(d.signed for d in rx.raw)
        assert {e["id"] for e in rx.events.values()} == ids  # de-duplicated by webhook-id: exactly the stored events
        assert refused >= len(ids) and len(rx.raw) > len(ids)  # retries did happen
        twice = [i for i in ids if rx.attempts(i).count(200) > 1]  # at least once: only when an answer came too late
        assert not twice, f"{len(twice)} events accepted twice"


async def _deliveries(store_url: str, ids: set[str]) -> list[DeliveryRecord]:
    store: Store = (await PostgresStore.open(store_url) if store_url.startswith("postgresql")
                    else await SqliteStore.open(store_url.removeprefix("sqlite:///")))
    try:
        return [d for i in sorted(ids) for d in await store.event_deliveries(i)]
    finally:
        await store.close()
