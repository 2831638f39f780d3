from __future__ import annotations

import pytest

from oid4vc.encoding import b58decode, b58encode, b64url_decode, b64url_encode, varint_decode, varint_encode
from oid4vc.errors import InvalidTokenError, safe_description
from oid4vc.jose import jwk_thumbprint


def test_base58_and_base64url() -> None:
    for data in (b"", b"\0\0ab", bytes(range(256))):
        assert b58decode(b58encode(data)) == data
        assert b64url_decode(b64url_encode(data)) == data
    assert b58encode(b"hello world") == "StV1DL6CwTryKyV"
    for bad in ("a=", "a+b", "a/b"):
        with pytest.raises(ValueError):
            b64url_decode(bad)


def test_varint() -> None:
    for n in (0, 0xED, 0x1200, 300):
        assert varint_decode(varint_encode(n) + b"rest") == (n, len(varint_encode(n)))


def test_rfc7638_thumbprint_example() -> None:
    jwk = {"kty": "RSA", "e": "AQAB", "alg": "RS256", "kid": "2011-04-29", "n": (
        "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMs"
        "tn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n9"
        "1CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw")}
    assert jwk_thumbprint(jwk) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def test_error_descriptions_are_wire_safe() -> None:
    assert safe_description('bad "quote" \\ and é\n') == "bad ?quote? ? and ??"
    err = InvalidTokenError('x"y')
    assert err.headers["WWW-Authenticate"] == 'Bearer error="invalid_token", error_description="x?y"'
