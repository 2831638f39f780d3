"""Credential Request (OpenID4VCI 1.0 §8.2) and its validation rules (§8.3.1.2 error codes).

- exactly one of ``credential_identifier`` / ``credential_configuration_id`` (§8.2);
- ``proofs`` holds exactly one proof type with a non-empty array, MUST be present when the configuration has
  ``proof_types_supported`` (§8.2), and has at most ``batch_size`` entries (§12.2.4 ``batch_credential_issuance``);
- unknown parameters are ignored (§8.2), the draft-era singular ``proof`` included: without ``proofs`` the request
  has no key proof (``invalid_proof``, with a hint);
- ``credential_response_encryption`` is refused with ``invalid_encryption_parameters`` (not advertised, §10).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from oid4vc.errors import (
    InvalidCredentialRequestError,
    InvalidProofError,
    ProtocolError,
    UnknownCredentialConfigurationError,
    UnknownCredentialIdentifierError,
)
from oid4vc.jose import JsonObject
from oid4vc.model import Message, parse_message

__all__ = [
    "CredentialRequest",
    "InvalidEncryptionParametersError",
    "ValidCredentialRequest",
    "validate_credential_request",
]


class InvalidEncryptionParametersError(ProtocolError):
    error = "invalid_encryption_parameters"


class CredentialRequest(Message):
    credential_identifier: str | None = None
    credential_configuration_id: str | None = None
    proofs: dict[str, Any] | None = None
    credential_response_encryption: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class ValidCredentialRequest:
    credential_configuration_id: str
    jwt_proofs: tuple[str, ...]


def validate_credential_request(
    body: JsonObject,
    *,
    known_configurations: frozenset[str],
    granted_configurations: tuple[str, ...],
    batch_size: int,
) -> ValidCredentialRequest:
    request = parse_message(CredentialRequest, body, error=InvalidCredentialRequestError)
    if request.credential_response_encryption is not None:
        raise InvalidEncryptionParametersError("credential response encryption is not supported by this issuer")
    if (request.credential_identifier is None) == (request.credential_configuration_id is None):
        raise InvalidCredentialRequestError(
            "exactly one of credential_identifier and credential_configuration_id is required"
        )
    if request.credential_identifier is not None:
        # The token response carries no authorization_details, so no credential_identifier was ever issued.
        raise UnknownCredentialIdentifierError("credential_identifier is not known for this access token")
    config_id = request.credential_configuration_id or ""
    if config_id not in known_configurations:
        raise UnknownCredentialConfigurationError("credential_configuration_id is not supported")
    if config_id not in granted_configurations:
        raise InvalidCredentialRequestError("the access token does not cover this credential_configuration_id")
    proofs = request.proofs
    if proofs is None:
        # §8.2: unknown parameters are ignored -- the draft-era `proof` included -- so a request without `proofs`
        # lacks its key proof (§8.3.1.2 invalid_proof); say what to send instead.
        hint = "; the draft proof parameter is not part of OpenID4VCI 1.0, send proofs" if "proof" in body else ""
        raise InvalidProofError("proofs is required for this credential configuration" + hint)
    if len(proofs) != 1:
        raise InvalidCredentialRequestError("proofs must contain exactly one proof type")
    proof_type, items = next(iter(proofs.items()))
    if proof_type != "jwt":
        raise InvalidProofError("proof type is not supported (see proof_types_supported)")
    if not isinstance(items, list) or not items or not all(isinstance(p, str) for p in items):
        raise InvalidCredentialRequestError("proofs.jwt must be a non-empty array of JWT strings")
    if len(items) > batch_size:
        raise InvalidCredentialRequestError(f"at most {batch_size} proofs are accepted (batch_size)")
    return ValidCredentialRequest(config_id, tuple(items))
