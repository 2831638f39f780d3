"""Status list index allocation under concurrency, on every adapter: many parallel issuances through the app never
share an index and hand out no predictable sequence; two connections to one database (what two server processes
are) allocate from one counter."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from oid4vc.clock import FixedClock
from oid4vc.config import Settings
from oid4vc.crypto.keystore import KeyRing
from oid4vc.status.allocation import IndexPermutation
from oid4vc.store.base import NewStatusList, StatusKind, Store
from oid4vc.store.postgres import PostgresStore
from oid4vc.store.sqlite import SqliteStore
from oid4vc.web.app import create_app
from tests.conftest import ADMIN_TOKEN, PUBLIC_URL, T0, AppClient
from tests.support.wallet import holder_key, proof_jwt
from tests.web.flow import get_token, nonce
from tests.web.lifecycle import claims_of

CONFIGS = ("OpenBadgeCredential_jwt_vc_json", "OpenBadgeCredential_dc_sd_jwt")


def _entry(credential: Any) -> tuple[str, int]:
    claims = claims_of(credential)
    if "status" in claims:
        return claims["status"]["status_list"]["uri"], claims["status"]["status_list"]["idx"]
    return claims["credentialStatus"]["statusListCredential"], int(claims["credentialStatus"]["statusListIndex"])


async def _flow(client: AppClient, config_id: str, proofs: int) -> list[Any]:
    token, _ = await get_token(client, credential_configuration_id=config_id)
    c_nonce = await nonce(client)
    jwts = [proof_jwt(holder_key(), audience=PUBLIC_URL, nonce=c_nonce, iat=T0.timestamp()) for _ in range(proofs)]
    resp = await client.post("/credential", json={"credential_configuration_id": config_id, "proofs": {"jwt": jwts}},
                             headers={"Authorization": f"Bearer {token}"})
    assert resp.status == 200, await resp.text()
    return [c["credential"] for c in (await resp.json())["credentials"]]


async def test_parallel_issuance_never_shares_an_index(
    store: Store,
    aiohttp_client: Callable[..., Awaitable[AppClient]],
    settings: Settings,
    clock: FixedClock,
) -> None:
    client = await aiohttp_client(create_app(settings, store=store, keys=KeyRing.ephemeral(), clock=clock,
                                             admin_token=ADMIN_TOKEN))
    batches = await asyncio.gather(*(_flow(client, CONFIGS[i % 2], 1 + i % 3) for i in range(24)))
    credentials = [c for batch in batches for c in batch]
    entries = [_entry(c) for c in credentials]
    assert len(credentials) == 48 and len(set(entries)) == 48
    for config_id in CONFIGS:  # each kind has its own list; within it, indexes are spread, not sequential
        indexes = sorted(idx for (url, idx), c in zip(entries, credentials, strict=True)
                         if isinstance(c, str) and ("~" in c) == config_id.endswith("sd_jwt"))
        assert len(indexes) == 24 and indexes != list(range(indexes[0], indexes[0] + 24))
        assert indexes[-1] - indexes[0] > 10_000
    recorded = []
    for credential in credentials:
        claims = claims_of(credential)
        record = await store.get_credential(claims.get("id") or claims["jti"])
        assert record is not None and record.status is not None
        recorded.append((record.status.list_id, record.status.idx))
        assert f"/{record.status.list_id}" in _entry(credential)[0] and _entry(credential)[1] == record.status.idx
    assert len(set(recorded)) == 48


@pytest.fixture(params=["sqlite", "postgres"])
async def two_connections(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_url")
        stores: list[Store] = [await PostgresStore.open(url), await PostgresStore.open(url)]
    else:
        stores = [await SqliteStore.open(tmp_path / "shared.db"), await SqliteStore.open(tmp_path / "shared.db")]
    yield stores
    for s in stores:
        await s.close()


async def test_two_connections_share_one_counter(two_connections: list[Store]) -> None:
    ids = itertools.count()

    def new_list() -> NewStatusList:
        return NewStatusList(f"L{next(ids)}", bytes(range(32)))

    async def allocate(s: Store) -> list[tuple[str, int]]:
        slots = await s.allocate_status(scope="s", kind=StatusKind.TOKEN, size=64, count=2, now=T0, new_list=new_list)
        return [(slot.list_id, IndexPermutation(slot.key, slot.size).index(slot.counter)) for slot in slots]

    results = await asyncio.gather(*(allocate(two_connections[i % 2]) for i in range(40)))
    slots = [s for r in results for s in r]
    assert len(set(slots)) == 80
    assert sorted({lid for lid, _ in slots}) == ["L0", "L1"]  # one roll-over, no second list started in a race
