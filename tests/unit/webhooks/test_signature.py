"""Standard Webhooks 1.0 signatures: the published reference vector, secrets, verification."""

from __future__ import annotations

import base64

import pytest

from oid4vc.webhooks.signature import secret_key, sign, signature_headers, verify

# The vector the Standard Webhooks reference libraries test against (standard-webhooks/standard-webhooks).
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
MSG_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
TIMESTAMP = 1614265330
BODY = b'{"test": 2432232314}'
SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_reference_vector() -> None:
    assert sign(secret_key(SECRET), MSG_ID, TIMESTAMP, BODY) == SIGNATURE
    headers = signature_headers(secret_key(SECRET), MSG_ID, TIMESTAMP, BODY)
    assert headers == {"webhook-id": MSG_ID, "webhook-timestamp": str(TIMESTAMP), "webhook-signature": SIGNATURE}


def test_secrets() -> None:
    assert secret_key(SECRET) == base64.b64decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    assert secret_key("x" * 24) == b"x" * 24  # any other string: its UTF-8 bytes
    for bad in ("whsec_not base64!", "whsec_" + base64.b64encode(b"short").decode(), "too short", "x" * 513):
        with pytest.raises(ValueError) as info:
            secret_key(bad)
        assert bad not in str(info.value)
    with pytest.raises(ValueError):
        sign(b"k" * 24, "has.dot", 1, b"{}")


def test_verify() -> None:
    key = secret_key(SECRET)
    headers = signature_headers(key, MSG_ID, TIMESTAMP, BODY)
    assert verify(key, headers, BODY, now=TIMESTAMP + 299)
    assert not verify(key, headers, BODY, now=TIMESTAMP + 301)  # replay window
    assert not verify(key, headers, BODY + b" ", now=TIMESTAMP)
    assert not verify(b"y" * 24, headers, BODY, now=TIMESTAMP)
    rotated = headers | {"webhook-signature": "v1,bm9wZQ== " + SIGNATURE}  # several signatures: one must match
    assert verify(key, rotated, BODY, now=TIMESTAMP)
    for missing in ("webhook-id", "webhook-timestamp", "webhook-signature"):
        assert not verify(key, {k: v for k, v in headers.items() if k != missing}, BODY, now=TIMESTAMP)
    assert not verify(key, headers | {"webhook-timestamp": "soon"}, BODY, now=TIMESTAMP)
