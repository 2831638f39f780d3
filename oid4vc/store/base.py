"""Store port (STYLE rule 7): use-case methods whose single-use guarantees are the adapter's job.

Every adapter runs the same contract suite (tests/contract). The atomic operations are:
- ``redeem_pre_authorized_code``: expiry, lock and tx_code are checked *before* the code is consumed; a wrong
  tx_code only counts an attempt (OpenID4VCI 1.0 §6.1, §13.6 and errata §13.6.3 "Transaction Code Guessing");
  the access token is stored in the same transaction, so a redeemed code always has its token.
- ``consume_nonce``: true only for the first use of an unexpired ``c_nonce`` (OpenID4VCI 1.0 §7, §13.8).
- ``record_issuance``: one issuance per (access token, credential configuration); a concurrent duplicate loses.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from oid4vc.jose import JsonObject

__all__ = [
    "AccessTokenRecord",
    "IssuedCredentialRecord",
    "OfferRecord",
    "OfferState",
    "RedeemOutcome",
    "RedeemResult",
    "Store",
    "StoreUnavailableError",
    "TxCodeSpec",
]


class StoreUnavailableError(ConnectionError):
    """The database cannot be reached right now (answered as 503 with Retry-After; nothing was written)."""


class OfferState(enum.StrEnum):
    OFFERED = "offered"
    REDEEMED = "redeemed"
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
class IssuedCredentialRecord:
    """What revocation and the admin API need; never the credential body (OpenID4VCI 1.0 §15)."""

    id: str
    offer_id: str
    credential_configuration_id: str
    format: str
    holder_jkt: str
    issued_at: datetime


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


class Store(Protocol):
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

    async def get_access_token(self, token_hash: str, *, now: datetime) -> AccessTokenRecord | None:
        """The unexpired token, or None."""
        ...

    async def add_nonce(self, nonce: str, *, expires_at: datetime) -> None: ...

    async def consume_nonce(self, nonce: str, *, now: datetime) -> bool:
        """True only for the first use of an unexpired nonce."""
        ...

    async def record_issuance(
        self, token_hash: str, credential_configuration_id: str, credentials: list[IssuedCredentialRecord]
    ) -> bool:
        """Atomically claim (token, configuration) and record ``credentials``; the offer becomes ``issued``.
        False, with nothing written, when that pair was already claimed."""
        ...

    async def get_credential(self, credential_id: str) -> IssuedCredentialRecord | None: ...

    async def purge_expired(self, *, now: datetime) -> int:
        """Delete expired nonces and access tokens; returns how many rows went."""
        ...

    async def close(self) -> None: ...
