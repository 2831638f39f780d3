"""Authorization Request and Request Object of the Verifier (OpenID4VP 1.0 §5, §5.8, §5.10; RFC 9101).

What every request carries, and why:

- ``response_type=vp_token`` (§5.4 / HAIP §5), ``client_id`` with its prefix (§5.9), ``response_mode``
  ``direct_post`` or ``direct_post.jwt`` with ``response_uri`` and never ``redirect_uri`` (§8.2, §8.3.1);
- ``nonce``: fresh from a CSPRNG for every request, only ``[A-Za-z0-9._~-]`` (§5.2); ``new_nonce`` makes 256
  bits, base64url (43 characters);
- ``state``: REQUIRED when any Credential Query accepts Presentations without Holder Binding (§5.3), same
  charset; callers are expected to send one always (RECOMMENDED in the errata);
- ``dcql_query`` (§5.1; this Verifier never uses ``scope``, ``transaction_data`` or the removed
  ``presentation_definition`` / ``client_id_scheme``);
- ``client_metadata.vp_formats_supported`` for the formats asked for (§5.1, §11.1, App. B), and for
  ``direct_post.jwt`` a ``jwks`` with one ephemeral ECDH-ES P-256 key carrying ``kid``, ``use=enc`` and ``alg``
  (§5.1, §8.3) plus ``encrypted_response_enc_values_supported`` [A128GCM, A256GCM] (§5.1; HAIP §5 wants both);
- Request Objects: JOSE ``typ`` ``oauth-authz-req+jwt`` (§5), ``aud`` ``https://self-issued.me/v2`` under static
  discovery (§5.8), ``iat``/``exp``, the same ``client_id`` as the URL (§5.10.1), and the wallet's
  ``wallet_nonce`` when it POSTed one to the Request URI (§5.10) -- and only then.

Which prefixes sign: ``redirect_uri`` never (so its requests travel as URL parameters), the x509 and DID
prefixes always (``client_id.VerifierIdentity.signed``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from urllib.parse import urlencode

from pydantic import BaseModel, ConfigDict, Field

from oid4vc.clock import to_epoch
from oid4vc.crypto.base import JwtSigner
from oid4vc.encoding import b64url_encode, json_loads
from oid4vc.errors import InvalidRequestError
from oid4vc.jose import JsonObject, Jwk, is_private_jwk, jwk_thumbprint, public_jwk
from oid4vc.oauth2.jar import check_request_uri, sign_request_object
from oid4vc.presentation.client_id import VerifierIdentity, check_response_uri
from oid4vc.presentation.dcql import FORMAT_DC_SD_JWT, FORMAT_JWT_VC_JSON, FORMAT_LDP_VC, DcqlQuery
from oid4vc.webhooks.targets import WebhookInput

__all__ = [
    "DEFAULT_AUTHORIZATION_ENDPOINT",
    "ENC_VALUES",
    "RESPONSE_TYPE",
    "STATIC_AUDIENCE",
    "AuthorizationRequest",
    "PresentationCreate",
    "RequestUriMethod",
    "RequestUriPost",
    "ResponseMode",
    "VpFormatPolicy",
    "create_authorization_request",
    "new_nonce",
    "parse_request_uri_post",
    "wallet_link",
]

RESPONSE_TYPE = "vp_token"
STATIC_AUDIENCE = "https://self-issued.me/v2"
DEFAULT_AUTHORIZATION_ENDPOINT = "openid4vp://"
ENC_VALUES = ("A128GCM", "A256GCM")
ResponseMode = Literal["direct_post", "direct_post.jwt"]
RequestUriMethod = Literal["get", "post"]

_URL_SAFE = re.compile(r"^[A-Za-z0-9._~-]+$")
_MAX_WALLET_NONCE = 512


def new_nonce(randbytes: Callable[[int], bytes], *, size: int = 32) -> str:
    """A ``nonce`` / ``state`` value: ``size`` random bytes (>= 16, i.e. >= 128 bits), base64url."""
    if size < 16:
        raise ValueError("nonce and state need at least 128 bits of entropy")
    raw = randbytes(size)
    if len(raw) != size:
        raise ValueError("the random source returned the wrong number of bytes")
    return b64url_encode(raw)


@dataclass(frozen=True, slots=True)
class VpFormatPolicy:
    """What this Verifier accepts, per format (App. B.1.3.1.3, B.1.3.2.3, B.3.4 metadata names)."""

    sd_jwt_alg_values: tuple[str, ...] = ("ES256",)
    kb_jwt_alg_values: tuple[str, ...] = ("ES256",)
    jwt_vc_alg_values: tuple[str, ...] = ("ES256", "EdDSA")
    ldp_proof_type_values: tuple[str, ...] = ("DataIntegrityProof", "Ed25519Signature2020")
    ldp_cryptosuite_values: tuple[str, ...] = ("eddsa-rdfc-2022",)

    def vp_formats_supported(self, formats: Iterable[str]) -> JsonObject:
        """``vp_formats_supported`` for ``formats``; a format without parameters maps to ``{}``."""
        known: dict[str, JsonObject] = {
            FORMAT_DC_SD_JWT: {
                "sd-jwt_alg_values": list(self.sd_jwt_alg_values),
                "kb-jwt_alg_values": list(self.kb_jwt_alg_values),
            },
            FORMAT_JWT_VC_JSON: {"alg_values": list(self.jwt_vc_alg_values)},
            FORMAT_LDP_VC: {
                "proof_type_values": list(self.ldp_proof_type_values),
                "cryptosuite_values": list(self.ldp_cryptosuite_values),
            },
        }
        return {fmt: known.get(fmt, {}) for fmt in sorted(set(formats))}


def _encryption_jwks(jwk: Jwk) -> JsonObject:
    """§8.3: each JWK has ``kid`` and ``alg``; ``use`` ``enc``. HAIP §5: ECDH-ES on P-256."""
    if is_private_jwk(jwk):
        raise ValueError("the response encryption JWK must be public")
    if jwk.get("kty") != "EC" or jwk.get("crv") != "P-256":
        raise ValueError("the response encryption key must be EC P-256 (ECDH-ES)")
    key = public_jwk(jwk) | {"use": "enc", "alg": "ECDH-ES"}
    key.setdefault("kid", jwk_thumbprint(jwk))
    return {"keys": [key]}


@dataclass(frozen=True, slots=True)
class AuthorizationRequest:
    """One presentation request, as the Verifier stores it and sends it."""

    identity: VerifierIdentity
    response_uri: str
    response_mode: ResponseMode
    nonce: str
    state: str | None
    dcql_query: DcqlQuery
    client_metadata: JsonObject

    @property
    def client_id(self) -> str:
        return str(self.identity.client_id)

    def parameters(self) -> JsonObject:
        params: JsonObject = {
            "response_type": RESPONSE_TYPE,
            "client_id": self.client_id,
            "response_mode": self.response_mode,
            "response_uri": self.response_uri,
            "nonce": self.nonce,
            "dcql_query": self.dcql_query.to_json(),
            "client_metadata": self.client_metadata,
        }
        if self.state is not None:
            params["state"] = self.state
        return params

    def request_object(
        self, *, now: datetime, lifetime: timedelta, wallet_nonce: str | None = None, aud: str = STATIC_AUDIENCE
    ) -> JsonObject:
        """The Request Object claims (§5, §5.8); ``wallet_nonce`` only when the wallet POSTed one (§5.10)."""
        claims = self.parameters() | {"aud": aud, "iat": to_epoch(now), "exp": to_epoch(now + lifetime)}
        if wallet_nonce is not None:
            claims["wallet_nonce"] = wallet_nonce
        return claims

    def sign(self, signer: JwtSigner, *, now: datetime, lifetime: timedelta, wallet_nonce: str | None = None) -> str:
        """The signed Request Object served at the Request URI (§5.10.1)."""
        if not self.identity.signed:
            raise ValueError(f"{self.identity.client_id.prefix} requests are not signed")
        claims = self.request_object(now=now, lifetime=lifetime, wallet_nonce=wallet_nonce)
        return sign_request_object(claims, signer=signer, x5c=self.identity.x5c, kid=self.identity.kid)

    def query_parameters(self) -> dict[str, str]:
        """The request as URL parameters, objects JSON-serialized (§5.1); only for unsigned prefixes."""
        if self.identity.signed:
            raise ValueError("this client_id prefix requires a signed Request Object; use request_uri")
        return {
            k: v if isinstance(v, str) else json.dumps(v, separators=(",", ":")) for k, v in self.parameters().items()
        }


def create_authorization_request(
    *,
    identity: VerifierIdentity,
    response_uri: str,
    response_mode: ResponseMode,
    nonce: str,
    state: str | None,
    dcql_query: DcqlQuery,
    formats: VpFormatPolicy,
    encryption_jwk: Jwk | None = None,
    enc_values: tuple[str, ...] = ENC_VALUES,
    allow_http: bool = False,
) -> AuthorizationRequest:
    """Assemble and check a request. Raises ValueError (``ClientIdError`` for prefix rules) on a bad setup."""
    check_response_uri(identity, response_uri, allow_http=allow_http)
    if not _URL_SAFE.match(nonce) or (state is not None and not _URL_SAFE.match(state)):
        raise ValueError("nonce and state may only use A-Z a-z 0-9 . _ ~ -")  # §5.2
    if state is None and dcql_query.requires_state:
        raise ValueError("state is required when a credential query accepts presentations without holder binding")
    metadata: JsonObject = {"vp_formats_supported": formats.vp_formats_supported(dcql_query.formats)}
    if response_mode == "direct_post.jwt":
        if encryption_jwk is None:
            raise ValueError("direct_post.jwt needs an ephemeral response encryption key")
        if not enc_values:
            raise ValueError("encrypted_response_enc_values_supported must not be empty")
        metadata["jwks"] = _encryption_jwks(encryption_jwk)
        metadata["encrypted_response_enc_values_supported"] = list(enc_values)
    elif encryption_jwk is not None:
        raise ValueError("an encryption key only makes sense with direct_post.jwt")
    return AuthorizationRequest(identity, response_uri, response_mode, nonce, state, dcql_query, metadata)


def wallet_link(
    *,
    client_id: str,
    request_uri: str | None = None,
    request_uri_method: RequestUriMethod | None = None,
    parameters: Mapping[str, str] | None = None,
    client_metadata: JsonObject | None = None,
    authorization_endpoint: str = DEFAULT_AUTHORIZATION_ENDPOINT,
    allow_http: bool = False,
) -> str:
    """``openid4vp://?client_id=...&request_uri=...[&request_uri_method=post]`` (§5.10, §9), or with
    ``parameters`` (``AuthorizationRequest.query_parameters``) the request by value.

    ``client_metadata`` next to ``request_uri_method=post`` lets the wallet see the Verifier's capabilities before
    it POSTs (§5.1 SHOULD, when there is no other way); it must equal the Request Object's."""
    if (request_uri is None) == (parameters is None):
        raise ValueError("give exactly one of request_uri and parameters")
    if request_uri_method is not None and request_uri is None:
        raise ValueError("request_uri_method must not be present without request_uri")  # §5.1
    query: dict[str, str] = {"client_id": client_id}
    if request_uri is not None:
        check_request_uri(request_uri, allow_http=allow_http)
        query["request_uri"] = request_uri
        if request_uri_method is not None:
            query["request_uri_method"] = request_uri_method
        if client_metadata is not None:
            query["client_metadata"] = json.dumps(client_metadata, separators=(",", ":"))
    else:
        assert parameters is not None
        if parameters.get("client_id", client_id) != client_id:
            raise ValueError("client_id differs from the request's")
        query |= parameters
    separator = "&" if "?" in authorization_endpoint else "?"
    return f"{authorization_endpoint}{separator}{urlencode(query)}"


