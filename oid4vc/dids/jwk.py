"""did:jwk (did:jwk method specification): the DID is ``did:jwk:`` + base64url(UTF-8 JSON of the public JWK)."""

from __future__ import annotations

import json

from oid4vc.encoding import b64url_decode, b64url_encode, json_loads
from oid4vc.jose import Jwk, is_private_jwk, public_jwk

__all__ = ["did_jwk_from_jwk", "jwk_from_did_jwk"]

_KEY_MEMBERS = ("crv", "e", "kty", "n", "x", "y")


def did_jwk_from_jwk(jwk: Jwk) -> str:
    members = {k: v for k, v in public_jwk(jwk).items() if k in _KEY_MEMBERS}
    return "did:jwk:" + b64url_encode(json.dumps(members, separators=(",", ":"), sort_keys=True).encode())


def jwk_from_did_jwk(did_url: str) -> Jwk:
    did, _, fragment = did_url.partition("#")
    if not did.startswith("did:jwk:") or fragment not in ("", "0"):
        raise ValueError("not a did:jwk DID URL")
    try:
        jwk = json_loads(b64url_decode(did[len("did:jwk:"):]))
    except ValueError as exc:
        raise ValueError("did:jwk is not base64url JSON") from exc
    if not isinstance(jwk, dict) or "kty" not in jwk or is_private_jwk(jwk):
        raise ValueError("did:jwk must hold a public JWK")
    return jwk
