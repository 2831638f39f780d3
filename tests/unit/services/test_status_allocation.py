"""StatusService allocation: counters are taken from the store ``status.allocation_block`` at a time and handed out
in order; several services sharing one store (several processes) never hand out the same entry."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from oid4vc.clock import FixedClock
from oid4vc.config import Settings, load_settings
from oid4vc.crypto.keystore import KeyRing
from oid4vc.formats.registry import build_formats
from oid4vc.services.randomness import SystemRandomness
from oid4vc.services.status import StatusService
from oid4vc.store.base import StatusKind
from oid4vc.store.memory import MemoryStore
from tests.conftest import PUBLIC_URL, T0


def _settings(tmp_path: Any, block: int) -> Settings:
    return load_settings(
        overrides={
            "server": {"public_url": PUBLIC_URL, "data_dir": str(tmp_path), "jsonld_workers": 0},
            "status": {"allocation_block": block},
        },
        environ={},
    )


def _service(settings: Settings, store: MemoryStore, keys: KeyRing) -> StatusService:
    formats = build_formats(public_url=settings.public_url, jsonld_executor=None)
    return StatusService(settings=settings, store=store, keys=keys, ldp=formats["ldp_vc"], clock=FixedClock(T0),
                         random=SystemRandomness())


async def _counter(store: MemoryStore, list_id: str) -> int:
    record = await store.get_status_list(list_id)
    assert record is not None
    return record.counter


async def test_one_store_write_per_block_and_entries_in_counter_order(tmp_path: Any) -> None:
    store, keys = MemoryStore(), KeyRing.ephemeral()
    service = _service(_settings(tmp_path, 4), store, keys)
    issued = [s for _ in range(6) for s in await service.allocate("token", 1, now=T0)]
    refs = [s.ref for s in issued]
    assert await _counter(store, refs[0].list_id) == 8  # two blocks of 4 taken for 6 credentials
    assert len({r.list_id for r in refs}) == 1 and len({r.idx for r in refs}) == 6
    permutation = service._permutations[refs[0].list_id]
    assert [permutation.counter(r.idx) for r in refs] == list(range(6))  # handed out in the store's order
    assert issued[0].entry == {"status_list": {"idx": refs[0].idx, "uri": service.list_url(refs[0].list_id, "token")}}


async def test_a_batch_larger_than_a_block_takes_what_it_needs(tmp_path: Any) -> None:
    store, keys = MemoryStore(), KeyRing.ephemeral()
    service = _service(_settings(tmp_path, 4), store, keys)
    first = await service.allocate("token", 1, now=T0)
    batch = await service.allocate("token", 10, now=T0)
    assert len(batch) == 10 and len({s.ref.idx for s in first + batch}) == 11
    assert await _counter(store, first[0].ref.list_id) == 11  # 4, then the 10 - 3 still missing


async def test_block_of_one_writes_per_credential(tmp_path: Any) -> None:
    store, keys = MemoryStore(), KeyRing.ephemeral()
    service = _service(_settings(tmp_path, 1), store, keys)
    for n in range(1, 4):
        [issued] = await service.allocate("token", 1, now=T0)
        assert await _counter(store, issued.ref.list_id) == n


@pytest.mark.parametrize("block", [1, 3, 16])
async def test_services_sharing_a_store_never_share_an_entry(tmp_path: Any, block: int) -> None:
    store, keys = MemoryStore(), KeyRing.ephemeral()
    settings = _settings(tmp_path, block)
    services = [_service(settings, store, keys) for _ in range(3)]

    async def issue(service: StatusService, count: int) -> list[tuple[str, int]]:
        out = []
        for _ in range(20):
            out += [(s.ref.list_id, s.ref.idx) for s in await service.allocate("token", count, now=T0)]
            await asyncio.sleep(0)
        return out

    results = await asyncio.gather(*(issue(s, c) for s in services for c in (1, 5)))
    entries = [e for r in results for e in r]
    assert len(entries) == 3 * 20 * 6 and len(set(entries)) == len(entries)


async def test_bitstring_and_token_reserves_are_apart(tmp_path: Any) -> None:
    store, keys = MemoryStore(), KeyRing.ephemeral()
    service = _service(_settings(tmp_path, 8), store, keys)
    token = await service.allocate("token", 1, now=T0)
    bitstring = await service.allocate("di", 1, now=T0)
    assert token[0].ref.kind is StatusKind.TOKEN and bitstring[0].ref.kind is StatusKind.BITSTRING
    assert bitstring[0].entry["type"] == "BitstringStatusListEntry" and bitstring[0].nested_entry is not None
    assert await _counter(store, bitstring[0].ref.list_id) == 8 and await _counter(store, token[0].ref.list_id) == 8
