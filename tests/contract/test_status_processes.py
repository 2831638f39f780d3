"""10,000 status entries allocated by 2 OS processes sharing one database never share an index (issue #8), on
SQLite and PostgreSQL, with list roll-over happening under contention."""

from __future__ import annotations

import asyncio
import itertools
import json
import sys
from pathlib import Path

import pytest

from tests.contract.conftest import PostgresServer

WORKER = """
import asyncio, json, os, secrets, sys
from datetime import UTC, datetime
from oid4vc.status.allocation import IndexPermutation
from oid4vc.store.base import NewStatusList, StatusKind

async def main(url, n, size):
    if url.startswith("postgresql://"):
        from oid4vc.store.postgres import PostgresStore
        store = await PostgresStore.open(url)
    else:
        from oid4vc.store.sqlite import SqliteStore
        store = await SqliteStore.open(url.removeprefix("sqlite:///"))
    sem = asyncio.Semaphore(16)
    out = []
    async def one():
        async with sem:
            [slot] = await store.allocate_status(scope="s", kind=StatusKind.BITSTRING, size=size, count=1,
                                                 now=datetime.now(UTC),
                                                 new_list=lambda: NewStatusList(secrets.token_hex(8), os.urandom(32)))
            out.append((slot.list_id, IndexPermutation(slot.key, slot.size).index(slot.counter), slot.counter))
    await asyncio.gather(*(one() for _ in range(n)))
    await store.close()
    print(json.dumps(out))

asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
"""


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgres":
        server: PostgresServer = request.getfixturevalue("postgres_server")
        url = server.create_database()
    else:
        url = f"sqlite:///{tmp_path / 'status.db'}"
    # create the schema once before the race (as the --workers supervisor does)
    code = (
        "import asyncio,sys\nfrom oid4vc.config import load_settings\nfrom oid4vc.web.app import open_store\n"
        "async def m():\n s=await open_store(load_settings(overrides={'store':{'url':sys.argv[1]}},environ={}))\n"
        " await s.close()\nasyncio.run(m())"
    )
    import subprocess

    subprocess.run([sys.executable, "-c", code, url], check=True, cwd=Path(__file__).parents[2], timeout=60)
    return url


async def test_ten_thousand_allocations_across_two_processes_never_share_an_index(store_url: str) -> None:
    size = 4096  # small lists, so several fill up and roll over while both processes allocate
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            WORKER,
            store_url,
            "5000",
            str(size),
            stdout=asyncio.subprocess.PIPE,
            cwd=Path(__file__).parents[2],
        )
        for _ in range(2)
    ]
    outputs = [json.loads((await p.communicate())[0]) for p in procs]
    assert all(p.returncode == 0 for p in procs)
    entries = [(list_id, idx) for out in outputs for list_id, idx, _ in out]
    assert len(entries) == 10_000
    assert len(set(entries)) == 10_000  # never one index twice
    lists = {list_id for list_id, _ in entries}
    assert len(lists) == 3  # 10,000 / 4,096 -> three lists, no spare list started by the race
    per_list: dict[str, list[int]] = {}
    for out in outputs:
        for list_id, idx, counter in out:
            per_list.setdefault(list_id, []).append(counter)
    for counters in per_list.values():
        assert sorted(counters) == list(range(len(counters)))  # counters hand out 0..n-1 with no gap or repeat
    first_list = sorted(per_list, key=lambda k: -len(per_list[k]))[0]
    indexes = [idx for list_id, idx in entries if list_id == first_list]
    sequential = sum(1 for a, b in itertools.pairwise(indexes) if b == a + 1)
    assert sequential < len(indexes) // 20  # unpredictable, not handed out in order
