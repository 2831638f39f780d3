"""The issuer's identifiers for one signing key: the DID that is ``issuer.id`` / ``iss`` and the DID URL that is
the JOSE ``kid`` / Data Integrity ``verificationMethod``.

- did:jwk -> ``did:jwk:<b64url(jwk)>`` and ``#0`` (did:jwk spec);
- did:key -> ``did:key:z...`` and ``#z...`` (did:key spec);
- did:web -> ``did:web:<host>[:path]`` and ``#<kid>``; every key, old and new, is in the served DID Document.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from oid4vc.dids.jwk import did_jwk_from_jwk
from oid4vc.dids.key import did_key_from_jwk
from oid4vc.dids.web import did_web_from_url
from oid4vc.jose import Jwk

__all__ = ["DidMethod", "KeyIdentity", "key_identity"]

DidMethod = Literal["key", "jwk", "web"]


@dataclass(frozen=True, slots=True)
class KeyIdentity:
    did: str
    verification_method: str


def key_identity(method: DidMethod, jwk: Jwk, *, kid: str, public_url: str) -> KeyIdentity:
    if method == "jwk":
        did = did_jwk_from_jwk(jwk)
        return KeyIdentity(did, f"{did}#0")
    if method == "key":
        did = did_key_from_jwk(jwk)
        return KeyIdentity(did, f"{did}#{did.removeprefix('did:key:')}")
    did = did_web_from_url(public_url)
    return KeyIdentity(did, f"{did}#{kid}")
