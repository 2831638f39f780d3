"""Which key must have signed a Request Object, from its Client Identifier Prefix (OpenID4VP 1.0 §5.9.3).

- ``decentralized_identifier:<DID>``: the JOSE ``kid`` is a DID URL of that DID; the key is its verification
  method (``did:key`` and ``did:jwk`` offline, ``did:web`` from ``/.well-known/did.json`` or ``<path>/did.json``,
  DID Core / did:web method spec §3.2);
- ``x509_san_dns`` / ``x509_hash``: the leaf certificate of the ``x5c`` JOSE header (RFC 7515 §4.1.6, standard
  base64 DER, leaf first); the prefix rules on SAN / hash and the chain are checked by the checks themselves;
- ``redirect_uri``: requests cannot be signed;
- anything else (pre-registered clients, ``verifier_attestation``, ``openid_federation``) the suite cannot judge.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

import aiohttp
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import Encoding

from conformance.suite.http import HttpClient
from conformance.suite.model import Skip
from conformance.suite.signatures import PublicKey, public_key_from_jwk
from conformance.suite.vp_request import FetchedRequest, client_id_prefix
from conformance.suite.wallet import b64url_encode, jwk_from_did

__all__ = [
    "RequestSigner",
    "SignerProblem",
    "chain_problems",
    "did_web_url",
    "is_self_signed",
    "leaf_dns_sans",
    "load_x5c",
    "resolve_request_signer",
    "x509_hash_of",
]

JsonObject = dict[str, Any]


class SignerProblem(ValueError):
    """The request names its signing key in a way that cannot be used; the message says why."""


@dataclass(frozen=True, slots=True)
class RequestSigner:
    prefix: str | None
    key: PublicKey
    source: str  # where the key came from, for the report
    chain: tuple[x509.Certificate, ...] = ()  # the x5c certificates, leaf first


def load_x5c(header: JsonObject) -> list[x509.Certificate]:
    x5c = header.get("x5c")
    if not isinstance(x5c, list) or not x5c or not all(isinstance(c, str) for c in x5c):
        raise SignerProblem("the JOSE header has no x5c array of certificates")
    try:
        return [x509.load_der_x509_certificate(base64.b64decode(c, validate=True)) for c in x5c]
    except (binascii.Error, ValueError) as exc:
        raise SignerProblem(f"an x5c entry is not a base64 DER certificate: {exc}") from None


def leaf_dns_sans(cert: x509.Certificate) -> list[str]:
    try:
        ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return []
    return [str(name) for name in ext.value.get_values_for_type(x509.DNSName)]


def x509_hash_of(cert: x509.Certificate) -> str:
    """§5.9.3 ``x509_hash``: base64url SHA-256 of the DER-encoded leaf."""
    return b64url_encode(hashlib.sha256(cert.public_bytes(Encoding.DER)).digest())


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def is_self_signed(cert: x509.Certificate) -> bool:
    return cert.issuer == cert.subject and _issued_by(cert, cert)


def chain_problems(chain: list[x509.Certificate] | tuple[x509.Certificate, ...], *, now: datetime | None = None
                   ) -> list[str]:
    """Each certificate is within its validity period and issued by the next one (no trust anchor judgement)."""
    moment = now or datetime.now(UTC)
    problems: list[str] = []
    for i, cert in enumerate(chain):
        if not cert.not_valid_before_utc <= moment <= cert.not_valid_after_utc:
            problems.append(f"x5c[{i}] is outside its validity period")
        if i + 1 < len(chain) and not _issued_by(cert, chain[i + 1]):
            problems.append(f"x5c[{i}] is not signed by x5c[{i + 1}]")
    return problems


def did_web_url(did: str, *, allow_http: bool = False) -> str:
    """did:web method §3.2: ``did:web:host[%3Aport][:path...]`` -> ``https://host[:port]/(.well-known|path)/did.json``."""
    parts = did.split(":")[2:]
    if not parts or not parts[0]:
        raise SignerProblem(f"{did} is not a did:web DID")
    host = unquote(parts[0])
    path = "/".join(unquote(p) for p in parts[1:]) or ".well-known"
    return f"{'http' if allow_http else 'https'}://{host}/{path}/did.json"


