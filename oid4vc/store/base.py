"""Store port (STYLE rule 7): use-case methods whose single-use guarantees are the adapter's job.

Every adapter runs the same contract suite (tests/contract). The atomic operations are:
- ``redeem_pre_authorized_code``: expiry, lock and tx_code are checked *before* the code is consumed; a wrong
  tx_code only counts an attempt (OpenID4VCI 1.0 §6.1, §13.6 and errata §13.6.3 "Transaction Code Guessing");
  the access token is stored in the same transaction, so a redeemed code always has its token.
- ``consume_nonce``: records a ``c_nonce`` as used and is true only for its first use (OpenID4VCI 1.0 §7, §13.8).
  c_nonces are stateless (``oid4vc.issuance.nonce``: the issuer checks their MAC and expiry before asking), so
  only *used* nonces are stored, each until its own expiry; issuing one writes nothing.
- ``record_issuance``: one issuance per (access token, credential configuration); a concurrent duplicate loses.
- ``allocate_status``: status list slots are handed out once each (a counter per list, advanced atomically), and a
  full list rolls over to a new one; ``change_credential_state`` moves a credential's status, bumps its list's
  version and writes the audit row in one transaction (Bitstring Status List v1.0, Token Status List -14).
- ``record_deferral`` / ``complete_deferred``: a deferred issuance claims (token, configuration) like an issuance,
  and its ``transaction_id`` delivers once (OpenID4VCI 1.0 §9).
- ``record_event`` stores an event with its webhook deliveries in one transaction; ``events_after`` reads them in an
  order no later commit can change; ``claim_deliveries`` hands each due delivery to one claimer at a time
  (``OutboxStore``).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from oid4vc.jose import JsonObject

__all__ = [
    "AccessTokenRecord",
    "ClaimedDelivery",
    "CredentialState",
    "CredentialStatusEvent",
    "DeferredTransaction",
    "DeliveryAttempt",
    "DeliveryRecord",
    "DeliveryState",
    "EventRecord",
    "FinishedAttempt",
    "HolderKey",
    "IssuedCredentialRecord",
    "LifecycleStore",
    "NewStatusList",
    "OfferRecord",
    "OfferState",
    "OutboxStore",
    "PresentationRecord",
    "PresentationStatus",
    "PresentationStore",
    "RedeemOutcome",
    "RedeemResult",
    "StateChange",
    "StateChangeOutcome",
    "StatusAction",
    "StatusEntryRef",
    "StatusKind",
    "StatusListRecord",
    "StatusSlot",
    "Store",
    "StoreUnavailableError",
    "TokenOffer",
    "TxCodeSpec",
    "WebhookTarget",
]


class StoreUnavailableError(ConnectionError):
    """The database cannot be reached right now (answered as 503 with Retry-After; nothing was written)."""


class StoreValueError(ValueError):
    """A value the database cannot hold (PostgreSQL text cannot hold the NUL character), so no stored key can
    match it either: nothing was read or written (answered as 400 ``invalid_request``)."""


class OfferState(enum.StrEnum):
    OFFERED = "offered"
    REDEEMED = "redeemed"
    PENDING = "pending"  # a credential request waits for the issuer's approval (deferred issuance, §9)
    ISSUED = "issued"
    LOCKED = "locked"
    EXPIRED = "expired"  # derived from expires_at, never stored


@dataclass(frozen=True, slots=True)
class TxCodeSpec:
    """The ``tx_code`` object of a Credential Offer (OpenID4VCI 1.0 §4.1.1)."""

    input_mode: str = "numeric"
    length: int = 6
    description: str | None = None

    def to_offer(self) -> JsonObject:
        out: JsonObject = {"input_mode": self.input_mode, "length": self.length}
        if self.description:
            out["description"] = self.description
        return out


@dataclass(frozen=True, slots=True)
class OfferRecord:
    id: str
    credential_configuration_ids: tuple[str, ...]
    credential_subject: JsonObject
    pre_authorized_code_hash: str
    pre_authorized_code: str | None  # kept only while the offer is unredeemed, to serve the offer and its QR
    reference: str  # unguessable path segment of credential_offer_uri and of the public QR / page URLs
    tx_code: TxCodeSpec | None
    tx_code_hash: str | None
    created_at: datetime
    expires_at: datetime
    by_reference: bool = True  # how the issuer asked for the link: credential_offer_uri or credential_offer
    state: OfferState = OfferState.OFFERED
    tx_code_attempts: int = 0
    credential_ids: tuple[str, ...] = field(default=())
    approval_required: bool = False  # deferred issuance: credentials wait for POST /admin/offers/{id}/approve
    approved_at: datetime | None = None
    notification_event: str | None = None  # the last OpenID4VCI §11 event a wallet sent for this offer

    def state_at(self, now: datetime) -> OfferState:
        if self.state is OfferState.OFFERED and now >= self.expires_at:
            return OfferState.EXPIRED
        return self.state


@dataclass(frozen=True, slots=True)
class AccessTokenRecord:
    token_hash: str
    offer_id: str
    credential_configuration_ids: tuple[str, ...]
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class TokenOffer:
    """An unexpired access token with the Credential Offer it was issued for, read in one statement (the Credential
    Endpoint needs both: one round trip to PostgreSQL instead of two)."""

    token: AccessTokenRecord
    offer: OfferRecord


class CredentialState(enum.StrEnum):
    """A credential's status as published in its status list. ``revoked`` is final."""

    VALID = "valid"
    SUSPENDED = "suspended"
    REVOKED = "revoked"


