"""Deferred Credential issuance (OpenID4VCI 1.0 §8.3 and §9).

- When the issuer cannot issue at once, the Credential Response is HTTP 202 with ``transaction_id`` and
  ``interval`` (seconds the wallet SHOULD wait between polls) and no ``credentials`` (§8.3);
- the Deferred Credential Request (§9.1) carries ``transaction_id``; the answer is 200 with ``credentials`` (and
  ``notification_id``) once issued, or 202 with the same ``transaction_id`` and ``interval`` while pending (§9.2).
  OpenID4VCI 1.0 Final dropped the draft-era ``issuance_pending`` error in favour of this 202;
- ``invalid_transaction_id`` (§9.3): not issued by this issuer (to this access token), or already used: a
  ``transaction_id`` is invalidated once the credential is delivered (§9.2).
"""

from __future__ import annotations

from typing import Any

from oid4vc.errors import InvalidCredentialRequestError, ProtocolError
from oid4vc.issuance.credential_request import InvalidEncryptionParametersError
from oid4vc.jose import JsonObject
from oid4vc.model import Message, parse_message

__all__ = [
    "DeferredCredentialRequest",
    "InvalidTransactionIdError",
    "deferred_response",
    "parse_deferred_credential_request",
]


class InvalidTransactionIdError(ProtocolError):
    error = "invalid_transaction_id"


class DeferredCredentialRequest(Message):
    transaction_id: str
    credential_response_encryption: dict[str, Any] | None = None


def parse_deferred_credential_request(body: Any) -> str:
    """The ``transaction_id`` of a Deferred Credential Request (§9.1); unknown parameters are ignored."""
    request = parse_message(DeferredCredentialRequest, body, error=InvalidCredentialRequestError)
    if request.credential_response_encryption is not None:
        raise InvalidEncryptionParametersError("credential response encryption is not supported by this issuer")
    if not request.transaction_id:
        raise InvalidCredentialRequestError("transaction_id must not be empty")
    return request.transaction_id


def deferred_response(transaction_id: str, *, interval: int) -> JsonObject:
    """The 202 body (§8.3, §9.2): ``transaction_id`` with ``interval``, never with ``credentials``."""
    return {"transaction_id": transaction_id, "interval": interval}
