"""Who the Verifier is to wallets (OpenID4VP 1.0 §5.9.3 Client Identifier Prefixes), from settings:

- ``decentralized_identifier``: the issuer's ES256 key and its DID (did:key / did:jwk / did:web), ``kid`` = DID URL;
- ``x509_san_dns`` / ``x509_hash``: the configured certificate chain and key, or a self-signed development
  certificate for the public URL's host kept in ``<data_dir>/verifier`` (not acceptable under HAIP: its leaf must not
  be self-signed -- configure a real one in production);
- ``redirect_uri``: no key; the client id is each request's Response URI, requests travel unsigned by value.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlsplit

from oid4vc.config import Settings
from oid4vc.crypto.keystore import KeyRing
from oid4vc.crypto.x509 import leaf_dns_sans, load_chain, load_or_create_dev_certificate
from oid4vc.dids.identity import key_identity
from oid4vc.formats.base import IssuerKey
from oid4vc.presentation.client_id import (
    VerifierIdentity,
    did_identity,
    redirect_uri_identity,
    x509_hash_identity,
    x509_san_dns_identity,
)

__all__ = ["verifier_identity"]


def verifier_identity(
    settings: Settings, keys: KeyRing, *, now: datetime
) -> tuple[Callable[[str], VerifierIdentity], IssuerKey | None]:
    prefix = settings.verifier.client_id_prefix
    if prefix == "redirect_uri":
        return redirect_uri_identity, None
    if prefix == "decentralized_identifier":
        signer = keys.active("EC")
        ident = key_identity(
            settings.issuer.did_method, signer.public_jwk, kid=signer.kid, public_url=settings.public_url
        )
        identity = did_identity(ident.verification_method)
        return (lambda _: identity), IssuerKey(signer, ident.did, ident.verification_method)
    host = urlsplit(settings.public_url).hostname or "localhost"
    if settings.verifier.x509_cert and settings.verifier.x509_key:
        chain, signer = load_chain(settings.verifier.x509_cert, settings.verifier.x509_key)
    else:
        chain, signer = load_or_create_dev_certificate(settings.server.data_dir / "verifier", host, now=now)
    x5c = [base64.b64encode(der).decode("ascii") for der in chain]
    if prefix == "x509_san_dns":
        identity = x509_san_dns_identity(host, x5c=x5c, leaf_dns_sans=leaf_dns_sans(chain[0]))
    else:
        identity = x509_hash_identity(x5c=x5c)
    return (lambda _: identity), IssuerKey(signer, host, "")