class StatusKind(enum.StrEnum):
    BITSTRING = "bitstring"  # W3C Bitstring Status List v1.0, statusPurpose revocation (ldp_vc, jwt_vc_json)
    TOKEN = "token"  # IETF Token Status List, 2-bit: VALID / INVALID / SUSPENDED (dc+sd-jwt)


@dataclass(frozen=True, slots=True)
class StatusEntryRef:
    """Where a credential's status lives: entry ``idx`` of status list ``list_id``."""

    list_id: str
    idx: int
    kind: StatusKind


@dataclass(frozen=True, slots=True)
class IssuedCredentialRecord:
    """What revocation and the admin API need; never the credential body (OpenID4VCI 1.0 §15)."""

    id: str
    offer_id: str
    credential_configuration_id: str
    format: str
    holder_jkt: str
    issued_at: datetime
    status: StatusEntryRef | None = None
    state: CredentialState = CredentialState.VALID
    notification_id: str | None = None  # shared by the credentials of one Credential Response (§8.3, §11)
    notification_event: str | None = None
    notification_at: datetime | None = None


class RedeemOutcome(enum.Enum):
    REDEEMED = "redeemed"
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    ALREADY_REDEEMED = "already_redeemed"
    LOCKED = "locked"
    TX_CODE_MISSING = "tx_code_missing"
    TX_CODE_UNEXPECTED = "tx_code_unexpected"
    TX_CODE_WRONG = "tx_code_wrong"


@dataclass(frozen=True, slots=True)
class RedeemResult:
    outcome: RedeemOutcome
    offer: OfferRecord | None = None
    attempts_left: int | None = None


# -- presentations (OpenID4VP 1.0) ---------------------------------------------------------------------------


