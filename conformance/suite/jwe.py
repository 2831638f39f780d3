"""Encrypting an Authorization Response for ``direct_post.jwt`` (OpenID4VP 1.0 §8.3, §8.3.1): an unsigned JWE in
compact serialization whose payload is the response parameters, ``alg`` ``ECDH-ES`` (direct key agreement) on the
Verifier's P-256 key from ``client_metadata.jwks`` and ``enc`` ``A128GCM`` / ``A256GCM``.

Written from RFC 7516 §5.1 (compact serialization, AAD = the protected header's base64url), RFC 7518 §4.6
(ECDH-ES, Concat KDF with ``AlgorithmID`` = ``enc``, ``PartyUInfo``/``PartyVInfo`` from ``apu``/``apv``,
``SuppPubInfo`` = key length in bits) and §5.3 (AES-GCM, 96-bit IV, 128-bit tag), on ``cryptography`` only, so
the suite shares no JOSE library with the Verifier it tests. ``decrypt_ecdh_es`` exists for the suite's own tests.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from conformance.suite.wallet import b64url_decode, b64url_encode

__all__ = ["CONTENT_ENCRYPTION", "decrypt_ecdh_es", "encrypt_ecdh_es", "generate_encryption_key"]

JsonObject = dict[str, Any]
CONTENT_ENCRYPTION = {"A128GCM": 16, "A256GCM": 32}  # enc -> key length in bytes


def _length_prefixed(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def _concat_kdf(shared: bytes, enc: str, key_len: int, apu: bytes, apv: bytes) -> bytes:
    """RFC 7518 §4.6.2 / NIST SP 800-56A Concat KDF with SHA-256."""
    other_info = (
        _length_prefixed(enc.encode("ascii"))
        + _length_prefixed(apu)
        + _length_prefixed(apv)
        + struct.pack(">I", key_len * 8)
    )
    out = b""
    counter = 1
    while len(out) < key_len:
        out += hashlib.sha256(struct.pack(">I", counter) + shared + other_info).digest()
        counter += 1
    return out[:key_len]


def _p256_public(jwk: JsonObject) -> ec.EllipticCurvePublicKey:
    if jwk.get("kty") != "EC" or jwk.get("crv") != "P-256":
        raise ValueError("ECDH-ES here needs an EC P-256 key")
    x = int.from_bytes(b64url_decode(str(jwk.get("x"))), "big")
    y = int.from_bytes(b64url_decode(str(jwk.get("y"))), "big")
    return ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()


def _epk(key: ec.EllipticCurvePublicKey) -> JsonObject:
    numbers = key.public_numbers()
    return {
        "kty": "EC",
        "crv": "P-256",
        "x": b64url_encode(numbers.x.to_bytes(32, "big")),
        "y": b64url_encode(numbers.y.to_bytes(32, "big")),
    }


def generate_encryption_key() -> tuple[ec.EllipticCurvePrivateKey, JsonObject]:
    """A P-256 key pair and its public JWK (for "encrypted to another key" and the suite's own tests)."""
    private = ec.generate_private_key(ec.SECP256R1())
    return private, _epk(private.public_key())


def encrypt_ecdh_es(
    payload: JsonObject,
    recipient: JsonObject,
    *,
    enc: str = "A128GCM",
    kid: str | None = None,
    apu: bytes = b"",
    apv: bytes = b"",
) -> str:
    """The compact JWE of ``payload`` for ``recipient`` (a public P-256 JWK). ``kid`` defaults to the JWK's
    (§8.3: the JWE ``kid`` equals the JWK's when it has one)."""
    key_len = CONTENT_ENCRYPTION.get(enc)
    if key_len is None:
        raise ValueError(f"the suite encrypts with A128GCM or A256GCM, not {enc!r}")
    ephemeral = ec.generate_private_key(ec.SECP256R1())
    shared = ephemeral.exchange(ec.ECDH(), _p256_public(recipient))
    cek = _concat_kdf(shared, enc, key_len, apu, apv)
    header: JsonObject = {"alg": "ECDH-ES", "enc": enc, "epk": _epk(ephemeral.public_key())}
    chosen_kid = kid if kid is not None else recipient.get("kid")
    if isinstance(chosen_kid, str):
        header["kid"] = chosen_kid
    if apu:
        header["apu"] = b64url_encode(apu)
    if apv:
        header["apv"] = b64url_encode(apv)
    protected = b64url_encode(json.dumps(header, separators=(",", ":")).encode("utf-8"))
    iv = os.urandom(12)
    sealed = AESGCM(cek).encrypt(iv, json.dumps(payload).encode("utf-8"), protected.encode("ascii"))
    ciphertext, tag = sealed[:-16], sealed[-16:]
    return f"{protected}..{b64url_encode(iv)}.{b64url_encode(ciphertext)}.{b64url_encode(tag)}"


def decrypt_ecdh_es(token: str, private: ec.EllipticCurvePrivateKey) -> JsonObject:
    """Inverse of :func:`encrypt_ecdh_es` (for tests). Raises ValueError."""
    parts = token.split(".")
    if len(parts) != 5 or parts[1]:
        raise ValueError("not a compact ECDH-ES JWE")
    header = json.loads(b64url_decode(parts[0]))
    key_len = CONTENT_ENCRYPTION[header["enc"]]
    shared = private.exchange(ec.ECDH(), _p256_public(header["epk"]))
    apu = b64url_decode(header.get("apu", ""))
    apv = b64url_decode(header.get("apv", ""))
    cek = _concat_kdf(shared, header["enc"], key_len, apu, apv)
    plain = AESGCM(cek).decrypt(
        b64url_decode(parts[2]), b64url_decode(parts[3]) + b64url_decode(parts[4]), parts[0].encode("ascii")
    )
    value = json.loads(plain)
    if not isinstance(value, dict):
        raise ValueError("the JWE payload is not a JSON object")
    return value
