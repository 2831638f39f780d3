"""Offline DID URL resolution for the methods that need no network: did:key and did:jwk."""

from __future__ import annotations

from oid4vc.dids.jwk import jwk_from_did_jwk
from oid4vc.dids.key import jwk_from_did_key
from oid4vc.jose import Jwk

__all__ = ["did_of", "resolve_offline"]


def did_of(did_url: str) -> str:
    return did_url.split("#", 1)[0]


def resolve_offline(did_url: str) -> Jwk:
    """Public JWK named by a did:key or did:jwk DID URL. Raises ValueError for anything else."""
    if did_url.startswith("did:key:"):
        return jwk_from_did_key(did_url)
    if did_url.startswith("did:jwk:"):
        return jwk_from_did_jwk(did_url)
    raise ValueError("only did:key and did:jwk resolve offline")
