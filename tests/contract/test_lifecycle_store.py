"""The LifecycleStore contract on every adapter (memory, SQLite, PostgreSQL): status list allocation (never one slot
twice, roll-over, concurrency), status changes with version bump and audit trail, notifications, deferred
transactions, offer approval and retention."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import replace
from datetime import timedelta

import pytest

from oid4vc.status.allocation import IndexPermutation
from oid4vc.store.base import (
    CredentialState,
    DeferredTransaction,
    HolderKey,
    IssuedCredentialRecord,
    NewStatusList,
    OfferState,
    StateChangeOutcome,
    StatusAction,
    StatusEntryRef,
    StatusKind,
    Store,
)
from tests.contract.test_store import T0, offer, redeem

_ids = itertools.count()


def new_list() -> NewStatusList:
    n = next(_ids)
    return NewStatusList(f"L{n}", n.to_bytes(4, "big") * 8)


async def allocate(s: Store, count: int, *, size: int = 8, scope: str = "s", kind: StatusKind = StatusKind.TOKEN,
                   ) -> list[tuple[str, int]]:
    slots = await s.allocate_status(scope=scope, kind=kind, size=size, count=count, now=T0, new_list=new_list)
    assert all(s.kind is kind and s.size == size for s in slots)
    return [(s.list_id, IndexPermutation(s.key, s.size).index(s.counter)) for s in slots]


def cred(n: int, *, status: StatusEntryRef | None = None, offer_id: str = "o1", nid: str | None = "nid1",
         ) -> IssuedCredentialRecord:
    return IssuedCredentialRecord(f"urn:uuid:{n}", offer_id, "cfg", "dc+sd-jwt", f"jkt{n}", T0, status=status,
                                  notification_id=nid)


async def issued(s: Store, *creds: IssuedCredentialRecord) -> None:
    await s.create_offer(offer())
    assert await redeem(s, "code1") is not None
    assert await s.record_issuance("tok1", "cfg", list(creds))


async def test_allocation_hands_out_each_slot_once_and_rolls_over(store: Store) -> None:
    first = await allocate(store, 5)
    second = await allocate(store, 5)  # 3 left in the first list, then a new one
    assert len({lid for lid, _ in first + second}) == 2
    assert len(set(first + second)) == 10
    lists = [await store.get_status_list(lid) for lid in dict.fromkeys(lid for lid, _ in first + second)]
    assert [(r.counter, r.size, r.kind, r.version) for r in lists if r] == [(8, 8, StatusKind.TOKEN, 0),
                                                                             (2, 8, StatusKind.TOKEN, 0)]
    assert all(0 <= idx < 8 for _, idx in first + second)
    assert sorted(idx for lid, idx in first + second if lid == first[0][0]) == list(range(8))
    assert await store.get_status_list("nope") is None
    other = await allocate(store, 1, scope="other", kind=StatusKind.BITSTRING)
    assert other[0][0] not in {lid for lid, _ in first + second}


async def test_concurrent_allocations_never_share_a_slot(store: Store) -> None:
    results = await asyncio.gather(*(allocate(store, 3, size=64) for _ in range(40)))
    slots = [s for r in results for s in r]
    assert len(slots) == 120 and len(set(slots)) == 120
    assert len({lid for lid, _ in slots}) == 2  # 64 + 56: one roll-over, never two lists at once


async def test_issuance_records_status_and_notification_fields(store: Store) -> None:
    [(lid, idx)] = await allocate(store, 1)
    c1 = cred(1, status=StatusEntryRef(lid, idx, StatusKind.TOKEN))
    await issued(store, c1, cred(2))
    assert await store.get_credential(c1.id) == c1
    assert [c.id for c in await store.list_credentials("o1")] == [c1.id, "urn:uuid:2"]
    assert await store.list_credentials("nope") == []


async def test_one_status_entry_belongs_to_one_credential(store: Store) -> None:
    [(lid, idx)] = await allocate(store, 1)
    ref = StatusEntryRef(lid, idx, StatusKind.TOKEN)
    await issued(store, cred(1, status=ref))
    with pytest.raises(Exception):
        await store.record_issuance("tok1", "other", [cred(2, status=ref)])


async def test_revoke_suspend_reinstate_with_audit_and_version(store: Store) -> None:
    token_slots = await allocate(store, 2)
    [(blid, bidx)] = await allocate(store, 1, scope="b", kind=StatusKind.BITSTRING)
    (lid, i1), (_, i2) = token_slots
    await issued(store, cred(1, status=StatusEntryRef(lid, i1, StatusKind.TOKEN)),
                 cred(2, status=StatusEntryRef(lid, i2, StatusKind.TOKEN)),
                 cred(3, status=StatusEntryRef(blid, bidx, StatusKind.BITSTRING)), cred(4))

    async def act(n: int, action: StatusAction) -> StateChangeOutcome:
        result = await store.change_credential_state(f"urn:uuid:{n}", action, actor="admin:ab", reason=f"r{n}",
                                                     now=T0 + timedelta(seconds=n))
        return result.outcome

    assert await act(1, StatusAction.SUSPEND) is StateChangeOutcome.CHANGED
    assert await store.status_list_entries(lid) == {i1: CredentialState.SUSPENDED}
    assert await act(1, StatusAction.SUSPEND) is StateChangeOutcome.NOT_ALLOWED
    assert await act(1, StatusAction.REINSTATE) is StateChangeOutcome.CHANGED
    assert await act(2, StatusAction.REINSTATE) is StateChangeOutcome.NOT_ALLOWED
    assert await act(2, StatusAction.REVOKE) is StateChangeOutcome.CHANGED
    assert await act(2, StatusAction.REINSTATE) is StateChangeOutcome.NOT_ALLOWED  # revocation is final
    assert await act(2, StatusAction.REVOKE) is StateChangeOutcome.NOT_ALLOWED
    assert await act(3, StatusAction.SUSPEND) is StateChangeOutcome.NOT_SUSPENDABLE
    assert await act(3, StatusAction.REVOKE) is StateChangeOutcome.CHANGED
    assert await act(4, StatusAction.REVOKE) is StateChangeOutcome.NO_STATUS
    assert await act(9, StatusAction.REVOKE) is StateChangeOutcome.UNKNOWN
    assert await store.status_list_entries(lid) == {i2: CredentialState.REVOKED}
    assert await store.status_list_entries(blid) == {bidx: CredentialState.REVOKED}
    token_list = await store.get_status_list(lid)
    assert token_list is not None and token_list.version == 3
    got = await store.get_credential("urn:uuid:1")
    assert got is not None and got.state is CredentialState.VALID
    history = await store.credential_history("urn:uuid:1")
    assert [(e.action, e.from_state, e.to_state, e.actor, e.reason) for e in history] == [
        (StatusAction.SUSPEND, CredentialState.VALID, CredentialState.SUSPENDED, "admin:ab", "r1"),
        (StatusAction.REINSTATE, CredentialState.SUSPENDED, CredentialState.VALID, "admin:ab", "r1"),
    ]
    assert history[0].at == T0 + timedelta(seconds=1)
    assert await store.credential_history("urn:uuid:4") == []


async def test_concurrent_revocations_change_once(store: Store) -> None:
    [(lid, idx)] = await allocate(store, 1)
    await issued(store, cred(1, status=StatusEntryRef(lid, idx, StatusKind.TOKEN)))
    results = await asyncio.gather(*(
        store.change_credential_state("urn:uuid:1", StatusAction.REVOKE, actor="a", reason=None, now=T0)
        for _ in range(10)))
    assert [r.outcome for r in results].count(StateChangeOutcome.CHANGED) == 1
    assert len(await store.credential_history("urn:uuid:1")) == 1
    listed = await store.get_status_list(lid)
    assert listed is not None and listed.version == 1


async def test_notifications_last_event_wins_and_repeats_change_nothing(store: Store) -> None:
    await issued(store, cred(1), cred(2), cred(3, nid="nid2"))
    assert await store.record_notification("nid1", offer_id="other", event="credential_accepted", now=T0) == []
    assert await store.record_notification("nope", offer_id="o1", event="credential_accepted", now=T0) == []
    ids = await store.record_notification("nid1", offer_id="o1", event="credential_accepted", now=T0)
    assert ids == ["urn:uuid:1", "urn:uuid:2"]
    later = T0 + timedelta(minutes=1)
    assert await store.record_notification("nid1", offer_id="o1", event="credential_accepted", now=later) == ids
    got = await store.get_credential("urn:uuid:1")
    assert got is not None and got.notification_event == "credential_accepted" and got.notification_at == T0
    untouched = await store.get_credential("urn:uuid:3")
    assert untouched is not None and untouched.notification_event is None
    await store.record_notification("nid1", offer_id="o1", event="credential_deleted", now=later)
    got = await store.get_credential("urn:uuid:2")
    assert got is not None and got.notification_event == "credential_deleted" and got.notification_at == later
    o = await store.get_offer("o1")
    assert o is not None and o.notification_event == "credential_deleted"


def transaction(n: int = 1, *, config: str = "cfg", minutes: int = 60) -> DeferredTransaction:
    return DeferredTransaction(f"tx{n}", "tok1", "o1", config, (HolderKey({"kty": "EC", "x": "1"}, "did:jwk:1", "j1"),),
                               T0, T0 + timedelta(minutes=minutes))


async def test_deferral_claims_once_and_delivers_once(store: Store) -> None:
    await store.create_offer(offer())
    await redeem(store, "code1")
    keep_until = T0 + timedelta(minutes=60)
    results = await asyncio.gather(store.record_deferral(transaction(1), token_expires_at=keep_until),
                                   store.record_deferral(transaction(2), token_expires_at=keep_until))
    assert sorted(results) == [False, True]
    assert not await store.record_issuance("tok1", "cfg", [cred(1)])  # the pair is claimed
    assert await store.get_token_offer("tok1", now=T0 + timedelta(minutes=30)) is not None
    pending = await store.get_offer("o1")
    assert pending is not None and pending.state is OfferState.PENDING
    [winner] = [h for h in ("tx1", "tx2") if await store.get_deferred(h, now=T0)]
    got = await store.get_deferred(winner, now=T0)
    assert got is not None and got.holders == transaction().holders and got.credential_configuration_id == "cfg"
    assert await store.get_deferred(winner, now=keep_until) is None
    done = await asyncio.gather(*(store.complete_deferred(winner, [cred(i)], now=T0) for i in range(5)))
    assert done.count(True) == 1
    assert await store.get_deferred(winner, now=T0) is None
    o = await store.get_offer("o1")
    assert o is not None and o.state is OfferState.ISSUED and len(o.credential_ids) == 1


async def test_expired_transaction_does_not_deliver(store: Store) -> None:
    await store.create_offer(offer())
    await redeem(store, "code1")
    assert await store.record_deferral(transaction(minutes=1), token_expires_at=T0)
    assert not await store.complete_deferred("tx1", [cred(1)], now=T0 + timedelta(minutes=1))
    assert await store.list_credentials("o1") == []


async def test_approve_offer(store: Store) -> None:
    assert await store.approve_offer("nope", credential_subject=None, now=T0) is None
    await store.create_offer(replace(offer(), approval_required=True))
    first = await store.approve_offer("o1", credential_subject=None, now=T0)
    assert first is not None and first.approved_at == T0 and first.approval_required
    assert first.credential_subject == offer().credential_subject
    again = await store.approve_offer("o1", credential_subject={"b": 2}, now=T0 + timedelta(hours=1))
    assert again is not None and again.approved_at == T0 and again.credential_subject == {"b": 2}
    assert await store.get_offer("o1") == again


async def test_purge_keeps_what_revocation_needs_and_nothing_else(store: Store) -> None:
    [(lid, idx)] = await allocate(store, 1)
    await issued(store, cred(1, status=StatusEntryRef(lid, idx, StatusKind.TOKEN)))  # o1: issued with tok1
    await store.create_offer(offer(2))  # expires at T0 + 10 min, never redeemed
    await store.create_offer(offer(3))
    await redeem(store, "code3", n=3)
    assert await store.record_deferral(replace(transaction(3, minutes=20), token_hash="tok3", offer_id="o3"),
                                       token_expires_at=T0 + timedelta(minutes=20))
    later = T0 + timedelta(minutes=11)
    # tok1 went (5 min) and its claim with it; o2 stays until the retention cutoff passes
    assert await store.purge_expired(now=later, offers_expired_before=T0) == 2
    assert await store.get_offer("o2") is not None
    assert await store.purge_expired(now=later) == 1  # o2
    assert await store.get_offer("o2") is None
    o1, o3 = await store.get_offer("o1"), await store.get_offer("o3")
    assert o1 is not None and o1.credential_subject == {} and o1.state is OfferState.ISSUED
    assert o3 is not None and o3.credential_subject == offer(3).credential_subject  # its transaction is alive
    assert await store.get_credential("urn:uuid:1") is not None
    assert await store.purge_expired(now=T0 + timedelta(minutes=21)) == 3  # tok3, tx3 and tok3's claim
    o3 = await store.get_offer("o3")
    assert o3 is not None and o3.credential_subject == {}