def _verification_method(document: JsonObject, did: str, kid: str) -> JsonObject:
    methods = document.get("verificationMethod")
    for method in methods if isinstance(methods, list) else []:
        if not isinstance(method, dict):
            continue
        method_id = method.get("id")
        full = f"{did}{method_id}" if isinstance(method_id, str) and method_id.startswith("#") else method_id
        if full == kid:
            return method
    raise SignerProblem(f"the DID Document of {did} has no verification method {kid}")


def _method_key(method: JsonObject) -> PublicKey:
    jwk = method.get("publicKeyJwk")
    if isinstance(jwk, dict):
        return public_key_from_jwk(jwk)
    multibase = method.get("publicKeyMultibase")
    if isinstance(multibase, str):
        return public_key_from_jwk(jwk_from_did(f"did:key:{multibase}"))
    raise SignerProblem("the verification method has neither publicKeyJwk nor a P-256/Ed25519 publicKeyMultibase")


async def _did_key(http: HttpClient, did: str, kid: Any, *, allow_http: bool) -> tuple[PublicKey, str]:
    if not isinstance(kid, str) or not kid.startswith(did + "#"):
        raise SignerProblem(f"the JOSE kid {kid!r} is not a DID URL of {did} (§5.9.3)")
    try:
        if did.startswith(("did:key:", "did:jwk:")):
            return public_key_from_jwk(jwk_from_did(did)), f"{did.split(':')[1]} DID {kid}"
        if did.startswith("did:web:"):
            url = did_web_url(did)
            headers = {"Accept": "application/did+json, application/json"}
            try:
                resp = await http.get(url, headers=headers)
            except aiohttp.ClientError:
                if not allow_http:
                    raise
                url = did_web_url(did, allow_http=True)  # a development verifier without TLS
                resp = await http.get(url, headers=headers)
            document = resp.json_object()
            if resp.status != 200 or document is None:
                raise SignerProblem(f"GET {url} answered HTTP {resp.status} {resp.content_type}")
            if document.get("id") != did:
                raise SignerProblem(f"the DID Document at {url} is for {document.get('id')!r}, not {did}")
            return _method_key(_verification_method(document, did, kid)), f"did:web DID Document ({url}) {kid}"
    except ValueError as exc:
        raise SignerProblem(str(exc)) from None
    raise Skip(f"the suite resolves did:key, did:jwk and did:web, not {did.split(':')[1]!r}")


async def resolve_request_signer(http: HttpClient, fetched: FetchedRequest, *, allow_http: bool) -> RequestSigner:
    """The key the Request Object must be signed with. Raises SignerProblem (the request is wrong) or Skip
    (the suite cannot judge this prefix)."""
    client_id = fetched.client_id
    if client_id is None:
        raise SignerProblem("the Request Object has no client_id")
    prefix, value = client_id_prefix(client_id)
    if prefix == "decentralized_identifier":
        key, source = await _did_key(http, value, fetched.header.get("kid"), allow_http=allow_http)
        return RequestSigner(prefix, key, source)
    if prefix in ("x509_san_dns", "x509_hash"):
        chain = load_x5c(fetched.header)
        leaf_key = chain[0].public_key()
        if not isinstance(leaf_key, ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey | rsa.RSAPublicKey):
            raise SignerProblem("the x5c leaf has a key type the suite does not verify")
        return RequestSigner(prefix, leaf_key, "x5c leaf certificate", tuple(chain))
    if prefix == "redirect_uri":
        raise SignerProblem("redirect_uri requests cannot be signed (§5.9.3)")
    raise Skip(f"client_id prefix {prefix or 'none (pre-registered client)'}: the suite has no way to know its key")
