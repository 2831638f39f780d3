"""The store contract (oid4vc.store.base), run on every adapter: memory, SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from oid4vc.store.base import (
    AccessTokenRecord,
    IssuedCredentialRecord,
    NewStatusList,
    OfferRecord,
    OfferState,
    RedeemOutcome,
    StatusEntryRef,
    StatusKind,
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
    found = await store.get_token_offer("tok1", now=T0)
    assert found is not None and found.token.offer_id == "o1" and found.token.credential_configuration_ids == ("cfg",)
    assert found.token.token_hash == "tok1" and found.token.expires_at == T0 + timedelta(minutes=5)
    assert await store.get_token_offer("tok2", now=T0) is None
    got = await store.get_offer("o1")
    assert got is not None and got.state is OfferState.REDEEMED and got.pre_authorized_code is None
    assert found.offer == got  # the offer read with the token is the offer itself, credential ids included


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
    expires = T0 + timedelta(seconds=10)
    results = await asyncio.gather(*(store.consume_nonce("n1", expires_at=expires, now=T0) for _ in range(20)))
    assert results.count(True) == 1
    assert await store.consume_nonce("n1", expires_at=expires, now=T0 + timedelta(seconds=9)) is False
    assert await store.consume_nonce("n2", expires_at=expires, now=T0 + timedelta(seconds=9)) is True  # independent
    # already expired: refused and not recorded
    assert await store.consume_nonce("n3", expires_at=expires, now=expires) is False
    assert await store.consume_nonce("n3", expires_at=expires + timedelta(seconds=1), now=expires) is True


async def test_used_nonces_are_kept_until_their_expiry(store: Store) -> None:
    assert await store.consume_nonce("short", expires_at=T0 + timedelta(seconds=1), now=T0)
    assert await store.consume_nonce("long", expires_at=T0 + timedelta(minutes=5), now=T0)
    assert await store.purge_expired(now=T0 + timedelta(seconds=1)) == 1  # only "short" has expired
    later = T0 + timedelta(seconds=2)
    assert await store.consume_nonce("long", expires_at=T0 + timedelta(minutes=5), now=later) is False
    assert await store.purge_expired(now=T0 + timedelta(minutes=5)) == 1


async def test_token_expiry_and_purge(store: Store) -> None:
    await store.create_offer(offer())
    await redeem(store, "code1")
    assert await store.consume_nonce("n", expires_at=T0 + timedelta(seconds=1), now=T0)
    assert await store.get_token_offer("tok1", now=T0 + timedelta(minutes=5)) is None
    assert await store.purge_expired(now=T0 + timedelta(minutes=6)) == 2


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


async def test_recorded_batch_reads_back_whole_and_in_issuance_order(store: Store) -> None:
    await store.create_offer(offer())
    await redeem(store, "code1")
    lists = await store.allocate_status(scope="s", kind=StatusKind.TOKEN, size=16, count=3, now=T0,
                                        new_list=lambda: NewStatusList("l1", bytes(32)))
    batch = [
        IssuedCredentialRecord(f"urn:uuid:{n}", "o1", "cfg", "dc+sd-jwt", f"jkt{n}", T0 + timedelta(seconds=n),
                               status=StatusEntryRef(slot.list_id, slot.counter, StatusKind.TOKEN),
                               notification_id="nid")
        for n, slot in zip((3, 1, 2), lists, strict=True)
    ]
    assert await store.record_issuance("tok1", "cfg", batch)
    got = await store.get_offer("o1")
    assert got is not None and got.credential_ids == ("urn:uuid:3", "urn:uuid:1", "urn:uuid:2")
    assert [await store.get_credential(c.id) for c in batch] == batch


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


async def test_sqlite_migration_0005_from_version_4(tmp_path: Path) -> None:
    """Outstanding random nonces are dropped, issuance claims and access tokens are kept, the three tables lose their
    rowid (and the nonce and token expiry indexes), and the notification index goes (every notification lookup also
    filters on offer_id: credentials_offer)."""
    path = tmp_path / "v4.db"
    db = sqlite3.connect(path, isolation_level=None)
    for version, sql in migrations("sqlite"):
        if version <= 4:
            for statement in sql.split(";"):
                if statement.strip():
                    db.execute(statement)
    db.execute("PRAGMA user_version = 4")
    db.execute("INSERT INTO nonces (nonce, expires_at) VALUES ('old', ?)", ((T0 + timedelta(days=1)).timestamp(),))
    db.execute("INSERT INTO issuance_claims VALUES ('tok1', 'cfg'), ('tok1', 'cfg2')")
    db.execute(
        "INSERT INTO offers (id, credential_configuration_ids, credential_subject, pre_authorized_code_hash, "
        "reference, created_at, expires_at, by_reference, state) "
        "VALUES ('o1', '[\"cfg\"]', '{}', 'h1', 'r1', 0, 0, 0, 'redeemed')"
    )
    live = (T0 + timedelta(minutes=5)).timestamp()
    db.execute("INSERT INTO access_tokens VALUES ('tok1', 'o1', '[\"cfg\"]', ?)", (live,))
    db.close()

    s = await SqliteStore.open(path)
    assert await s.record_issuance("tok1", "cfg", []) is False  # the copied claim still holds
    assert await s.consume_nonce("old", expires_at=T0 + timedelta(minutes=5), now=T0) is True
    found = await s.get_token_offer("tok1", now=T0)  # the copied access token still works
    assert found is not None and found.token.offer_id == "o1" and found.token.credential_configuration_ids == ("cfg",)
    await s.close()
    db = sqlite3.connect(path)
    try:
        assert db.execute("PRAGMA user_version").fetchone()[0] == max(v for v, _ in migrations("sqlite"))
        assert sorted(db.execute("SELECT * FROM issuance_claims")) == [("tok1", "cfg"), ("tok1", "cfg2")]
        tables = dict(db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'"))
        assert all(tables[t].endswith("WITHOUT ROWID") for t in ("nonces", "issuance_claims", "access_tokens"))
        assert not {"issuance_claims_0005", "access_tokens_0005"} & tables.keys()
        indexes = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert "credentials_offer" in indexes
        assert not indexes & {"credentials_notification", "nonces_expiry", "access_tokens_expiry"}
    finally:
        db.close()
