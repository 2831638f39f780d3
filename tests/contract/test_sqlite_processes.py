"""Single use across processes: two OS processes share one SQLite file (the guarantee issue #8 relies on)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from oid4vc.store.base import RedeemOutcome
from oid4vc.store.sqlite import SqliteStore
from tests.contract.test_store import offer

WORKER = """
import asyncio, sys
from datetime import timedelta
from oid4vc.store.sqlite import SqliteStore
from tests.contract.test_store import T0, token

async def main(path, tag):
    store = await SqliteStore.open(path)
    async def one(i):
        r = await store.redeem_pre_authorized_code("code1", tx_code_hash=None, now=T0, max_tx_code_attempts=5,
                                                   access_token=token(tag * 1000 + i))
        return r.outcome.value
    outcomes = await asyncio.gather(*(one(i) for i in range(25)))
    expires = T0 + timedelta(minutes=1)
    nonces = await asyncio.gather(*(store.consume_nonce("n1", expires_at=expires, now=T0) for _ in range(25)))
    print(outcomes.count("redeemed"), nonces.count(True))
    await store.close()

asyncio.run(main(sys.argv[1], int(sys.argv[2])))
"""


async def test_two_processes_redeem_one_code_once(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    store = await SqliteStore.open(path)
    await store.create_offer(offer())
    await store.close()
    procs = [
        await asyncio.create_subprocess_exec(sys.executable, "-c", WORKER, str(path), str(tag),
                                             stdout=asyncio.subprocess.PIPE, cwd=Path(__file__).parents[2])
        for tag in (1, 2)
    ]
    outputs = [(await p.communicate())[0].decode().split() for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert sum(int(o[0]) for o in outputs) == 1  # one token for one code
    assert sum(int(o[1]) for o in outputs) == 1  # one use for one nonce
    store = await SqliteStore.open(path)
    got = await store.get_offer("o1")
    await store.close()
    assert got is not None and got.state.value == "redeemed"
    assert RedeemOutcome.REDEEMED.value == "redeemed"
