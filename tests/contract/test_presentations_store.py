"""The PresentationStore contract on every adapter: create, get, and complete exactly once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from oid4vc.store.base import PresentationRecord, PresentationStatus, Store
from tests.contract.test_store import T0


def record(n: int = 1, *, key: bool = True) -> PresentationRecord:
    return PresentationRecord(
        id=f"p{n}", created_at=T0, expires_at=T0 + timedelta(minutes=5),
        request={"nonce": f"n{n}", "dcql_query": {"credentials": [{"id": "a", "format": "dc+sd-jwt"}]}},
        encryption_jwk={"kty": "EC", "d": "secret"} if key else None, redirect_uri_template="https://v.example/cb",
    )


async def test_round_trip(store: Store) -> None:
    await store.create_presentation(record())
    got = await store.get_presentation("p1")
    assert got == record()
    assert await store.get_presentation("nope") is None


async def test_complete_once_and_drop_the_key(store: Store) -> None:
    await store.create_presentation(record())
    outcomes = await asyncio.gather(*(
        store.complete_presentation("p1", status=PresentationStatus.VERIFIED, result={"n": i},
                                    response_code_hash="h", now=T0 + timedelta(seconds=1))
        for i in range(10)
    ))
    assert outcomes.count(True) == 1
    got = await store.get_presentation("p1")
    assert got is not None and got.result is not None
    assert got.status is PresentationStatus.VERIFIED and got.encryption_jwk is None
    assert got.response_code_hash == "h" and got.completed_at == T0 + timedelta(seconds=1)
    assert got.result in [{"n": i} for i in range(10)]


async def test_expired_request_cannot_complete(store: Store) -> None:
    await store.create_presentation(record(2, key=False))
    late = T0 + timedelta(minutes=5)
    assert not await store.complete_presentation("p2", status=PresentationStatus.VERIFIED,
                                                 result={}, response_code_hash=None, now=late)
    got = await store.get_presentation("p2")
    assert got is not None and got.status_at(late) is PresentationStatus.EXPIRED
