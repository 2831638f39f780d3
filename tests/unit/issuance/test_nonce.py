"""Stateless c_nonces (OpenID4VCI 1.0 §7, §13.8): issue, check, tampering, garbage, key derivation."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest

from oid4vc.encoding import b64url_decode, b64url_encode
from oid4vc.issuance.nonce import NONCE_LENGTH, check_nonce, issue_nonce, nonce_key

KEY = nonce_key("admin-token-0123456789")
T0 = datetime(2026, 11, 22, 12, 0, 0, tzinfo=UTC)
EXPIRES = T0 + timedelta(seconds=300)
RANDOM = bytes(range(16))


def _nonce(*, key: bytes = KEY, random16: bytes = RANDOM, expires_at: datetime = EXPIRES) -> str:
    return issue_nonce(key, random16=random16, expires_at=expires_at)


def _flip(raw: bytes, index: int) -> str:
    changed = bytearray(raw)
    changed[index] ^= 0x01
    return b64url_encode(bytes(changed))


def test_round_trip_returns_the_expiry() -> None:
    nonce = _nonce()
    assert len(nonce) == NONCE_LENGTH == 54
    assert set(nonce) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")  # no padding
    assert check_nonce(KEY, nonce, now=T0) == EXPIRES
    assert check_nonce(KEY, nonce, now=EXPIRES - timedelta(microseconds=1)) == EXPIRES


def test_layout_is_random_expiry_and_truncated_mac() -> None:
    raw = b64url_decode(_nonce())
    assert raw[:16] == RANDOM
    assert int.from_bytes(raw[16:24], "big") == int(EXPIRES.timestamp())
    mac = hmac.new(KEY, b"oid4vc c_nonce\x1f" + raw[:24], hashlib.sha256).digest()[:16]
    assert raw[24:] == mac


def test_expired_and_exactly_at_expiry_are_refused() -> None:
    nonce = _nonce()
    assert check_nonce(KEY, nonce, now=EXPIRES) is None  # expired from its expiry second on
    assert check_nonce(KEY, nonce, now=EXPIRES + timedelta(seconds=1)) is None
    assert check_nonce(KEY, nonce, now=EXPIRES + timedelta(days=365)) is None


def test_expiry_is_whole_seconds_rounded_down() -> None:
    nonce = _nonce(expires_at=EXPIRES + timedelta(milliseconds=999))
    assert check_nonce(KEY, nonce, now=T0) == EXPIRES
    assert check_nonce(KEY, nonce, now=EXPIRES) is None


@pytest.mark.parametrize("index", [0, 15, 16, 23, 24, 39])  # random, expiry, MAC bytes
def test_any_tampered_byte_is_refused(index: int) -> None:
    assert check_nonce(KEY, _flip(b64url_decode(_nonce()), index), now=T0) is None


def test_a_later_expiry_cannot_be_forged() -> None:
    raw = b64url_decode(_nonce())
    later = int(EXPIRES.timestamp() + 3600).to_bytes(8, "big")
    assert check_nonce(KEY, b64url_encode(raw[:16] + later + raw[24:]), now=EXPIRES) is None


def test_another_key_is_refused() -> None:
    assert check_nonce(nonce_key("another-admin-token"), _nonce(), now=T0) is None
    assert check_nonce(KEY, _nonce(key=nonce_key("another-admin-token")), now=T0) is None


def test_one_nonce_has_one_spelling() -> None:
    """The last character carries 4 unused bits: other spellings of the same bytes are refused, so a used nonce
    cannot come back under a different string (the store keys its single-use record on the string)."""
    nonce = _nonce()
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    same_bytes = [
        nonce[:-1] + c for c in alphabet
        if c != nonce[-1] and base64.urlsafe_b64decode(nonce[:-1] + c + "==") == b64url_decode(nonce)
    ]
    assert len(same_bytes) == 15
    assert all(check_nonce(KEY, other, now=T0) is None for other in same_bytes)
    assert check_nonce(KEY, nonce, now=T0) == EXPIRES


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "!!!",
        "made-up",
        "A" * 53,
        "A" * 54,
        "A" * 55,
        "A" * 1_000_000,
        "é" * 54,
        "\u0000" * 54,
        "A" * 52 + "==",
        "+" * 54,
        "/" * 54,
        " " * 54,
    ],
)
def test_garbage_is_refused_without_raising(garbage: str) -> None:
    assert check_nonce(KEY, garbage, now=T0) is None


def test_wrong_length_nonces_are_refused() -> None:
    nonce = _nonce()
    assert check_nonce(KEY, nonce[:-1], now=T0) is None
    assert check_nonce(KEY, nonce + "A", now=T0) is None
    assert check_nonce(KEY, nonce[:-4], now=T0) is None
    assert check_nonce(KEY, nonce + "AAAA", now=T0) is None
    assert check_nonce(KEY, " " + nonce, now=T0) is None
    assert check_nonce(KEY, nonce + "\n", now=T0) is None


def test_a_non_string_is_refused() -> None:
    assert check_nonce(KEY, b"bytes", now=T0) is None  # type: ignore[arg-type]
    assert check_nonce(KEY, None, now=T0) is None  # type: ignore[arg-type]


def test_two_nonces_differ() -> None:
    first, second = _nonce(), _nonce(random16=bytes(range(1, 17)))
    assert first != second
    assert check_nonce(KEY, first, now=T0) == check_nonce(KEY, second, now=T0) == EXPIRES


def test_issue_refuses_bad_arguments() -> None:
    with pytest.raises(ValueError, match="16 random bytes"):
        _nonce(random16=b"short")
    with pytest.raises(ValueError, match="timezone-aware"):
        _nonce(expires_at=EXPIRES.replace(tzinfo=None))


def test_key_derivation_is_separated_and_deterministic() -> None:
    assert nonce_key("a") == nonce_key("a") and len(nonce_key("a")) == 32
    assert nonce_key("a") != nonce_key("b")
    assert nonce_key("a") == hashlib.sha256(b"oid4vc c_nonce key\x1fa").digest()
    assert nonce_key("a") != hashlib.sha256(b"oid4vc pages\x1fa").digest()  # not the page-link key
