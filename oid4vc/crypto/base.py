"""Crypto ports (STYLE rule 6). Nothing outside ``oid4vc.crypto`` imports jwcrypto or cryptography.

- ``JwtSigner``: produces compact JWS with a private key it holds (issuer keys).
- ``JwsVerifier``: checks a compact JWS signature against a public JWK with an allow-listed ``alg``.
- ``RawSigner`` / ``RawVerifier``: sign / verify bytes (Data Integrity proofs sign hash bytes, not JWS).
"""

from __future__ import annotations

from typing import Protocol

from oid4vc.jose import JsonObject, Jwk

__all__ = ["JwsVerifier", "JwtSigner", "RawSigner", "RawVerifier", "SignatureError"]


class SignatureError(Exception):
    """A signature did not verify, or the key/alg could not be used. The message is safe to show."""


class JwtSigner(Protocol):
    alg: str
    kid: str
    public_jwk: Jwk

    def sign(self, header: JsonObject, claims: JsonObject) -> str:
        """Return a compact JWS; ``alg`` and ``kid`` are set by the signer unless ``header`` sets ``kid``."""
        ...


class RawSigner(Protocol):
    kid: str
    public_jwk: Jwk

    def sign_bytes(self, data: bytes) -> bytes: ...


class JwsVerifier(Protocol):
    def verify(self, signing_input: bytes, signature: bytes, *, alg: str, jwk: Jwk) -> None:
        """Raise SignatureError unless ``signature`` over ``signing_input`` verifies with ``jwk`` under ``alg``."""
        ...


class RawVerifier(Protocol):
    def verify_bytes(self, data: bytes, signature: bytes, *, jwk: Jwk) -> None: ...
