"""Protocol errors named after their wire codes (RFC 6749 §5.2, RFC 6750 §3.1, OpenID4VCI 1.0 §6.3, §8.3.1).

Each error is a type whose ``error`` class attribute is the wire code and whose ``status`` is the HTTP status
the spec prescribes. They are raised anywhere and rendered exactly once, by the web middleware.

``description`` is public: it must be printable ASCII without ``"`` or ``\\`` (OpenID4VCI 1.0 §8.3.1.2,
RFC 6749 §5.2 ``error_description``). ``detail`` is for logs only and never reaches the wire.
"""

from __future__ import annotations

import re
from typing import ClassVar

__all__ = [
    "AccessDeniedError",
    "AdminUnauthorizedError",
    "ConflictError",
    "CredentialRequestDeniedError",
    "InvalidClientError",
    "InvalidCredentialRequestError",
    "InvalidGrantError",
    "InvalidNonceError",
    "InvalidProofError",
    "InvalidRequestError",
    "InvalidTokenError",
    "NotFoundError",
    "ProtocolError",
    "ServerError",
    "TemporarilyUnavailableError",
    "UnknownCredentialConfigurationError",
    "UnknownCredentialIdentifierError",
    "UnsupportedGrantTypeError",
    "safe_description",
]

_UNSAFE = re.compile(r'[^\x20-\x21\x23-\x5b\x5d-\x7e]')


def safe_description(text: str) -> str:
    """Reduce ``text`` to the ASCII subset allowed in ``error_description`` (OpenID4VCI 1.0 §8.3.1.2)."""
    return _UNSAFE.sub("?", text)[:500]


class ProtocolError(Exception):
    """Base of every error that is answered on the wire."""

    error: ClassVar[str] = "server_error"
    status: ClassVar[int] = 400

    def __init__(self, description: str = "", *, detail: str = "", headers: dict[str, str] | None = None) -> None:
        super().__init__(description or self.error)
        self.description = safe_description(description)
        self.detail = detail
        self.headers: dict[str, str] = dict(headers or {})

    def to_body(self) -> dict[str, str]:
        body = {"error": self.error}
        if self.description:
            body["error_description"] = self.description
        return body


# RFC 6749 §5.2 / OpenID4VCI 1.0 §6.3 (token endpoint)
class InvalidRequestError(ProtocolError):
    error = "invalid_request"


class InvalidGrantError(ProtocolError):
    error = "invalid_grant"


class InvalidClientError(ProtocolError):
    error = "invalid_client"
    status = 401


class UnsupportedGrantTypeError(ProtocolError):
    error = "unsupported_grant_type"


class AccessDeniedError(ProtocolError):
    error = "access_denied"


# RFC 6750 §3.1 (protected resources)
class InvalidTokenError(ProtocolError):
    """401 with ``WWW-Authenticate: Bearer error="invalid_token"`` (RFC 6750 §3)."""

    error = "invalid_token"
    status = 401

    def __init__(self, description: str = "", *, detail: str = "") -> None:
        super().__init__(description, detail=detail)
        challenge = f'Bearer error="{self.error}"'
        if self.description:
            challenge += f', error_description="{self.description}"'
        self.headers["WWW-Authenticate"] = challenge


# OpenID4VCI 1.0 §8.3.1.2 (credential endpoint)
class InvalidCredentialRequestError(ProtocolError):
    error = "invalid_credential_request"


class UnknownCredentialConfigurationError(ProtocolError):
    error = "unknown_credential_configuration"


class UnknownCredentialIdentifierError(ProtocolError):
    error = "unknown_credential_identifier"


class InvalidProofError(ProtocolError):
    error = "invalid_proof"


class InvalidNonceError(ProtocolError):
    error = "invalid_nonce"


class CredentialRequestDeniedError(ProtocolError):
    error = "credential_request_denied"


# Operator API (not a wallet protocol): same rendering, codes of our own.
class AdminUnauthorizedError(ProtocolError):
    error = "unauthorized"
    status = 401

    def __init__(self, description: str = "a valid admin bearer token is required", *, detail: str = "") -> None:
        super().__init__(description, detail=detail, headers={"WWW-Authenticate": 'Bearer realm="admin"'})


class NotFoundError(ProtocolError):
    error = "not_found"
    status = 404


class ConflictError(ProtocolError):
    error = "conflict"
    status = 409


class ServerError(ProtocolError):
    error = "server_error"
    status = 500


class TemporarilyUnavailableError(ProtocolError):
    """RFC 6749 §4.1.2.1 ``temporarily_unavailable``: answered as 503 with Retry-After."""

    error = "temporarily_unavailable"
    status = 503
