"""Signing keys on ``cryptography`` directly: ES256 (P-256) and EdDSA (Ed25519).

The compact-JWS hot path goes straight through ``cryptography`` (3-5x cheaper than jwcrypto, see
docs/performance.md). JWK conversion follows RFC 7518 §6.2 (EC) and RFC 8037 §2 (OKP). ES256 signatures are
the raw ``r || s`` form of RFC 7518 §3.4.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from oid4vc.crypto.base import SignatureError
from oid4vc.encoding import b64url_decode, b64url_encode
from oid4vc.jose import ASYMMETRIC_JWS_ALGS, JsonObject, Jwk, encode_segment, public_jwk

__all__ = [
    "CryptoJwsVerifier",
    "PrivateKey",
    "SigningKey",
    "generate_key",
    "jwk_to_public_key",
    "private_jwk",
]

PrivateKey = ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
_ALG_FOR_KTY = {"EC": "ES256", "OKP": "EdDSA"}


def _int_b64(n: int, size: int) -> str:
    return b64url_encode(n.to_bytes(size, "big"))


def _b64_int(text: str) -> int:
    return int.from_bytes(b64url_decode(text), "big")


def _public_jwk_of(key: PrivateKey) -> Jwk:
    if isinstance(key, ed25519.Ed25519PrivateKey):
        raw = key.public_key().public_bytes_raw()
        return {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(raw)}
    numbers = key.public_key().public_numbers()
    return {"kty": "EC", "crv": "P-256", "x": _int_b64(numbers.x, 32), "y": _int_b64(numbers.y, 32)}


def private_jwk(key: PrivateKey) -> Jwk:
    jwk = _public_jwk_of(key)
    if isinstance(key, ed25519.Ed25519PrivateKey):
        jwk["d"] = b64url_encode(key.private_bytes_raw())
    else:
        jwk["d"] = _int_b64(key.private_numbers().private_value, 32)
    return jwk


def _private_key_from_jwk(jwk: Jwk) -> PrivateKey:
    if jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519":
        return ed25519.Ed25519PrivateKey.from_private_bytes(b64url_decode(jwk["d"]))
    if jwk.get("kty") == "EC" and jwk.get("crv") == "P-256":
        return ec.derive_private_key(_b64_int(jwk["d"]), ec.SECP256R1())
    raise ValueError("unsupported private JWK (need EC P-256 or OKP Ed25519)")


def jwk_to_public_key(jwk: Jwk) -> ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey | rsa.RSAPublicKey:
    """Public key from a JWK; raises SignatureError for anything unsupported or malformed."""
    try:
        kty, crv = jwk.get("kty"), jwk.get("crv")
        if kty == "OKP" and crv == "Ed25519":
            return ed25519.Ed25519PublicKey.from_public_bytes(b64url_decode(jwk["x"]))
        if kty == "EC" and crv in _CURVES:
            curve, size = _CURVES[crv]
            x, y = b64url_decode(jwk["x"]), b64url_decode(jwk["y"])
            if len(x) != size or len(y) != size:
                raise SignatureError("EC coordinates have the wrong length")
            return ec.EllipticCurvePublicKey.from_encoded_point(curve, b"\x04" + x + y)  # checked on the curve
        if kty == "RSA":
            key = rsa.RSAPublicNumbers(_b64_int(jwk["e"]), _b64_int(jwk["n"])).public_key()
            if key.key_size < 2048:
                raise SignatureError("RSA keys under 2048 bits are refused")
            return key
    except (KeyError, ValueError, TypeError) as exc:
        raise SignatureError("malformed JWK") from exc
    raise SignatureError("unsupported key type")


_CURVES: dict[str, tuple[ec.EllipticCurve, int]] = {"P-256": (ec.SECP256R1(), 32), "P-384": (ec.SECP384R1(), 48)}
_EC_ALGS = {"ES256": ("P-256", hashes.SHA256, 32), "ES384": ("P-384", hashes.SHA384, 48)}


def generate_key(kty: str) -> PrivateKey:
    if kty == "OKP":
        return ed25519.Ed25519PrivateKey.generate()
    if kty == "EC":
        return ec.generate_private_key(ec.SECP256R1())
    raise ValueError(f"unsupported key type {kty}")


@dataclass(slots=True)
class SigningKey:
    """One issuer key: implements ``JwtSigner`` and ``RawSigner``."""

    key: PrivateKey
    kid: str
    alg: str = ""
    public_jwk: Jwk = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.public_jwk = _public_jwk_of(self.key)
        self.alg = self.alg or _ALG_FOR_KTY[self.public_jwk["kty"]]

    @classmethod
    def from_jwk(cls, jwk: Jwk, *, kid: str) -> SigningKey:
        return cls(_private_key_from_jwk(jwk), kid)

    def sign_bytes(self, data: bytes) -> bytes:
        if isinstance(self.key, ed25519.Ed25519PrivateKey):
            return self.key.sign(data)
        r, s = decode_dss_signature(self.key.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    def sign(self, header: JsonObject, claims: JsonObject) -> str:
        full_header = {"alg": self.alg, "kid": self.kid} | header
        signing_input = f"{encode_segment(full_header)}.{encode_segment(claims)}"
        return f"{signing_input}.{b64url_encode(self.sign_bytes(signing_input.encode('ascii')))}"

    def public_jwk_with_kid(self) -> Jwk:
        return public_jwk(self.public_jwk) | {"kid": self.kid, "alg": self.alg}

    def to_json(self) -> str:
        return json.dumps({"kid": self.kid, "alg": self.alg, "jwk": private_jwk(self.key)})


class CryptoJwsVerifier:
    """``JwsVerifier`` over ``cryptography``. Only asymmetric algorithms (never ``none`` or HMAC)."""

    def __init__(self, allowed_algs: frozenset[str] = ASYMMETRIC_JWS_ALGS) -> None:
        self.allowed_algs = allowed_algs & ASYMMETRIC_JWS_ALGS

    def verify(self, signing_input: bytes, signature: bytes, *, alg: str, jwk: Jwk) -> None:
        if alg not in self.allowed_algs:
            raise SignatureError(f"alg {alg} is not allowed")
        key = jwk_to_public_key(jwk)
        try:
            if alg in ("EdDSA", "Ed25519"):
                if not isinstance(key, ed25519.Ed25519PublicKey):
                    raise SignatureError("alg does not match the key type")
                key.verify(signature, signing_input)
            elif alg in _EC_ALGS:
                crv, hash_cls, size = _EC_ALGS[alg]
                if not isinstance(key, ec.EllipticCurvePublicKey) or jwk.get("crv") != crv:
                    raise SignatureError("alg does not match the key type")
                if len(signature) != 2 * size:
                    raise SignatureError("ECDSA signature has the wrong length")
                der = encode_dss_signature(
                    int.from_bytes(signature[:size], "big"), int.from_bytes(signature[size:], "big")
                )
                key.verify(der, signing_input, ec.ECDSA(hash_cls()))
            elif alg in ("RS256", "PS256"):
                if not isinstance(key, rsa.RSAPublicKey):
                    raise SignatureError("alg does not match the key type")
                pad = padding.PKCS1v15() if alg == "RS256" else padding.PSS(padding.MGF1(hashes.SHA256()), 32)
                key.verify(signature, signing_input, pad, hashes.SHA256())
            else:
                raise SignatureError(f"alg {alg} is not supported")
        except InvalidSignature:
            raise SignatureError("signature does not verify") from None

    def verify_bytes(self, data: bytes, signature: bytes, *, jwk: Jwk) -> None:
        alg = "EdDSA" if jwk.get("kty") == "OKP" else "ES256"
        self.verify(data, signature, alg=alg, jwk=jwk)
