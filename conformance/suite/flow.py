"""What the wallet flow produces and consumes: options, resolved offers, redemptions, issuances
(OpenID4VCI 1.0 §4.1, §6.2, §8.3), and the well-known URL rule (§12.2.2, RFC 8414 §3.1)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from conformance.suite.http import HttpResponse
from conformance.suite.offers import PRE_AUTHORIZED_GRANT, ObtainedOffer, OfferLink
from conformance.suite.wallet import HolderKey

__all__ = [
    "Issuance",
    "IssuerOptions",
    "Redemption",
    "ResolvedOffer",
    "credential_identifiers",
    "well_known_url",
]

JsonObject = dict[str, Any]


def well_known_url(identifier: str, suffix: str) -> str:
    """Insert ``/.well-known/<suffix>`` between host and path (OpenID4VCI 1.0 §12.2.2, RFC 8414 §3.1)."""
    parts = urlsplit(identifier)
    path = parts.path.rstrip("/")
    return f"{parts.scheme}://{parts.netloc}/.well-known/{suffix}{path}"


@dataclass(frozen=True, slots=True)
class IssuerOptions:
    issuer: str  # the Credential Issuer Identifier under test
    allow_http: bool = False  # accept http URLs (development servers) as warnings instead of failures
    config_ids: tuple[str, ...] = ()  # configurations under test; the first is the primary one
    client_id: str | None = None  # sent in token requests (default: anonymous pre-authorized access)
    batch_max: int = 3  # proofs sent by the batch checks (capped by batch_size)

    @property
    def issuer_id(self) -> str:
        parts = urlsplit(self.issuer)
        return self.issuer[:-1] if parts.path == "/" else self.issuer


@dataclass(frozen=True, slots=True)
class ResolvedOffer:
    obtained: ObtainedOffer
    link: OfferLink
    offer: JsonObject
    fetch: HttpResponse | None = None  # the GET of credential_offer_uri, when by reference

    @property
    def by_reference(self) -> bool:
        return self.link.credential_offer_uri is not None

    @property
    def pre_authorized_grant(self) -> JsonObject | None:
        grants = self.offer.get("grants")
        grant = grants.get(PRE_AUTHORIZED_GRANT) if isinstance(grants, dict) else None
        return grant if isinstance(grant, dict) else None

    @property
    def pre_authorized_code(self) -> str | None:
        code = (self.pre_authorized_grant or {}).get("pre-authorized_code")
        return code if isinstance(code, str) and code else None

    @property
    def tx_code_required(self) -> bool:
        return "tx_code" in (self.pre_authorized_grant or {})

    @property
    def config_ids(self) -> list[str]:
        ids = self.offer.get("credential_configuration_ids")
        return [i for i in ids if isinstance(i, str)] if isinstance(ids, list) else []


@dataclass(frozen=True, slots=True)
class Redemption:
    offer: ResolvedOffer
    response: HttpResponse
    access_token: str


@dataclass(frozen=True, slots=True)
class Issuance:
    config_id: str
    format: str
    keys: tuple[HolderKey, ...]
    nonce: str | None
    response: HttpResponse
    credentials: tuple[Any, ...]  # the `credential` values, in order


def credential_identifiers(token_response: JsonObject) -> dict[str, list[str]]:
    """``authorization_details`` of type ``openid_credential`` -> {credential_configuration_id: identifiers}."""
    out: dict[str, list[str]] = {}
    details = token_response.get("authorization_details")
    for detail in details if isinstance(details, list) else []:
        if not isinstance(detail, dict) or detail.get("type") != "openid_credential":
            continue
        ids = detail.get("credential_identifiers")
        config_id = detail.get("credential_configuration_id")
        if isinstance(config_id, str) and isinstance(ids, list):
            out[config_id] = [i for i in ids if isinstance(i, str)]
    return out
