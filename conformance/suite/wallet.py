"""The suite's own minimal wallet keys and key proofs (OpenID4VCI 1.0 App. F.1 ``jwt`` proof type).

Written independently of ``oid4vc`` on purpose: the suite must not share a bug with the server it tests, and it
must be able to forge every kind of bad proof (``alg: none``, HMAC, a private key in the header, a bad signature).
Holder keys are P-256 (ES256) or Ed25519 (EdDSA); a key can be named by ``jwk``, by a ``did:jwk`` or by a
``did:key`` DID URL in ``kid`` (App. F.1: exactly one of ``kid`` / ``jwk`` / ``x5c``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any, Literal

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

__all__ = [
    "PROOF_TYP",
    "HolderKey",
    "KeyForm",
    "b64url_decode",
    "b64url_encode",
    "base58btc_decode",
    "base58btc_encode",
    "compact_jwt",
    "decode_jwt",
    "jwk_from_did",
    "jwk_thumbprint",
    "proof_jwt",
]

PROOF_TYP = "openid4vci-proof+jwt"
KeyForm = Literal["jwk", "did:jwk", "did:key"]

JsonObject = dict[str, Any]

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_P256_CODEC = b"\x80\x24"  # varint(0x1200), multicodec p256-pub
_ED25519_CODEC = b"\xed\x01"  # varint(0xed), multicodec ed25519-pub
_THUMBPRINT_MEMBERS = {"EC": ("crv", "kty", "x", "y"), "OKP": ("crv", "kty", "x"), "RSA": ("e", "kty", "n")}


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _json_segment(value: JsonObject) -> str:
    return b64url_encode(json.dumps(value, separators=(",", ":")).encode("utf-8"))


def _b58encode(data: bytes) -> str:
    n = int.from_bytes(data, "big")
    out = ""
    while n:
        n, rem = divmod(n, 58)
        out = _B58[rem] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def _b58decode(text: str) -> bytes:
    n = 0
    for char in text:
        n = n * 58 + _B58.index(char)
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


def base58btc_encode(data: bytes) -> str:
    """Base58 (Bitcoin alphabet), as in multibase ``z`` values."""
    return _b58encode(data)


def base58btc_decode(text: str) -> bytes:
    """Raises ValueError for a character outside the alphabet."""
    return _b58decode(text)


def jwk_thumbprint(jwk: JsonObject) -> str:
    """RFC 7638 SHA-256 JWK thumbprint (base64url). Raises ValueError for an unsupported or incomplete JWK."""
    members = _THUMBPRINT_MEMBERS.get(str(jwk.get("kty")))
    if members is None or any(not isinstance(jwk.get(m), str) for m in members):
        raise ValueError("JWK lacks the members of its key type")
    canonical = json.dumps({m: jwk[m] for m in members}, separators=(",", ":"), sort_keys=True)
    return b64url_encode(hashlib.sha256(canonical.encode("utf-8")).digest())


def jwk_from_did(did_url: str) -> JsonObject:
    """The public JWK named by a ``did:jwk`` or ``did:key`` (P-256, Ed25519) DID or DID URL. Raises ValueError."""
    did = did_url.partition("#")[0]
    if did.startswith("did:jwk:"):
        try:
            jwk = json.loads(b64url_decode(did[len("did:jwk:") :]))
        except ValueError as exc:
            raise ValueError("did:jwk is not base64url JSON") from exc
        if not isinstance(jwk, dict):
            raise ValueError("did:jwk does not hold a JSON object")
        return jwk
    if did.startswith("did:key:z"):
        raw = _b58decode(did[len("did:key:z") :])
        if raw.startswith(_ED25519_CODEC) and len(raw) == 34:
            return {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(raw[2:])}
        if raw.startswith(_P256_CODEC) and len(raw) == 35:
            point = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw[2:])
            numbers = point.public_numbers()
            return {
                "kty": "EC",
                "crv": "P-256",
                "x": b64url_encode(numbers.x.to_bytes(32, "big")),
                "y": b64url_encode(numbers.y.to_bytes(32, "big")),
            }
        raise ValueError("did:key is not a P-256 or Ed25519 key")
    raise ValueError("only did:jwk and did:key can be resolved offline")


@dataclass(frozen=True, slots=True)
class HolderKey:
    """A wallet key pair. ``alg`` is the JWS algorithm its signatures use."""

    private: ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey

    @classmethod
    def generate(cls, alg: str = "ES256") -> HolderKey:
        if alg == "ES256":
            return cls(ec.generate_private_key(ec.SECP256R1()))
        if alg in ("EdDSA", "Ed25519"):
            return cls(ed25519.Ed25519PrivateKey.generate())
        raise ValueError(f"the suite cannot sign with {alg}")

    @classmethod
    def from_jwk(cls, jwk: JsonObject) -> HolderKey:
        """A holder key from a private JWK (EC P-256 or OKP Ed25519, with ``d``). Raises ValueError."""
        d = jwk.get("d")
        if not isinstance(d, str):
            raise ValueError("the holder key JWK has no private member d")
        if jwk.get("kty") == "EC" and jwk.get("crv") == "P-256":
            return cls(ec.derive_private_key(int.from_bytes(b64url_decode(d), "big"), ec.SECP256R1()))
        if jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519":
            return cls(ed25519.Ed25519PrivateKey.from_private_bytes(b64url_decode(d)))
        raise ValueError("the suite signs with EC P-256 or Ed25519 holder keys only")

    @property
    def alg(self) -> str:
        return "ES256" if isinstance(self.private, ec.EllipticCurvePrivateKey) else "EdDSA"

    @property
    def public_jwk(self) -> JsonObject:
        if isinstance(self.private, ed25519.Ed25519PrivateKey):
            raw = self.private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            return {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(raw)}
        numbers = self.private.public_key().public_numbers()
        return {
            "kty": "EC",
            "crv": "P-256",
            "x": b64url_encode(numbers.x.to_bytes(32, "big")),
            "y": b64url_encode(numbers.y.to_bytes(32, "big")),
        }

    @property
    def private_jwk(self) -> JsonObject:
        """The JWK *with* its private member ``d`` (only ever sent to check that an issuer refuses it)."""
        if isinstance(self.private, ed25519.Ed25519PrivateKey):
            raw = self.private.private_bytes(
                serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
            )
            return self.public_jwk | {"d": b64url_encode(raw)}
        d = self.private.private_numbers().private_value
        return self.public_jwk | {"d": b64url_encode(d.to_bytes(32, "big"))}

    @property
    def thumbprint(self) -> str:
        return jwk_thumbprint(self.public_jwk)

    @property
    def did_jwk(self) -> str:
        return "did:jwk:" + _json_segment(self.public_jwk)

    @property
    def did_key(self) -> str:
        if isinstance(self.private, ed25519.Ed25519PrivateKey):
            raw = self.private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            return "did:key:z" + _b58encode(_ED25519_CODEC + raw)
        point = self.private.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
        )
        return "did:key:z" + _b58encode(_P256_CODEC + point)

    def kid(self, form: KeyForm) -> str:
        """The DID URL naming this key in a proof's ``kid`` header."""
        if form == "did:jwk":
            return self.did_jwk + "#0"
        if form == "did:key":
            did = self.did_key
            return f"{did}#{did[len('did:key:') :]}"
        raise ValueError("a jwk key form has no kid")

    def sign(self, data: bytes) -> bytes:
        if isinstance(self.private, ed25519.Ed25519PrivateKey):
            return self.private.sign(data)
        r, s = decode_dss_signature(self.private.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def compact_jwt(header: JsonObject, claims: JsonObject, *, key: HolderKey | None = None,
                hmac_secret: bytes | None = None) -> str:
    """A compact JWS: signed by ``key``, MACed with ``hmac_secret`` (HS256), or unsigned (empty signature)."""
    signing_input = f"{_json_segment(header)}.{_json_segment(claims)}"
    if key is not None:
        signature = key.sign(signing_input.encode("ascii"))
    elif hmac_secret is not None:
        signature = hmac.new(hmac_secret, signing_input.encode("ascii"), hashlib.sha256).digest()
    else:
        signature = b""
    return f"{signing_input}.{b64url_encode(signature)}"


def decode_jwt(token: str) -> tuple[JsonObject, JsonObject]:
    """Header and claims of a compact JWS (no signature check). Raises ValueError."""
    parts = token.split(".")
    if len(parts) != 3:
        raise ValueError("a compact JWS has three dot-separated parts")
    try:
        header = json.loads(b64url_decode(parts[0]))
        claims = json.loads(b64url_decode(parts[1]))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError("JWS header or payload is not base64url JSON") from exc
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise ValueError("JWS header and payload must be JSON objects")
    return header, claims


_UNSET: Any = object()


def proof_jwt(
    key: HolderKey,
    *,
    audience: str,
    nonce: str | None,
    key_form: KeyForm = "jwk",
    iat: float | None = None,
    header: JsonObject | None = None,
    claims: JsonObject | None = None,
    drop: tuple[str, ...] = (),
    signer: HolderKey | None = _UNSET,
    hmac_secret: bytes | None = None,
) -> str:
    """A ``jwt`` key proof (App. F.1). ``header``/``claims`` override members, ``drop`` removes them, ``signer``
    signs with another key (or ``None`` for no signature), ``hmac_secret`` MACs it instead (HS256)."""
    hdr: JsonObject = {"alg": key.alg, "typ": PROOF_TYP}
    hdr |= {"jwk": key.public_jwk} if key_form == "jwk" else {"kid": key.kid(key_form)}
    hdr |= header or {}
    body: JsonObject = {"aud": audience, "iat": int(time.time() if iat is None else iat)}
    if nonce is not None:
        body["nonce"] = nonce
    body |= claims or {}
    for name in drop:
        hdr.pop(name, None)
        body.pop(name, None)
    if hmac_secret is not None:
        return compact_jwt(hdr, body, hmac_secret=hmac_secret)
    return compact_jwt(hdr, body, key=key if signer is _UNSET else signer)
