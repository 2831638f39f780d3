"""Authorization Response at the Response URI (OpenID4VP 1.0 §8.1, §8.2, §8.3, §8.3.1, §8.5).

- The body is ``application/x-www-form-urlencoded`` (§8.2); the caller hands over the decoded form.
- ``direct_post``: ``vp_token`` is a JSON-encoded object (§8.1) and ``state`` comes along (§8.2).
- ``direct_post.jwt``: a single ``response`` parameter, an encrypted JWT whose payload carries the response
  parameters as top-level members (§8.3, §8.3.1); decryption is an injected ``decrypt``. A plaintext
  ``vp_token`` when encryption was requested is refused; a plaintext *error* is accepted (§8.3.1: a wallet that
  cannot encrypt MAY send the error unencrypted).
- ``vp_token`` shape (§8.1): an object keyed by Credential Query id, each value a non-empty array of
  Presentations, strings (SD-JWT, JWT) or objects (Data Integrity ``ldp_vp``); one Presentation unless the
  query has ``multiple: true``; no key the query does not define.
- Error Responses (§8.5, RFC 6749 §4.1.2.1) carry ``error`` (``access_denied``, ``vp_formats_not_supported``,
  ``invalid_request_uri_method``, ``wallet_unavailable``, ...), ``error_description``, ``state``.
- Unknown parameters are ignored (§8.1: "The Client MUST ignore any unrecognized parameters").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from oid4vc.encoding import json_loads
from oid4vc.jose import JsonObject
from oid4vc.presentation.dcql import DcqlQuery
from oid4vc.presentation.errors import InvalidPresentationError
from oid4vc.presentation.request import ResponseMode

__all__ = [
    "WALLET_ERROR_CODES",
    "AuthorizationErrorResponse",
    "AuthorizationResponse",
    "Decrypt",
    "Presentation",
    "parse_authorization_response",
]

Presentation = str | JsonObject
Decrypt = Callable[[str], JsonObject]  # JWE compact -> payload object; raises ValueError when it cannot

# RFC 6749 §4.1.2.1 plus OpenID4VP 1.0 §8.5.
WALLET_ERROR_CODES = frozenset(
    {
        "invalid_request",
        "unauthorized_client",
        "access_denied",
        "unsupported_response_type",
        "invalid_scope",
        "server_error",
        "temporarily_unavailable",
        "invalid_client",
        "vp_formats_not_supported",
        "invalid_request_uri_method",
        "invalid_transaction_data",
        "wallet_unavailable",
    }
)
_ERROR_CODE = re.compile(r"^[\x20-\x21\x23-\x5b\x5d-\x7e]{1,100}$")  # RFC 6749 App. A.7 NQSCHAR


@dataclass(frozen=True, slots=True)
class AuthorizationResponse:
    vp_token: Mapping[str, tuple[Presentation, ...]]
    state: str | None
    encrypted: bool


@dataclass(frozen=True, slots=True)
class AuthorizationErrorResponse:
    error: str
    error_description: str | None
    state: str | None
    encrypted: bool

    @property
    def known(self) -> bool:
        return self.error in WALLET_ERROR_CODES


def _fail(reason: str, description: str) -> InvalidPresentationError:
    return InvalidPresentationError(reason, description)


def _optional_string(params: Mapping[str, Any], name: str) -> str | None:
    value = params.get(name)
    if value is not None and not isinstance(value, str):
        raise _fail("malformed_response", f"{name} must be a string")
    return value


def _vp_token(raw: object, query: DcqlQuery) -> dict[str, tuple[Presentation, ...]]:
    if isinstance(raw, str):  # form encoding: a JSON-encoded object (§8.1)
        try:
            raw = json_loads(raw)
        except ValueError:
            raise _fail("malformed_vp_token", "vp_token must be a JSON object") from None
    if not isinstance(raw, dict) or not raw:
        raise _fail("malformed_vp_token", "vp_token must be a non-empty JSON object")
    token: dict[str, tuple[Presentation, ...]] = {}
    for key, value in raw.items():
        credential_query = query.credential(key)
        if credential_query is None:
            raise _fail("unknown_credential_query", "vp_token has a key that is not a credential query id")
        if not isinstance(value, list) or not value:
            raise _fail("malformed_vp_token", f"vp_token.{key} must be a non-empty array")
        if len(value) > 1 and not credential_query.multiple:
            raise _fail("multiple_not_allowed", f"vp_token.{key} must hold exactly one presentation")
        if not all(isinstance(item, str | dict) and item for item in value):
            raise _fail("malformed_vp_token", f"vp_token.{key} holds presentations that are not strings or objects")
        token[key] = tuple(value)
    return token


def _from_params(
    params: Mapping[str, Any], query: DcqlQuery, *, encrypted: bool
) -> AuthorizationResponse | AuthorizationErrorResponse:
    state = _optional_string(params, "state")
    if "error" in params:
        error = params["error"]
        if not isinstance(error, str) or not _ERROR_CODE.match(error):
            raise _fail("malformed_response", "error must be an ASCII error code")
        if "vp_token" in params:
            raise _fail("malformed_response", "a response carries either vp_token or error, not both")
        return AuthorizationErrorResponse(error, _optional_string(params, "error_description"), state, encrypted)
    if "vp_token" not in params:
        raise _fail("malformed_response", "the response carries neither vp_token nor error")
    return AuthorizationResponse(_vp_token(params["vp_token"], query), state, encrypted)


def parse_authorization_response(
    form: Mapping[str, str],
    *,
    response_mode: ResponseMode,
    query: DcqlQuery,
    decrypt: Decrypt | None = None,
) -> AuthorizationResponse | AuthorizationErrorResponse:
    """Parse the wallet's POST for a request made with ``response_mode``. Raises InvalidPresentationError."""
    if response_mode == "direct_post.jwt" and "response" in form:
        if decrypt is None:
            raise ValueError("direct_post.jwt needs a decrypt function")
        try:
            payload = decrypt(form["response"])
        except ValueError:
            raise _fail("undecryptable_response", "the encrypted response could not be decrypted") from None
        if not isinstance(payload, dict):
            raise _fail("malformed_response", "the encrypted response payload must be a JSON object")
        return _from_params(payload, query, encrypted=True)
    if response_mode == "direct_post.jwt" and "error" not in form:
        # §8.3.1: only an error may come back unencrypted when encryption was requested.
        raise _fail("encryption_required", "this request asked for an encrypted response (direct_post.jwt)")
    if "response" in form:
        raise _fail("malformed_response", "response is only used with direct_post.jwt")
    return _from_params(form, query, encrypted=False)
