"""The pre-authorized code redemption decision (OpenID4VCI 1.0 §6.1, §6.3, §13.6; errata §13.6.3), shared by
every store adapter so each one only has to apply it atomically.

Order matters and is the point of this module: unknown -> locked -> already redeemed -> expired -> tx_code
presence -> tx_code value. Nothing is consumed until every check has passed; a wrong tx_code only counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from oid4vc.store.base import OfferRecord, OfferState, RedeemOutcome, RedeemResult

__all__ = ["RedeemDecision", "decide_redeem"]


@dataclass(frozen=True, slots=True)
class RedeemDecision:
    result: RedeemResult
    new_state: OfferState | None = None  # None: write nothing
    attempts: int = 0


def decide_redeem(
    offer: OfferRecord | None, *, tx_code_hash: str | None, now: datetime, max_attempts: int
) -> RedeemDecision:
    if offer is None:
        return RedeemDecision(RedeemResult(RedeemOutcome.UNKNOWN))
    if offer.state is OfferState.LOCKED:
        return RedeemDecision(RedeemResult(RedeemOutcome.LOCKED, offer))
    if offer.state is not OfferState.OFFERED:
        return RedeemDecision(RedeemResult(RedeemOutcome.ALREADY_REDEEMED, offer))
    if now >= offer.expires_at:
        return RedeemDecision(RedeemResult(RedeemOutcome.EXPIRED, offer))
    if offer.tx_code_hash is None:
        if tx_code_hash is not None:
            return RedeemDecision(RedeemResult(RedeemOutcome.TX_CODE_UNEXPECTED, offer))
    elif tx_code_hash is None:
        return RedeemDecision(RedeemResult(RedeemOutcome.TX_CODE_MISSING, offer))
    elif tx_code_hash != offer.tx_code_hash:
        attempts = offer.tx_code_attempts + 1
        if attempts >= max_attempts:
            return RedeemDecision(RedeemResult(RedeemOutcome.LOCKED, offer, 0), OfferState.LOCKED, attempts)
        return RedeemDecision(
            RedeemResult(RedeemOutcome.TX_CODE_WRONG, offer, max_attempts - attempts), OfferState.OFFERED, attempts
        )
    return RedeemDecision(RedeemResult(RedeemOutcome.REDEEMED, offer), OfferState.REDEEMED, offer.tx_code_attempts)
