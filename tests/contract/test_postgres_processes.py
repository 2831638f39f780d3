"""PostgreSQL store beyond the shared contract: single use across OS processes, concurrent start-up migrations,
pool options from the URL, and riding over a server restart (issue #8)."""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from pathlib import Path

import pytest

from oid4vc.store.base import OfferState, RedeemOutcome
from oid4vc.store.postgres import PoolOptions, PostgresStore, PostgresUnavailableError
from oid4vc.store.schema import migrations
from tests.contract.conftest import PostgresServer
from tests.contract.test_store import T0, offer, redeem

# Each worker opens the store, says "ready", waits for "go" so both processes really overlap, then runs 100
# concurrent redemptions of code1 and 100 concurrent uses of nonce n1 (200 in all: exactly one records it).
WORKER = """
import asyncio, sys, time
from datetime import timedelta
from oid4vc.store.postgres import PostgresStore
from tests.contract.test_store import T0, token

async def main(url, tag):
    store = await PostgresStore.open(url)
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    async def one(i):
        r = await store.redeem_pre_authorized_code("code1", tx_code_hash=None, now=T0, max_tx_code_attempts=5,
                                                   access_token=token(tag * 1000 + i))
        return r.outcome.value
    started = time.perf_counter()
    outcomes = await asyncio.gather(*(one(i) for i in range(100)))
    elapsed = time.perf_counter() - started
    expires = T0 + timedelta(minutes=5)
    nonces = await asyncio.gather(*(store.consume_nonce("n1", expires_at=expires, now=T0) for _ in range(100)))
    losers_told = set(outcomes) <= {"redeemed", "already_redeemed"}
    print(outcomes.count("redeemed"), nonces.count(True), losers_told, f"{elapsed:.4f}", flush=True)
    await store.close()

asyncio.run(main(sys.argv[1], int(sys.argv[2])))
"""


def test_migrations_are_numbered_in_order() -> None:
    versions = [v for v, _ in migrations("postgres")]
    assert versions == sorted(versions) and versions[0] == 1 and len(set(versions)) == len(versions)
    assert versions == [v for v, _ in migrations("sqlite")]  # both dialects describe the same schema history


def test_pool_options_come_from_the_url_and_the_rest_goes_to_asyncpg() -> None:
    dsn, options = PoolOptions.split_url(
        "postgresql://u:p@db:5433/x?pool_min_size=2&sslmode=disable&pool_max_size=4&command_timeout=1.5"
    )
    assert dsn == "postgresql://u:p@db:5433/x?sslmode=disable"
    assert options == PoolOptions(min_size=2, max_size=4, command_timeout=1.5)
    assert PoolOptions.split_url("postgres://db/x") == ("postgres://db/x", PoolOptions())
    for bad in ("postgresql://db/x?pool_max_size=many", "postgresql://db/x?pool_min_size=3&pool_max_size=2",
                "postgresql://db/x?connect_timeout=0", "mysql://db/x"):
        with pytest.raises(ValueError) as info:
            PoolOptions.split_url(bad)
        assert "db/x" not in str(info.value)  # the URL may carry a password: never echo it


async def test_two_processes_redeem_one_code_once(postgres_url: str) -> None:
    store = await PostgresStore.open(postgres_url)
    await store.create_offer(offer())
    procs = [
        await asyncio.create_subprocess_exec(sys.executable, "-c", WORKER, postgres_url, str(tag),
                                             stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                                             cwd=Path(__file__).parents[2])
        for tag in (1, 2)
    ]
    for p in procs:
        assert p.stdout is not None and (await p.stdout.readline()).strip() == b"ready"
    outputs = [(await p.communicate(b"go\n"))[0].decode().split() for p in procs]
    print("redemption seconds per process:", [o[3] for o in outputs])  # shown with pytest -s
    assert all(p.returncode == 0 for p in procs), outputs
    assert sum(int(o[0]) for o in outputs) == 1  # one token for one code, over 200 attempts
    assert sum(int(o[1]) for o in outputs) == 1  # one use for one nonce, over 200 attempts
    assert all(o[2] == "True" for o in outputs)  # every loser was told "already redeemed"
    got = await store.get_offer("o1")
    tokens = [await store.get_token_offer(f"tok{tag * 1000 + i}", now=T0) for tag in (1, 2) for i in range(100)]
    await store.close()
    assert got is not None and got.state is OfferState.REDEEMED
    assert sum(t is not None for t in tokens) == 1


async def test_stores_starting_at_once_apply_each_migration_once(
    postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="oid4vc.store.postgres")
    stores = await asyncio.gather(*(PostgresStore.open(postgres_url) for _ in range(4)))
    applied = [r.getMessage().rsplit("=", 1)[1] for r in caplog.records if "migrations_applied" in r.getMessage()]
    every = str([v for v, _ in migrations("postgres")])
    assert sorted(applied) == sorted([every, "none", "none", "none"])
    await stores[0].create_offer(offer())
    assert await stores[3].get_offer("o1") == offer()
    for s in stores:
        await s.close()


async def test_store_survives_a_server_restart(
    postgres_server: PostgresServer, caplog: pytest.LogCaptureFixture
) -> None:
    store = await PostgresStore.open(postgres_server.create_database() + "?pool_min_size=2&connect_timeout=2")
    try:
        await store.create_offer(offer())
        await asyncio.to_thread(postgres_server.stop)
        try:
            # During the outage every kind of operation fails fast with one clear error, instead of hanging.
            started = time.monotonic()
            with pytest.raises(PostgresUnavailableError, match="PostgreSQL is unavailable"):
                await asyncio.wait_for(store.get_offer("o1"), timeout=10)
            with pytest.raises(PostgresUnavailableError):
                await asyncio.wait_for(redeem(store, "code1"), timeout=10)
            with pytest.raises(PostgresUnavailableError):
                await asyncio.wait_for(store.consume_nonce("n", expires_at=offer().expires_at, now=T0), timeout=10)
            assert time.monotonic() - started < 5
        finally:
            await asyncio.to_thread(postgres_server.start)
        assert await store.get_offer("o1") == offer()  # the pool reconnected; the failed redemption wrote nothing

        # A restart the event loop never saw (it is blocked here): pooled connections look open until used.
        # The first statement on one fails before anything commits, so the store retries on a new connection.
        caplog.set_level(logging.WARNING, logger="oid4vc.store.postgres")
        postgres_server.stop()
        postgres_server.start()
        assert await redeem(store, "code1") is RedeemOutcome.REDEEMED
        assert any("connection lost" in r.getMessage() for r in caplog.records)
        assert await redeem(store, "code1", n=2) is RedeemOutcome.ALREADY_REDEEMED
    finally:
        await store.close()


async def test_unreachable_server_fails_open_quickly(postgres_server: PostgresServer) -> None:
    url = postgres_server.url("postgres").replace(f":{postgres_server.port}/", ":1/") + "?connect_timeout=2"
    with pytest.raises(PostgresUnavailableError):
        await asyncio.wait_for(PostgresStore.open(url), timeout=10)
