"""A minimal test wallet: holder keys and OpenID4VCI key proofs (App. F.1), built independently of the server's
proof checker so tests can also forge bad ones."""

from __future__ import annotations

import time
from typing import Any

from oid4vc.crypto.keys import SigningKey, generate_key
from oid4vc.encoding import b64url_encode
from oid4vc.jose import encode_segment


def holder_key(kty: str = "EC") -> SigningKey:
    return SigningKey(generate_key(kty), kid="holder")


def proof_jwt(
    key: SigningKey,
    *,
    audience: str,
    nonce: str | None,
    iat: float | None = None,
    header: dict[str, Any] | None = None,
    claims: dict[str, Any] | None = None,
    use_kid: str | None = None,
) -> str:
    hdr: dict[str, Any] = {"alg": key.alg, "typ": "openid4vci-proof+jwt"}
    hdr |= {"kid": use_kid} if use_kid else {"jwk": key.public_jwk}
    hdr |= header or {}
    body: dict[str, Any] = {"aud": audience, "iat": int(time.time() if iat is None else iat)}
    if nonce is not None:
        body["nonce"] = nonce
    body |= claims or {}
    signing_input = f"{encode_segment(hdr)}.{encode_segment(body)}"
    return f"{signing_input}.{b64url_encode(key.sign_bytes(signing_input.encode()))}"


def unsigned_jwt(header: dict[str, Any], claims: dict[str, Any], signature: bytes = b"") -> str:
    return f"{encode_segment(header)}.{encode_segment(claims)}.{b64url_encode(signature)}"