@dataclass(frozen=True, slots=True)
class RequestUriPost:
    """The wallet's POST to the Request URI (§5.10): both members OPTIONAL, unknown ones ignored."""

    wallet_nonce: str | None
    wallet_metadata: JsonObject | None


def parse_request_uri_post(form: Mapping[str, str]) -> RequestUriPost:
    wallet_nonce = form.get("wallet_nonce")
    if wallet_nonce is not None and not 0 < len(wallet_nonce) <= _MAX_WALLET_NONCE:
        raise InvalidRequestError(f"wallet_nonce must be 1 to {_MAX_WALLET_NONCE} characters")
    raw = form.get("wallet_metadata")
    metadata = None
    if raw is not None:
        try:
            metadata = json_loads(raw)
        except ValueError:
            raise InvalidRequestError("wallet_metadata must be a JSON object") from None
        if not isinstance(metadata, dict):
            raise InvalidRequestError("wallet_metadata must be a JSON object")
    return RequestUriPost(wallet_nonce, metadata)


class PresentationCreate(BaseModel):
    """Body of ``POST /admin/presentations``; unset members take the configured defaults."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dcql_query: JsonObject
    response_mode: ResponseMode | None = None
    request_uri_method: RequestUriMethod | None = None
    expires_in: int | None = Field(default=None, ge=30, le=86400)
    webhook: WebhookInput | None = None  # a receiver for this request's events (docs/events.md)
