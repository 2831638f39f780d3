"""did:key (W3C CCG did:key v0.7) for Ed25519 (multicodec 0xed) and P-256 (0x1200, compressed point).

Pure: the P-256 point decompression is modular arithmetic (p = 3 mod 4, so sqrt = a^((p+1)/4)).
"""

from __future__ import annotations

from oid4vc.encoding import (
    b64url_decode,
    b64url_encode,
    multibase_decode,
    multibase_encode,
    varint_decode,
    varint_encode,
)
from oid4vc.jose import Jwk

__all__ = ["did_key_from_jwk", "jwk_from_did_key", "jwk_from_multikey", "multikey_from_jwk"]

_ED25519 = 0xED
_P256 = 0x1200
_P = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF
_B = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B


def multikey_from_jwk(jwk: Jwk) -> str:
    """The multibase ``publicKeyMultibase`` of an Ed25519 or P-256 public JWK."""
    if jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519":
        return multibase_encode(varint_encode(_ED25519) + b64url_decode(jwk["x"]))
    if jwk.get("kty") == "EC" and jwk.get("crv") == "P-256":
        y = int.from_bytes(b64url_decode(jwk["y"]), "big")
        return multibase_encode(varint_encode(_P256) + bytes([2 + (y & 1)]) + b64url_decode(jwk["x"]))
    raise ValueError("did:key supports Ed25519 and P-256 keys only")


def did_key_from_jwk(jwk: Jwk) -> str:
    return "did:key:" + multikey_from_jwk(jwk)


def jwk_from_multikey(value: str) -> Jwk:
    raw = multibase_decode(value)
    codec, used = varint_decode(raw)
    key = raw[used:]
    if codec == _ED25519 and len(key) == 32:
        return {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(key)}
    if codec == _P256 and len(key) == 33 and key[0] in (2, 3):
        x = int.from_bytes(key[1:], "big")
        y = pow((pow(x, 3, _P) - 3 * x + _B) % _P, (_P + 1) // 4, _P)
        if (y * y - (pow(x, 3, _P) - 3 * x + _B)) % _P:
            raise ValueError("point is not on P-256")
        if (y & 1) != (key[0] & 1):
            y = _P - y
        return {"kty": "EC", "crv": "P-256", "x": b64url_encode(key[1:]), "y": b64url_encode(y.to_bytes(32, "big"))}
    raise ValueError("unsupported did:key multicodec")


def jwk_from_did_key(did_url: str) -> Jwk:
    """Public JWK of a ``did:key:z...`` DID or DID URL (fragment, if any, must name the same key)."""
    did, _, fragment = did_url.partition("#")
    if not did.startswith("did:key:"):
        raise ValueError("not a did:key")
    value = did[len("did:key:"):]
    if fragment and fragment != value:
        raise ValueError("did:key fragment does not match the key")
    return jwk_from_multikey(value)
