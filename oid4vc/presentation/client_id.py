"""Client Identifier Prefixes (OpenID4VP 1.0 §5.9), Verifier side.

Syntax ``<client_id_prefix>:<orig_client_id>``; the prefix is the text before the first ``:`` and a value whose
prefix is not a known one is a pre-registered client (§5.9.1, §5.9.2). The full string, prefix included, is
the Client Identifier everywhere: URL, Request Object and the audience of every presentation (§14.8).

Rules this Verifier applies to its own identity before it sends a request (§5.9.3):

- ``redirect_uri``: requests cannot be signed; the value is the Response URI (with ``direct_post``);
- ``x509_san_dns``: signed with the leaf key of ``x5c``; the value is a DNS name equal to a dNSName SAN of the
  leaf; the host of the Response URI equals it (the wallet may relax this only for trusted client ids);
- ``x509_hash``: signed with the leaf key of ``x5c``; the value is base64url(SHA-256(DER of the leaf));
- ``decentralized_identifier``: signed; the JOSE ``kid`` is a DID URL of that DID;
- ``origin`` is reserved for the DC API audience and MUST NOT be used in requests; ``verifier_attestation`` and
  ``openid_federation`` are not supported here.

Certificate parsing is the crypto adapter's job: callers pass the leaf's dNSName SANs already extracted. Chain
validation and the HAIP rules (no trust anchor in ``x5c``, leaf not self-signed) are the adapter's as well.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal
from urllib.parse import urlsplit

from oid4vc.encoding import b64url_encode

__all__ = [
    "ClientId",
    "ClientIdError",
    "ClientIdPrefix",
    "ClientIdReason",
    "VerifierIdentity",
    "check_identity",
    "check_response_uri",
    "did_identity",
    "parse_client_id",
    "redirect_uri_identity",
    "x5c_leaf_der",
    "x509_hash",
    "x509_hash_identity",
    "x509_san_dns_identity",
]


class ClientIdPrefix(StrEnum):
    REDIRECT_URI = "redirect_uri"
    X509_SAN_DNS = "x509_san_dns"
    X509_HASH = "x509_hash"
    DECENTRALIZED_IDENTIFIER = "decentralized_identifier"
    VERIFIER_ATTESTATION = "verifier_attestation"
    OPENID_FEDERATION = "openid_federation"
    ORIGIN = "origin"


_MUST_SIGN = frozenset(
    {
        ClientIdPrefix.X509_SAN_DNS,
        ClientIdPrefix.X509_HASH,
        ClientIdPrefix.DECENTRALIZED_IDENTIFIER,
        ClientIdPrefix.VERIFIER_ATTESTATION,
    }
)
_PREFIXES = frozenset(p.value for p in ClientIdPrefix)
_DNS_NAME = re.compile(r"^(?=.{1,253}$)(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*$")

ClientIdReason = Literal[
    "malformed",
    "unsupported_prefix",
    "must_not_sign",
    "must_sign",
    "san_mismatch",
    "hash_mismatch",
    "response_uri_mismatch",
    "kid_mismatch",
]


class ClientIdError(ValueError):
    def __init__(self, reason: ClientIdReason, message: str) -> None:
        super().__init__(message)
        self.reason: ClientIdReason = reason


@dataclass(frozen=True, slots=True)
class ClientId:
    prefix: ClientIdPrefix | None  # None: a pre-registered client (§5.9.2)
    value: str  # <orig_client_id>

    def __str__(self) -> str:
        return self.value if self.prefix is None else f"{self.prefix.value}:{self.value}"

    @property
    def must_sign(self) -> bool:
        return self.prefix in _MUST_SIGN


def parse_client_id(text: str) -> ClientId:
    """§5.9.1: the prefix is the text before the first ``:``; unknown prefixes mean pre-registered (§5.9.2)."""
    if not text:
        raise ClientIdError("malformed", "client_id must not be empty")
    head, sep, rest = text.partition(":")
    if sep and head in _PREFIXES:
        if not rest:
            raise ClientIdError("malformed", "client_id has a prefix but no identifier")
        return ClientId(ClientIdPrefix(head), rest)
    return ClientId(None, text)


def x5c_leaf_der(x5c: Sequence[str]) -> bytes:
    """DER of the first ``x5c`` entry (RFC 7515 §4.1.6: standard base64, not base64url)."""
    if not x5c:
        raise ClientIdError("malformed", "x5c must hold at least the leaf certificate")
    try:
        return base64.b64decode(x5c[0], validate=True)
    except (binascii.Error, ValueError):
        raise ClientIdError("malformed", "x5c entries are base64 DER certificates") from None


def x509_hash(leaf_der: bytes) -> str:
    """§5.9.3 ``x509_hash``: base64url SHA-256 of the DER-encoded leaf certificate."""
    return b64url_encode(hashlib.sha256(leaf_der).digest())


@dataclass(frozen=True, slots=True)
class VerifierIdentity:
    """Who this Verifier is to the wallet, and how its Request Objects are signed."""

    client_id: ClientId
    x5c: tuple[str, ...] = ()  # JOSE header for the x509 prefixes, leaf first
    kid: str | None = None  # JOSE header for decentralized_identifier (a DID URL)

    @property
    def signed(self) -> bool:
        return self.client_id.must_sign


def redirect_uri_identity(response_uri: str) -> VerifierIdentity:
    """``redirect_uri:<Response URI>``; such requests are never signed (§5.9.3)."""
    return VerifierIdentity(ClientId(ClientIdPrefix.REDIRECT_URI, response_uri))


def x509_san_dns_identity(dns_name: str, *, x5c: Sequence[str], leaf_dns_sans: Sequence[str]) -> VerifierIdentity:
    if not _DNS_NAME.match(dns_name):
        raise ClientIdError("malformed", "x509_san_dns needs a DNS name")
    x5c_leaf_der(x5c)
    if dns_name.lower() not in {san.lower() for san in leaf_dns_sans}:  # §5.9.3: MUST match a dNSName SAN
        raise ClientIdError("san_mismatch", "the DNS name is not a dNSName SAN of the leaf certificate")
    return VerifierIdentity(ClientId(ClientIdPrefix.X509_SAN_DNS, dns_name), tuple(x5c))


def x509_hash_identity(*, x5c: Sequence[str]) -> VerifierIdentity:
    return VerifierIdentity(ClientId(ClientIdPrefix.X509_HASH, x509_hash(x5c_leaf_der(x5c))), tuple(x5c))


def did_identity(did_url: str) -> VerifierIdentity:
    """``decentralized_identifier:<DID>``, signed with the key ``did_url`` names (§5.9.3: ``kid`` MUST)."""
    did, sep, fragment = did_url.partition("#")
    if not did.startswith("did:") or did.count(":") < 2 or not sep or not fragment:
        raise ClientIdError("malformed", "decentralized_identifier needs a DID URL with a fragment as kid")
    return VerifierIdentity(ClientId(ClientIdPrefix.DECENTRALIZED_IDENTIFIER, did), kid=did_url)


def check_identity(identity: VerifierIdentity) -> None:
    """The prefix rules that do not depend on the request (see module docstring)."""
    client_id = identity.client_id
    prefix = client_id.prefix
    if prefix in (ClientIdPrefix.ORIGIN, ClientIdPrefix.VERIFIER_ATTESTATION, ClientIdPrefix.OPENID_FEDERATION):
        raise ClientIdError("unsupported_prefix", f"client_id prefix {prefix} cannot be used by this Verifier")
    if prefix == ClientIdPrefix.REDIRECT_URI and (identity.x5c or identity.kid):
        raise ClientIdError("must_not_sign", "redirect_uri requests cannot be signed")
    if prefix in (ClientIdPrefix.X509_SAN_DNS, ClientIdPrefix.X509_HASH) and not identity.x5c:
        raise ClientIdError("must_sign", "x509 client ids sign with the leaf key of x5c")
    if prefix == ClientIdPrefix.X509_HASH and x509_hash(x5c_leaf_der(identity.x5c)) != client_id.value:
        raise ClientIdError("hash_mismatch", "x509_hash is not the SHA-256 of the leaf certificate")
    if prefix == ClientIdPrefix.DECENTRALIZED_IDENTIFIER and (identity.kid or "").partition("#")[0] != client_id.value:
        raise ClientIdError("kid_mismatch", "the kid must be a DID URL of the client_id DID")


def check_response_uri(identity: VerifierIdentity, response_uri: str, *, allow_http: bool = False) -> None:
    """``response_uri`` must be usable as ``redirect_uri`` under the prefix (§8.2, §5.9.3). Raises ClientIdError."""
    check_identity(identity)
    parts = urlsplit(response_uri)
    if parts.scheme not in (("https", "http") if allow_http else ("https",)) or not parts.hostname or parts.fragment:
        raise ClientIdError("response_uri_mismatch", "response_uri must be an https URL without a fragment")
    client_id = identity.client_id
    if client_id.prefix == ClientIdPrefix.REDIRECT_URI and client_id.value != response_uri:
        raise ClientIdError("response_uri_mismatch", "a redirect_uri client_id must equal the response_uri")
    if client_id.prefix == ClientIdPrefix.X509_SAN_DNS and parts.hostname.lower() != client_id.value.lower():
        raise ClientIdError("response_uri_mismatch", "the response_uri host must equal the x509_san_dns name")
