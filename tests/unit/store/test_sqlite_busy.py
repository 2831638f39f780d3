"""The SQLite adapter never blocks the event loop on a database another process holds locked: it waits with
asyncio backoff while the loop keeps running, and reports a lock that outlasts the retry window as
StoreUnavailableError (a 503), for single statements and for transactions alike."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from oid4vc.store import sqlite as sqlite_store
from oid4vc.store.base import StoreUnavailableError
from oid4vc.store.sqlite import SqliteStore

pytestmark = pytest.mark.asyncio
NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)


def _lock(path: Path) -> sqlite3.Connection:
    """Another writer (as a second process would be) holding SQLite's write lock."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    return other


async def test_a_locked_database_is_waited_for_while_the_loop_keeps_running(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    store = await SqliteStore.open(path)
    try:
        other = _lock(path)
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.005)
                ticks += 1

        running = asyncio.create_task(ticker())
        asyncio.get_running_loop().call_later(0.3, other.rollback)
        # a single statement
        assert await store.consume_nonce("n1", expires_at=NOW + timedelta(minutes=5), now=NOW)
        await store.record_issuance("tok", "cfg", [])  # a transaction (BEGIN IMMEDIATE)
        running.cancel()
        assert ticks >= 20  # the loop ran all along (a blocking wait would have starved the ticker)
        assert not await store.consume_nonce("n1", expires_at=NOW + timedelta(minutes=5), now=NOW)  # it was written
        other.close()
    finally:
        await store.close()


async def test_a_lock_that_outlasts_the_retry_window_is_store_unavailable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "s.db"
    store = await SqliteStore.open(path)
    monkeypatch.setattr(sqlite_store, "BUSY_RETRY_SECONDS", 0.2)
    other = _lock(path)
    try:
        with pytest.raises(StoreUnavailableError):
            await store.consume_nonce("n1", expires_at=NOW + timedelta(minutes=5), now=NOW)
        with pytest.raises(StoreUnavailableError):
            await store.record_issuance("tok", "cfg", [])
        other.rollback()
        assert await store.record_issuance("tok", "cfg", [])  # usable again once the lock is gone
        assert await store.consume_nonce("n1", expires_at=NOW + timedelta(minutes=5), now=NOW)  # nothing was written
    finally:
        other.close()
        await store.close()