class PresentationStatus(enum.StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"
    EXPIRED = "expired"  # derived from expires_at while pending, never stored


@dataclass(frozen=True, slots=True)
class PresentationRecord:
    """One presentation request and, once answered, its outcome. ``request`` holds the Authorization Request
    parameters (nonce, state, client_id, dcql_query, client_metadata, ...); ``encryption_jwk`` the ephemeral
    private key for ``direct_post.jwt`` (dropped when the request completes)."""

    id: str
    created_at: datetime
    expires_at: datetime
    request: JsonObject
    encryption_jwk: JsonObject | None = None
    redirect_uri_template: str | None = None
    status: PresentationStatus = PresentationStatus.PENDING
    result: JsonObject | None = None
    response_code_hash: str | None = None
    completed_at: datetime | None = None

    def status_at(self, now: datetime) -> PresentationStatus:
        if self.status is PresentationStatus.PENDING and now >= self.expires_at:
            return PresentationStatus.EXPIRED
        return self.status


class PresentationStore(Protocol):
    async def create_presentation(self, record: PresentationRecord) -> None: ...

    async def get_presentation(self, presentation_id: str) -> PresentationRecord | None: ...

    async def complete_presentation(
        self,
        presentation_id: str,
        *,
        status: PresentationStatus,
        result: JsonObject,
        response_code_hash: str | None,
        now: datetime,
    ) -> bool:
        """Atomically move an unexpired pending request to its final status (the first response wins; a replay
        or a late answer changes nothing and gets False). The encryption key is dropped."""
        ...


# -- credential lifecycle: status lists, state changes, notifications, deferred issuance ---------------------


@dataclass(frozen=True, slots=True)
class StatusListRecord:
    """One status list. ``scope`` groups the lists one allocator hands out from (the kind and the issuer keys that
    sign it); ``version`` grows with every status change, so a signed copy of version ``v`` is current while the
    stored version is still ``v``."""

    id: str
    kind: StatusKind
    scope: str
    size: int
    counter: int  # slots handed out so far; the list is full at counter == size
    version: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class NewStatusList:
    """Drawn by the caller (fresh id and permutation key), used by the store only when a list must be started."""

    id: str
    key: bytes = field(repr=False)


@dataclass(frozen=True, slots=True)
class StatusSlot:
    """Allocation number ``counter`` of list ``list_id``; the caller maps it to the published index with the list's
    keyed permutation (``oid4vc.status.allocation.IndexPermutation(key, size).index(counter)``)."""

    list_id: str
    kind: StatusKind
    size: int
    counter: int
    key: bytes = field(repr=False)


class StatusAction(enum.StrEnum):
    REVOKE = "revoke"
    SUSPEND = "suspend"
    REINSTATE = "reinstate"


class StateChangeOutcome(enum.Enum):
    CHANGED = "changed"
    UNKNOWN = "unknown"  # no such credential
    NO_STATUS = "no_status"  # issued without a status list entry
    NOT_SUSPENDABLE = "not_suspendable"  # its status list publishes revocation only
    NOT_ALLOWED = "not_allowed"  # revoked is final; suspend needs valid; reinstate needs suspended


@dataclass(frozen=True, slots=True)
class StateChange:
    outcome: StateChangeOutcome
    credential: IssuedCredentialRecord | None = None


@dataclass(frozen=True, slots=True)
class CredentialStatusEvent:
    """One audit row: who changed which credential's status, when, why."""

    credential_id: str
    action: StatusAction
    from_state: CredentialState
    to_state: CredentialState
    actor: str
    reason: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class HolderKey:
    """A holder key whose proof was verified at the Credential Endpoint (kept for a deferred delivery)."""

    jwk: JsonObject
    did: str
    jkt: str


@dataclass(frozen=True, slots=True)
class DeferredTransaction:
    transaction_id_hash: str
    token_hash: str
    offer_id: str
    credential_configuration_id: str
    holders: tuple[HolderKey, ...]
    created_at: datetime
    expires_at: datetime


class LifecycleStore(Protocol):
    async def allocate_status(
        self,
        *,
        scope: str,
        kind: StatusKind,
        size: int,
        count: int,
        now: datetime,
        new_list: Callable[[], NewStatusList],
    ) -> list[StatusSlot]:
        """Atomically hand out ``count`` slots from the oldest non-full list of ``scope``, starting lists (with
        ``new_list()``) as lists fill up. No slot is ever handed out twice."""
        ...

    async def get_status_list(self, list_id: str) -> StatusListRecord | None: ...

    async def status_list_entries(self, list_id: str) -> dict[int, CredentialState]:
        """The entries of ``list_id`` that are not valid. Read after ``get_status_list``, the result is at least
        as new as that record's version."""
        ...

    async def change_credential_state(
        self, credential_id: str, action: StatusAction, *, actor: str, reason: str | None, now: datetime
    ) -> StateChange:
        """Atomically apply ``action`` (``oid4vc.store.transitions.decide_transition``), bump the list's version and
        write the audit row; nothing is written unless the outcome is CHANGED."""
        ...

    async def credential_history(self, credential_id: str) -> list[CredentialStatusEvent]: ...

    async def list_credentials(self, offer_id: str) -> list[IssuedCredentialRecord]: ...

    async def record_notification(
        self, notification_id: str, *, offer_id: str, event: str, now: datetime
    ) -> list[str]:
        """Record ``event`` on the credentials of ``notification_id`` issued from ``offer_id`` (the last event wins;
        a repeat changes nothing). Returns their ids; empty when there are none."""
        ...

    async def record_deferral(self, transaction: DeferredTransaction, *, token_expires_at: datetime) -> bool:
        """Atomically claim (token, configuration) as ``record_issuance`` does and store ``transaction``; the
        access token is kept alive until ``token_expires_at`` for the deferred and notification endpoints. False,
        with nothing written, when the pair was already claimed."""
        ...

    async def get_deferred(self, transaction_id_hash: str, *, now: datetime) -> DeferredTransaction | None: ...

    async def complete_deferred(
        self, transaction_id_hash: str, credentials: list[IssuedCredentialRecord], *, now: datetime
    ) -> bool:
        """Atomically consume an unexpired transaction and record ``credentials``; False (nothing written) when it
        is unknown, expired or already delivered."""
        ...

    async def approve_offer(
        self, offer_id: str, *, credential_subject: JsonObject | None, now: datetime
    ) -> OfferRecord | None:
        """Mark the offer approved (keeping the first approval time) and, if given, replace its subject."""
        ...


# -- events: the durable outbox and webhook deliveries -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EventRecord:
    """A stored event (``services.events.Event`` at rest)."""

    id: str
    type: str
    at: datetime
    subject_id: str | None
    request_id: str
    data: JsonObject


@dataclass(frozen=True, slots=True)
class WebhookTarget:
    """A receiver registered for one object's events (an offer or a presentation request: ``subject_id``)."""

    id: str
    subject_id: str
    url: str
    secret: str = field(repr=False)
    created_at: datetime


class DeliveryState(enum.StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"  # given up: retries exhausted, 410 Gone, or the target is no longer configured


@dataclass(frozen=True, slots=True)
class DeliveryAttempt:
    attempt: int
    at: datetime
    status: int | None  # the receiver's HTTP status; None when it did not answer
    error: str | None
    duration_ms: int


@dataclass(frozen=True, slots=True)
class ClaimedDelivery:
    """One attempt to make, held by ``claim`` until the lease ends. ``target`` is None for a configured target
    (``[[webhooks]]``, looked up by ``target_id``)."""

    event: EventRecord
    target_id: str
    attempt: int  # 1 for the first
    claim: str
    target: WebhookTarget | None = None


@dataclass(frozen=True, slots=True)
class FinishedAttempt:
    """The outcome of one claimed attempt: ``state`` next (PENDING: due again at ``next_attempt_at``)."""

    event_id: str
    target_id: str
    claim: str
    attempt: DeliveryAttempt
    state: DeliveryState
    next_attempt_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    event_id: str
    target_id: str
    state: DeliveryState
    attempts: int
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    last_status: int | None
    last_error: str | None
    history: tuple[DeliveryAttempt, ...] = ()


class OutboxStore(Protocol):
    async def add_webhook_target(self, target: WebhookTarget) -> None: ...

    async def record_events(self, events: Sequence[tuple[EventRecord, Sequence[str]]], *, now: datetime) -> None:
        """Atomically store each event with one pending delivery, due at ``now``, for each of its target ids
        (configured targets) and for each webhook target registered for its ``subject_id``. All or nothing."""
        ...

    async def claim_deliveries(
        self, *, now: datetime, lease_until: datetime, limit: int, claim: str
    ) -> list[ClaimedDelivery]:
        """Atomically take up to ``limit`` pending deliveries due at ``now``, oldest first: count an attempt, tag them
        with ``claim`` and make them due again only at ``lease_until`` (so a claimer that dies is replaced then).
        While a lease runs, no other caller gets the delivery."""
        ...

    async def finish_deliveries(self, finished: Sequence[FinishedAttempt]) -> list[bool]:
        """For each: record the attempt and move the delivery to its next state, only while its claim still holds it
        (False, with nothing written for it, otherwise). One transaction."""
        ...

    async def get_event(self, event_id: str) -> EventRecord | None: ...

    async def events_after(self, event_id: str | None, *, limit: int) -> list[EventRecord] | None:
        """Up to ``limit`` events stored after ``event_id`` (from the oldest kept when None), in the store's order;
        None when ``event_id`` is unknown (never stored, or purged). The order is final: an event not yet returned
        can never be placed before one already returned, so a reader that follows the last id it saw misses none,
        whatever the processes writing concurrently."""
        ...

    async def last_event_id(self) -> str | None:
        """The newest event ``events_after`` can return (None when there is none): where a live reader starts."""
        ...

    async def event_deliveries(self, event_id: str) -> list[DeliveryRecord]:
        """The deliveries of one event, each with its attempts."""
        ...

    async def purge_events(self, *, before: datetime) -> int:
        """Retention: delete events older than ``before`` none of whose deliveries is pending (with their deliveries
        and attempts), and webhook targets whose object is gone. Returns how many events were deleted."""
        ...


class Store(PresentationStore, LifecycleStore, OutboxStore, Protocol):
    async def create_offer(self, offer: OfferRecord) -> None: ...

    async def get_offer(self, offer_id: str) -> OfferRecord | None: ...

    async def get_offer_by_reference(self, reference: str) -> OfferRecord | None: ...

    async def redeem_pre_authorized_code(
        self,
        code_hash: str,
        *,
        tx_code_hash: str | None,
        now: datetime,
        max_tx_code_attempts: int,
        access_token: AccessTokenRecord,
    ) -> RedeemResult:
        """Atomically: check expiry, lock and tx_code, then mark the offer redeemed and store ``access_token``
        (the store fills in its ``offer_id`` and
        ``credential_configuration_ids`` from the offer). A wrong tx_code counts an attempt and locks the offer at
        ``max_tx_code_attempts``; nothing else changes on failure."""
        ...

    async def get_token_offer(self, token_hash: str, *, now: datetime) -> TokenOffer | None:
        """The unexpired token with its offer, or None."""
        ...

    async def consume_nonce(self, nonce: str, *, expires_at: datetime, now: datetime) -> bool:
        """Record ``nonce`` (already found authentic by the caller) as used until ``expires_at``: True only for its
        first use, also under concurrent calls from several processes. A nonce already expired at ``now`` is
        refused (False) and not recorded. The record is dropped by ``purge_expired`` once it has expired, when the
        nonce itself no longer verifies."""
        ...

    async def record_issuance(
        self, token_hash: str, credential_configuration_id: str, credentials: list[IssuedCredentialRecord]
    ) -> bool:
        """Atomically claim (token, configuration) and record ``credentials``; the offer becomes ``issued``.
        False, with nothing written, when that pair was already claimed."""
        ...

    async def get_credential(self, credential_id: str) -> IssuedCredentialRecord | None: ...

    async def purge_expired(self, *, now: datetime, offers_expired_before: datetime | None = None) -> int:
        """Retention: delete expired used nonces, access tokens (with their issuance claims) and deferred transactions,
        and offers never redeemed that expired before ``offers_expired_before`` (default ``now``); clear the
        ``credential_subject`` of offers that can issue nothing more. Returns how many rows were deleted."""
        ...

    async def close(self) -> None: ...
