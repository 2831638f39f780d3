"""Standard Webhooks 1.0 "Signature scheme" and "Webhook headers" (symmetric ``v1``): HMAC-SHA256 over
``{webhook-id}.{webhook-timestamp}.{body}``, sent as ``webhook-signature: v1,<base64>``.

A secret is written ``whsec_<base64>`` (the spec's serialization; the HMAC key is the decoded bytes) or, for
convenience, as any other string (the key is its UTF-8 bytes). Either way the key has at least 24 bytes (192 bits,
the spec's minimum). The message id must not contain ``.`` (the spec: it would make the signed content ambiguous).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping

__all__ = [
    "MAX_SECRET_BYTES",
    "MIN_SECRET_BYTES",
    "SECRET_PREFIX",
    "secret_key",
    "sign",
    "signature_headers",
    "verify",
]

SECRET_PREFIX = "whsec_"
MIN_SECRET_BYTES = 24
MAX_SECRET_BYTES = 512


def secret_key(secret: str) -> bytes:
    """The HMAC key of a secret; ValueError (naming no part of the secret) when it is malformed or too short."""
    if secret.startswith(SECRET_PREFIX):
        try:
            key = base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("a whsec_ secret must be base64 after the prefix") from None
    else:
        key = secret.encode("utf-8")
    if not MIN_SECRET_BYTES <= len(key) <= MAX_SECRET_BYTES:
        raise ValueError(f"a webhook secret must have {MIN_SECRET_BYTES} to {MAX_SECRET_BYTES} bytes")
    return key


def sign(key: bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<base64 HMAC-SHA256(key, "{msg_id}.{timestamp}.{body}")>``."""
    if "." in msg_id:
        raise ValueError("a webhook id must not contain '.'")
    content = f"{msg_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode("ascii")


def signature_headers(key: bytes, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers for one attempt (the timestamp is the attempt's, not the event's)."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(key, msg_id, timestamp, body),
    }


def verify(key: bytes, headers: Mapping[str, str], body: bytes, *, now: int, tolerance: int = 300) -> bool:
    """A receiver's check: the timestamp is within ``tolerance`` seconds of ``now`` and one of the space-separated
    ``v1`` signatures matches (constant-time comparison). ``headers`` must look names up case-insensitively, or use
    the lower-case names."""
    msg_id, stamp, signatures = (headers.get(h) for h in ("webhook-id", "webhook-timestamp", "webhook-signature"))
    if not msg_id or not stamp or not signatures or not stamp.isdigit() or abs(now - int(stamp)) > tolerance:
        return False
    try:
        expected = sign(key, msg_id, int(stamp), body)
    except ValueError:
        return False
    return any(hmac.compare_digest(expected, candidate) for candidate in signatures.split(" ") if candidate)
