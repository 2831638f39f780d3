"""The store contract (oid4vc.store.base), run on every adapter: memory, SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from oid4vc.store.base import (
    AccessTokenRecord,
    IssuedCredentialRecord,
    OfferRecord,
    OfferState,
    RedeemOutcome,
    Store,
    TxCodeSpec,
)
from oid4vc.store.schema import migrations
from oid4vc.store.sqlite import SqliteStore

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def offer(n: int = 1, *, tx: str | None = None) -> OfferRecord:
    return OfferRecord(
        id=f"o{n}", credential_configuration_ids=("cfg",), credential_subject={"a": n},
        pre_authorized_code_hash=f"code{n}", pre_authorized_code=f"plain{n}", reference=f"ref{n}",
        tx_code=TxCodeSpec(description="PIN") if tx else None, tx_code_hash=tx,
        created_at=T0, expires_at=T0 + timedelta(minutes=10),
    )


def token(n: int = 1) -> AccessTokenRecord:
    return AccessTokenRecord(f"tok{n}", "", (), T0 + timedelta(minutes=5))


async def redeem(store: Store, code: str, tx: str | None = None, *, now: datetime = T0, n: int = 1) -> RedeemOutcome:
    result = await store.redeem_pre_authorized_code(code, tx_code_hash=tx, now=now, max_tx_code_attempts=3,
                                                     access_token=token(n))
    return result.outcome


async def test_offer_round_trip(store: Store) -> None:
    await store.create_offer(offer(tx="h"))
    got = await store.get_offer("o1")
    assert got == offer(tx="h")
    assert await store.get_offer_by_reference("ref1") == got
    assert await store.get_offer("nope") is None


async def test_redeem_once_then_token_exists(store: Store) -> None:
    await store.create_offer(offer())
    result = await store.redeem_pre_authorized_code("code1", tx_code_hash=None, now=T0, max_tx_code_attempts=3,
                                                    access_token=token(1))
    assert result.outcome is RedeemOutcome.REDEEMED
    assert result.offer is not None and result.offer.pre_authorized_code is None
    assert await redeem(store, "code1", n=2) is RedeemOutcome.ALREADY_REDEEMED
    tok = await store.get_access_token("tok1", now=T0)
    assert tok is not None and tok.offer_id == "o1" and tok.credential_configuration_ids == ("cfg",)
    assert await store.get_access_token("tok2", now=T0) is None
    got = await store.get_offer("o1")
    assert got is not None and got.state is OfferState.REDEEMED and got.pre_authorized_code is None


async def test_tx_code_checked_before_consuming(store: Store) -> None:
    await store.create_offer(offer(tx="right"))
    assert await redeem(store, "code1") is RedeemOutcome.TX_CODE_MISSING
    assert await redeem(store, "code1", "wrong") is RedeemOutcome.TX_CODE_WRONG
    got = await store.get_offer("o1")
    assert got is not None and got.tx_code_attempts == 1 and got.state is OfferState.OFFERED
    assert await redeem(store, "code1", "right") is RedeemOutcome.REDEEMED


async def test_lock_after_max_attempts(store: Store) -> None:
    await store.create_offer(offer(tx="right"))
    assert await redeem(store, "code1", "w") is RedeemOutcome.TX_CODE_WRONG
    assert await redeem(store, "code1", "w") is RedeemOutcome.TX_CODE_WRONG
    assert await redeem(store, "code1", "w") is RedeemOutcome.LOCKED
    assert await redeem(store, "code1", "right") is RedeemOutcome.LOCKED
    got = await store.get_offer("o1")
    assert got is not None and got.state is OfferState.LOCKED


async def test_unexpected_tx_code_unknown_and_expired(store: Store) -> None:
    await store.create_offer(offer())
    assert await redeem(store, "code1", "x") is RedeemOutcome.TX_CODE_UNEXPECTED
    assert await redeem(store, "nope") is RedeemOutcome.UNKNOWN
    assert await redeem(store, "code1", now=T0 + timedelta(minutes=10)) is RedeemOutcome.EXPIRED
    assert await redeem(store, "code1") is RedeemOutcome.REDEEMED


async def test_concurrent_redemptions_yield_one(store: Store) -> None:
    await store.create_offer(offer())
    outcomes = await asyncio.gather(*(redeem(store, "code1", n=i) for i in range(50)))
    assert outcomes.count(RedeemOutcome.REDEEMED) == 1


async def test_nonce_single_use_and_expiry(store: Store) -> None:
    await store.add_nonce("n1", expires_at=T0 + timedelta(seconds=10))
    await store.add_nonce("n2", expires_at=T0 + timedelta(seconds=10))
    results = await asyncio.gather(*(store.consume_nonce("n1", now=T0) for _ in range(20)))
    assert results.count(True) == 1
    assert await store.consume_nonce("n2", now=T0 + timedelta(seconds=10)) is False
    assert await store.consume_nonce("unknown", now=T0) is False


async def test_token_expiry_and_purge(store: Store) -> None:
    await store.create_offer(offer())
    await redeem(store, "code1")
    await store.add_nonce("n", expires_at=T0 + timedelta(seconds=1))
    assert await store.get_access_token("tok1", now=T0 + timedelta(minutes=5)) is None
    assert await store.purge_expired(now=T0 + timedelta(minutes=6)) == 2
    assert await store.consume_nonce("n", now=T0) is False


async def test_record_issuance_once_per_token_and_configuration(store: Store) -> None:
    await store.create_offer(offer())
    await redeem(store, "code1")
    cred = IssuedCredentialRecord("urn:uuid:1", "o1", "cfg", "jwt_vc_json", "jkt", T0)
    results = await asyncio.gather(
        store.record_issuance("tok1", "cfg", [cred]),
        store.record_issuance("tok1", "cfg", [replace(cred, id="urn:uuid:2")]),
    )
    assert sorted(results) == [False, True]
    got = await store.get_offer("o1")
    assert got is not None and got.state is OfferState.ISSUED and len(got.credential_ids) == 1
    assert await store.get_credential(got.credential_ids[0]) is not None
    assert await store.get_credential("urn:uuid:none") is None


def test_migrations_are_numbered_in_order() -> None:
    for dialect in ("sqlite", "postgres"):
        versions = [v for v, _ in migrations(dialect)]
        assert versions == sorted(versions) and versions[0] == 1 and len(set(versions)) == len(versions)


async def test_sqlite_reopen_keeps_data_and_schema_version(tmp_path: Path) -> None:
    s = await SqliteStore.open(tmp_path / "x.db")
    await s.create_offer(offer())
    await s.close()
    s = await SqliteStore.open(tmp_path / "x.db")
    assert await s.get_offer("o1") == offer()
    await s.close()
