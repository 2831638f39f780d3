"""In-memory store adapter: one process, for tests and throwaway runs.

Atomicity comes from the event loop: no method awaits inside its critical section.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from oid4vc.store.base import (
    AccessTokenRecord,
    CredentialStatusEvent,
    DeferredTransaction,
    IssuedCredentialRecord,
    OfferRecord,
    OfferState,
    PresentationStatus,
    RedeemOutcome,
    RedeemResult,
    StatusListRecord,
    TokenOffer,
)
from oid4vc.store.deferred import MemoryDeferred
from oid4vc.store.outbox import MemoryOutbox
from oid4vc.store.presentations import MemoryPresentations
from oid4vc.store.redeem import decide_redeem
from oid4vc.store.status_lists import MemoryStatusLists

__all__ = ["MemoryStore"]


class MemoryStore(MemoryPresentations, MemoryStatusLists, MemoryDeferred, MemoryOutbox):
    def __init__(self) -> None:
        self._offers: dict[str, OfferRecord] = {}
        self._by_code: dict[str, str] = {}
        self._by_reference: dict[str, str] = {}
        self._tokens: dict[str, AccessTokenRecord] = {}
        self._nonces: dict[str, datetime] = {}
        self._claims: set[tuple[str, str]] = set()
        self._credentials: dict[str, IssuedCredentialRecord] = {}
        self._status_lists: dict[str, StatusListRecord] = {}
        self._status_keys: dict[str, bytes] = {}
        self._status_events: list[CredentialStatusEvent] = []
        self._deferred: dict[str, DeferredTransaction] = {}

    async def create_offer(self, offer: OfferRecord) -> None:
        if offer.id in self._offers or offer.pre_authorized_code_hash in self._by_code:
            raise ValueError("duplicate offer")
        self._offers[offer.id] = offer
        self._by_code[offer.pre_authorized_code_hash] = offer.id
        self._by_reference[offer.reference] = offer.id

    async def get_offer(self, offer_id: str) -> OfferRecord | None:
        return self._offers.get(offer_id)

    async def get_offer_by_reference(self, reference: str) -> OfferRecord | None:
        offer_id = self._by_reference.get(reference)
        return self._offers.get(offer_id) if offer_id else None

    async def redeem_pre_authorized_code(
        self,
        code_hash: str,
        *,
        tx_code_hash: str | None,
        now: datetime,
        max_tx_code_attempts: int,
        access_token: AccessTokenRecord,
    ) -> RedeemResult:
        offer_id = self._by_code.get(code_hash)
        offer = self._offers.get(offer_id) if offer_id else None
        decision = decide_redeem(offer, tx_code_hash=tx_code_hash, now=now, max_attempts=max_tx_code_attempts)
        if offer is None or decision.new_state is None:
            return decision.result
        updated = replace(
            offer,
            state=decision.new_state,
            tx_code_attempts=decision.attempts,
            pre_authorized_code=None if decision.new_state is not OfferState.OFFERED else offer.pre_authorized_code,
        )
        self._offers[offer.id] = updated
        if decision.result.outcome is RedeemOutcome.REDEEMED:
            self._tokens[access_token.token_hash] = replace(
                access_token, offer_id=offer.id, credential_configuration_ids=offer.credential_configuration_ids
            )
            return RedeemResult(RedeemOutcome.REDEEMED, updated)
        return RedeemResult(decision.result.outcome, updated, decision.result.attempts_left)

    async def get_token_offer(self, token_hash: str, *, now: datetime) -> TokenOffer | None:
        token = self._tokens.get(token_hash)
        if token is None or now >= token.expires_at:
            return None
        offer = self._offers.get(token.offer_id)
        return TokenOffer(token, offer) if offer else None

    async def consume_nonce(self, nonce: str, *, expires_at: datetime, now: datetime) -> bool:
        if expires_at <= now or nonce in self._nonces:
            return False
        self._nonces[nonce] = expires_at  # used, until it expires
        return True

    async def record_issuance(
        self, token_hash: str, credential_configuration_id: str, credentials: list[IssuedCredentialRecord]
    ) -> bool:
        key = (token_hash, credential_configuration_id)
        if key in self._claims:
            return False
        self._add_credentials(credentials)  # raises, with nothing written, on a duplicate status entry
        self._claims.add(key)
        return True

    def _add_credentials(self, credentials: list[IssuedCredentialRecord]) -> None:
        taken = {(c.status.list_id, c.status.idx) for c in self._credentials.values() if c.status}
        if any(c.status and (c.status.list_id, c.status.idx) in taken for c in credentials):
            raise ValueError("duplicate status list entry")  # the SQL adapters' unique index
        for credential in credentials:
            self._credentials[credential.id] = credential
            offer = self._offers[credential.offer_id]
            self._offers[offer.id] = replace(
                offer, state=OfferState.ISSUED, credential_ids=(*offer.credential_ids, credential.id)
            )

    async def get_credential(self, credential_id: str) -> IssuedCredentialRecord | None:
        return self._credentials.get(credential_id)

    async def purge_expired(self, *, now: datetime, offers_expired_before: datetime | None = None) -> int:
        cutoff = now if offers_expired_before is None else offers_expired_before
        nonces = [n for n, exp in self._nonces.items() if exp <= now]
        tokens = [t for t, rec in self._tokens.items() if rec.expires_at <= now]
        deferred = [h for h, tx in self._deferred.items() if tx.expires_at <= now]
        for n in nonces:
            del self._nonces[n]
        for t in tokens:
            del self._tokens[t]
        for h in deferred:
            del self._deferred[h]
        claims = {c for c in self._claims if c[0] not in self._tokens}
        self._claims -= claims
        offers = [
            o for o in self._offers.values()
            if o.state in (OfferState.OFFERED, OfferState.LOCKED) and o.expires_at <= cutoff
        ]
        for offer in offers:
            del self._offers[offer.id], self._by_code[offer.pre_authorized_code_hash]
            del self._by_reference[offer.reference]
        presentations = [
            p.id for p in self._table().values() if p.status is PresentationStatus.PENDING and p.expires_at <= cutoff
        ]
        for presentation_id in presentations:
            del self._table()[presentation_id]
        live = {t.offer_id for t in self._tokens.values()} | {tx.offer_id for tx in self._deferred.values()}
        for offer in list(self._offers.values()):
            dead = offer.state not in (OfferState.OFFERED, OfferState.LOCKED) and offer.id not in live
            if dead and offer.credential_subject:
                self._offers[offer.id] = replace(offer, credential_subject={})
        return len(nonces) + len(tokens) + len(deferred) + len(claims) + len(offers) + len(presentations)

    async def close(self) -> None:
        return None
