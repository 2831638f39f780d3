"""Verifying a compact JWS with a public key, the wallet's side of a signed Request Object (RFC 7515 §5.2,
RFC 7518 §3; OpenID4VP 1.0 §5.9.3: the key comes from the Client Identifier Prefix).

The suite's own code on top of ``cryptography`` (it must not share a bug with the verifier it tests): public keys
from a JWK (EC P-256/P-384, OKP Ed25519, RSA) or from an X.509 certificate, and the algorithms a Request Object
may use (``ES256``, ``ES384``, ``EdDSA``/``Ed25519``, ``RS256``, ``PS256``). ``none`` and MACs are never accepted.
"""

from __future__ import annotations

from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from conformance.suite.wallet import b64url_decode, decode_jwt

__all__ = ["ASYMMETRIC_ALGS", "PublicKey", "public_key_from_jwk", "verify_jws"]

PublicKey = ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey | rsa.RSAPublicKey
ASYMMETRIC_ALGS = frozenset({"ES256", "ES384", "EdDSA", "Ed25519", "RS256", "PS256"})
JsonObject = dict[str, Any]

_CURVES: dict[str, tuple[ec.EllipticCurve, int]] = {"P-256": (ec.SECP256R1(), 32), "P-384": (ec.SECP384R1(), 48)}


def _int(value: Any) -> int:
    if not isinstance(value, str):
        raise ValueError("a JWK member is not a base64url string")
    return int.from_bytes(b64url_decode(value), "big")


def public_key_from_jwk(jwk: JsonObject) -> PublicKey:
    """The public key of a JWK. Raises ValueError for an unsupported or malformed key."""
    kty = jwk.get("kty")
    if kty == "EC":
        curve = _CURVES.get(str(jwk.get("crv")))
        if curve is None:
            raise ValueError(f"unsupported EC curve {jwk.get('crv')!r}")
        return ec.EllipticCurvePublicNumbers(_int(jwk.get("x")), _int(jwk.get("y")), curve[0]).public_key()
    if kty == "OKP" and jwk.get("crv") == "Ed25519":
        return ed25519.Ed25519PublicKey.from_public_bytes(b64url_decode(str(jwk.get("x"))))
    if kty == "RSA":
        return rsa.RSAPublicNumbers(_int(jwk.get("e")), _int(jwk.get("n"))).public_key()
    raise ValueError(f"unsupported JWK key type {kty!r}")


def _verify(alg: str, key: PublicKey, signing_input: bytes, signature: bytes) -> None:
    if alg in ("ES256", "ES384"):
        size = 32 if alg == "ES256" else 48
        if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.key_size != size * 8:
            raise ValueError(f"{alg} needs an EC key on the matching curve")
        if len(signature) != 2 * size:
            raise ValueError(f"an {alg} signature is {2 * size} bytes")
        der = encode_dss_signature(int.from_bytes(signature[:size], "big"), int.from_bytes(signature[size:], "big"))
        digest = hashes.SHA256() if alg == "ES256" else hashes.SHA384()
        key.verify(der, signing_input, ec.ECDSA(digest))
    elif alg in ("EdDSA", "Ed25519"):
        if not isinstance(key, ed25519.Ed25519PublicKey):
            raise ValueError(f"{alg} needs an Ed25519 key")
        key.verify(signature, signing_input)
    elif alg in ("RS256", "PS256"):
        if not isinstance(key, rsa.RSAPublicKey):
            raise ValueError(f"{alg} needs an RSA key")
        pad: padding.AsymmetricPadding = (
            padding.PKCS1v15()
            if alg == "RS256"
            else padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)
        )
        key.verify(signature, signing_input, pad, hashes.SHA256())
    else:
        raise ValueError(f"the suite does not verify {alg!r} signatures")


def verify_jws(token: str, key: PublicKey, *, alg: str | None = None) -> bool:
    """True when the compact JWS ``token`` verifies with ``key`` under its header ``alg`` (or ``alg``).
    Raises ValueError when the token or the algorithm is unusable (``none``, MACs, a key of the wrong type)."""
    header, _ = decode_jwt(token)
    used = alg or header.get("alg")
    if not isinstance(used, str) or used not in ASYMMETRIC_ALGS:
        raise ValueError(f"alg {used!r} is not an asymmetric JWS algorithm")
    head, payload, signature = token.split(".")
    try:
        _verify(used, key, f"{head}.{payload}".encode("ascii"), b64url_decode(signature))
    except InvalidSignature:
        return False
    return True
