"""JWE for ``direct_post.jwt`` (OpenID4VP 1.0 §8.3; HAIP §5: ECDH-ES on P-256 with A128GCM or A256GCM). The only
module that imports jwcrypto.

The Verifier makes one ephemeral P-256 key per request; the private JWK is stored with the request (so any
process can decrypt the response) and dropped when the request completes.
"""

from __future__ import annotations

import json

from jwcrypto import jwe, jwk
from jwcrypto.common import JWException

from oid4vc.encoding import b64url_decode, json_loads
from oid4vc.jose import JsonObject, Jwk, jwk_thumbprint

__all__ = ["ALLOWED_ENC", "decrypt_response", "encrypt_for_test", "new_encryption_key"]

ALLOWED_ENC = frozenset({"A128GCM", "A256GCM"})


def new_encryption_key() -> Jwk:
    """A fresh private P-256 JWK with ``kid`` (its thumbprint), ``use=enc``, ``alg=ECDH-ES``."""
    key = json.loads(jwk.JWK.generate(kty="EC", crv="P-256").export_private())
    return dict(key) | {"kid": jwk_thumbprint(key), "use": "enc", "alg": "ECDH-ES"}


def decrypt_response(token: str, private_jwk: Jwk, *, allowed_enc: frozenset[str] = ALLOWED_ENC) -> JsonObject:
    """The JSON payload of the wallet's encrypted response. Raises ValueError on anything unexpected: another
    ``alg`` than ECDH-ES, an ``enc`` not offered, a ``kid`` that is not this request's key, or a bad ciphertext."""
    try:
        parts = token.split(".")
        if len(parts) != 5:
            raise ValueError("the response is not a compact JWE")
        # RFC 7516 §7.1: the protected header is a JSON object. Read it with our parser first: jwcrypto's
        # json.loads raises RecursionError (not ValueError) on a header nested too deeply.
        if not isinstance(json_loads(b64url_decode(parts[0])), dict):
            raise ValueError("the response's protected header is not a JSON object")
        envelope = jwe.JWE()
        envelope.deserialize(token)
        header = envelope.jose_header
        if header.get("alg") != "ECDH-ES":
            raise ValueError("the response must use alg ECDH-ES")
        if header.get("enc") not in allowed_enc:
            raise ValueError("the response enc is not one this request offered")
        if "kid" in header and header["kid"] != private_jwk.get("kid"):
            raise ValueError("the response was encrypted to another key")
        key = jwk.JWK(**{k: v for k, v in private_jwk.items() if k in ("kty", "crv", "x", "y", "d")})
        envelope.decrypt(key)
        payload = json_loads(envelope.payload)
    except (JWException, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"cannot decrypt the response: {exc}") from None
    if not isinstance(payload, dict):
        raise ValueError("the decrypted response is not a JSON object")
    return payload


def encrypt_for_test(payload: JsonObject, public_jwk: Jwk, *, enc: str = "A128GCM") -> str:
    """What a wallet does (used by our own conformance wallet and tests)."""
    key = jwk.JWK(**{k: v for k, v in public_jwk.items() if k in ("kty", "crv", "x", "y")})
    header = {"alg": "ECDH-ES", "enc": enc, "kid": public_jwk.get("kid")}
    token = jwe.JWE(json.dumps(payload).encode(), protected=json.dumps(header))
    token.add_recipient(key)
    return str(token.serialize(compact=True))
