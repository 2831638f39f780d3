"""JWT / JWK data without crypto (RFC 7515 §7.1 compact serialization, RFC 7517 JWK, RFC 7638 thumbprint).

Parsing a compact JWS here never checks a signature; callers hand the result to a ``JwtVerifier``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, TypeAlias

from oid4vc.encoding import b64url_decode, b64url_encode, canonical_json, json_dumps, json_loads

__all__ = [
    "ASYMMETRIC_JWS_ALGS",
    "CompactJws",
    "JsonObject",
    "Jwk",
    "encode_segment",
    "is_private_jwk",
    "jwk_thumbprint",
    "numeric_date",
    "parse_compact_jws",
    "public_jwk",
]

JsonObject: TypeAlias = dict[str, Any]
Jwk: TypeAlias = dict[str, Any]

# Asymmetric JWS algorithms we accept anywhere a signature proves possession (never "none", never HMAC:
# OpenID4VCI 1.0 App. F.1 / F.4, RFC 9901 §7.1).
ASYMMETRIC_JWS_ALGS = frozenset({"ES256", "ES384", "EdDSA", "Ed25519", "RS256", "PS256"})

# The NumericDates a datetime can hold (0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z).
_MIN_NUMERIC_DATE, _MAX_NUMERIC_DATE = -62_135_596_800, 253_402_300_799
_PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
_THUMBPRINT_MEMBERS = {"EC": ("crv", "kty", "x", "y"), "OKP": ("crv", "kty", "x"), "RSA": ("e", "kty", "n")}


@dataclass(frozen=True, slots=True)
class CompactJws:
    header: JsonObject
    payload: JsonObject
    signing_input: bytes
    signature: bytes


def encode_segment(value: JsonObject) -> str:
    return b64url_encode(json_dumps(value).encode("utf-8"))


def parse_compact_jws(token: str) -> CompactJws:
    """Split and decode a compact JWS whose payload is a JSON object. Raises ValueError."""
    if not isinstance(token, str):
        raise ValueError("JWT must be a string")
    parts = token.split(".")
    if len(parts) != 3:
        raise ValueError("JWT must have three parts")
    try:
        header = json_loads(b64url_decode(parts[0]))
        payload = json_loads(b64url_decode(parts[1]))
        signature = b64url_decode(parts[2])
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError("JWT is not well-formed base64url JSON") from exc
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise ValueError("JWT header and payload must be JSON objects")
    return CompactJws(header, payload, f"{parts[0]}.{parts[1]}".encode("ascii"), signature)


def numeric_date(value: object) -> float | None:
    """``value`` as an RFC 7519 §2 NumericDate (seconds since the epoch), or None when it is not one: not a JSON
    number (a boolean is not), NaN, an infinity, or an instant outside the years 1-9999 a datetime can hold. JSON
    numbers are unbounded (RFC 8259 §6), so a claim read from a token goes through here before any float or
    datetime arithmetic (which would raise OverflowError, or compare false with everything for NaN)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not _MIN_NUMERIC_DATE <= value <= _MAX_NUMERIC_DATE:  # exact for any int; false for NaN
        return None
    return float(value)


def is_private_jwk(jwk: Jwk) -> bool:
    return any(member in jwk for member in _PRIVATE_MEMBERS)


def public_jwk(jwk: Jwk) -> Jwk:
    """The public members of ``jwk`` (plus kid/alg/use when present)."""
    return {k: v for k, v in jwk.items() if k not in _PRIVATE_MEMBERS}


def jwk_thumbprint(jwk: Jwk) -> str:
    """RFC 7638 JWK SHA-256 thumbprint, base64url."""
    members = _THUMBPRINT_MEMBERS.get(str(jwk.get("kty")))
    if members is None or any(m not in jwk for m in members):
        raise ValueError("unsupported or incomplete JWK")
    return b64url_encode(hashlib.sha256(canonical_json({m: jwk[m] for m in members})).digest())
