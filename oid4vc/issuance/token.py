"""Token Endpoint, pre-authorized code grant (OpenID4VCI 1.0 §6; RFC 6749 §5).

The request is form-encoded (RFC 6749 §4.1.3, Appendix B). Outcomes of the atomic redemption map to the error
codes of OpenID4VCI 1.0 §6.3: a missing or unexpected ``tx_code`` is ``invalid_request``; a wrong one, an
unknown, expired, reused or locked code is ``invalid_grant`` (errata §13.6.3 for the lock).
"""

from __future__ import annotations

from pydantic import Field

from oid4vc.errors import InvalidGrantError, InvalidRequestError, ProtocolError, UnsupportedGrantTypeError
from oid4vc.jose import JsonObject
from oid4vc.model import Message, parse_message
from oid4vc.store.base import RedeemOutcome, RedeemResult

__all__ = ["PRE_AUTHORIZED_GRANT", "TokenRequest", "error_for", "parse_token_request", "token_response"]

PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"


class TokenRequest(Message):
    grant_type: str
    pre_authorized_code: str | None = Field(default=None, alias="pre-authorized_code", min_length=1)
    tx_code: str | None = None


def parse_token_request(form: dict[str, str]) -> TokenRequest:
    request = parse_message(TokenRequest, form)
    if request.grant_type != PRE_AUTHORIZED_GRANT:
        raise UnsupportedGrantTypeError("only the pre-authorized_code grant is supported")
    if not request.pre_authorized_code:
        raise InvalidRequestError("pre-authorized_code is required for this grant")
    return request


def error_for(result: RedeemResult) -> ProtocolError:
    """The wire error for a failed redemption."""
    match result.outcome:
        case RedeemOutcome.TX_CODE_MISSING:
            return InvalidRequestError("tx_code is required for this offer")
        case RedeemOutcome.TX_CODE_UNEXPECTED:
            return InvalidRequestError("tx_code was not expected for this offer")
        case RedeemOutcome.TX_CODE_WRONG:
            return InvalidGrantError(f"tx_code is wrong; {result.attempts_left} attempts left")
        case RedeemOutcome.LOCKED:
            return InvalidGrantError("too many wrong tx_code attempts; the offer is locked")
        case RedeemOutcome.EXPIRED:
            return InvalidGrantError("pre-authorized_code has expired")
        case RedeemOutcome.ALREADY_REDEEMED:
            return InvalidGrantError("pre-authorized_code was already used")
        case _:
            return InvalidGrantError("pre-authorized_code is unknown")


def token_response(access_token: str, *, expires_in: int) -> JsonObject:
    """RFC 6749 §5.1 successful response (no ``c_nonce``: OpenID4VCI 1.0 uses the Nonce Endpoint)."""
    return {"access_token": access_token, "token_type": "Bearer", "expires_in": expires_in}
