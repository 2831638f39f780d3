"""Nonce Endpoint (OpenID4VCI 1.0 §7): stateless ``c_nonce`` values, and their single use (§13.8 replay).

A ``c_nonce`` carries its own expiry and a MAC, so issuing one writes nothing (the public Nonce Endpoint cannot be
used to fill a table) and any worker on any machine sharing the key can check it:

    base64url( random(16) || expires_at (8 bytes, big-endian unix seconds) || HMAC-SHA-256(key, label || both)[:16] )

without padding (RFC 7515 §2), 54 characters. ``check_nonce`` accepts only that exact, canonical spelling, so a
nonce has one string form and the store's single-use record (keyed by that string) cannot be side-stepped by
re-encoding the same bytes. Single use (this server accepts each c_nonce once, against replayed proofs, §13.8) is
the store's job: the caller records each authentic, unexpired nonce as used until its expiry
(``Store.consume_nonce``).

The key is derived from the admin token (``nonce_key``), like the page-link key of ``oid4vc.web.pages.links``:
every worker and every machine behind a load balancer shares it, and a new admin token retires the outstanding
c_nonces (the wallet then gets ``invalid_nonce`` and fetches a new one, §8.3.1.2).

Pure: the caller supplies the random bytes, the expiry and ``now``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import UTC, datetime

from oid4vc.encoding import b64url_decode, b64url_encode

__all__ = ["NONCE_LENGTH", "check_nonce", "issue_nonce", "nonce_key"]

_RANDOM_BYTES = 16
_EXPIRY_BYTES = 8
_MAC_BYTES = 16
_RAW_BYTES = _RANDOM_BYTES + _EXPIRY_BYTES + _MAC_BYTES
NONCE_LENGTH = 54  # characters: unpadded base64url of the 40 bytes
_NONCE_SHAPE = re.compile("[A-Za-z0-9_-]{54}")
_MAC_LABEL = b"oid4vc c_nonce\x1f"
_KEY_LABEL = b"oid4vc c_nonce key\x1f"


def nonce_key(secret: str) -> bytes:
    """The c_nonce MAC key, derived from ``secret`` (the admin token) with its own label (domain separation)."""
    return hashlib.sha256(_KEY_LABEL + secret.encode("utf-8")).digest()


def _mac(key: bytes, body: bytes) -> bytes:
    return hmac.new(key, _MAC_LABEL + body, hashlib.sha256).digest()[:_MAC_BYTES]


def issue_nonce(key: bytes, *, random16: bytes, expires_at: datetime) -> str:
    """A c_nonce valid until ``expires_at`` (whole seconds, rounded down). ``random16``: 16 bytes from a CSPRNG."""
    if len(random16) != _RANDOM_BYTES:
        raise ValueError("a c_nonce needs 16 random bytes")
    if expires_at.tzinfo is None:
        raise ValueError("expires_at must be timezone-aware")
    body = random16 + int(expires_at.timestamp()).to_bytes(_EXPIRY_BYTES, "big")
    return b64url_encode(body + _mac(key, body))


def check_nonce(key: bytes, nonce: str, *, now: datetime) -> datetime | None:
    """The expiry of ``nonce`` when it was issued under ``key`` and ``now`` is before that expiry, else None.

    Never raises on what a wallet sent: anything that is not a canonical 54-character base64url string, or whose
    MAC does not verify (compared in constant time), is None. A nonce is expired from its expiry second on.
    """
    if not isinstance(nonce, str) or not _NONCE_SHAPE.fullmatch(nonce):
        return None
    try:
        raw = b64url_decode(nonce)
    except ValueError:
        return None
    if len(raw) != _RAW_BYTES or b64url_encode(raw) != nonce:  # one spelling per nonce
        return None
    body, mac = raw[:-_MAC_BYTES], raw[-_MAC_BYTES:]
    if not hmac.compare_digest(mac, _mac(key, body)):
        return None
    seconds = int.from_bytes(body[_RANDOM_BYTES:], "big")
    if now.timestamp() >= seconds:
        return None
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):  # beyond datetime's range: only a key holder could make one
        return None

