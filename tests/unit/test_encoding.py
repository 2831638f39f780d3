from __future__ import annotations

import json

import pytest

from oid4vc.encoding import (
    b58decode,
    b58encode,
    b64url_decode,
    b64url_encode,
    json_dumps,
    json_loads,
    varint_decode,
    varint_encode,
)
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


def test_b58decode_refuses_long_texts_before_any_work() -> None:
    """Decoding is quadratic in the length: 700 KB of base58 (a hostile did:key kid) cost a minute of CPU."""
    data = bytes(range(256)) * 5  # 1280 bytes, 1747 characters: more than any key or signature here
    assert b58decode(b58encode(data)) == data
    with pytest.raises(ValueError, match="too long"):
        b58decode("z" * 700_000)


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


@pytest.mark.parametrize(
    "text",
    [
        '{"a": 1, "b": [true, null, 2.5, "é"]}',
        b'{"n": 123456789012345678901234567890}',  # beyond 64 bits: must stay an exact int
        '{"id": "12345678901234567890"}',
        "[NaN, Infinity]",  # not RFC 8259, but json.loads takes it: so do we
        '"\\ud800"',  # a lone surrogate escape
        b'\xef\xbb\xbf{"bom": 1}',  # UTF-8 BOM on bytes
        '{"a": 1, "a": 2}',  # duplicate names: the last one wins, as with json.loads
    ],
)
def test_json_loads_matches_the_standard_library(text: str | bytes) -> None:
    assert repr(json_loads(text)) == repr(json.loads(text))


@pytest.mark.parametrize("text", ["{bad", "", b"\xff\xfe", "[1,]", '{"a": 1} x'])
def test_json_loads_refuses_what_the_standard_library_refuses(text: str | bytes) -> None:
    with pytest.raises(ValueError):
        json.loads(text)
    with pytest.raises(ValueError):
        json_loads(text)


@pytest.mark.parametrize(
    "value", [{"a": "é", "b": [1, 2.5, None, True]}, {1: "int key"}, 2**70, "\ud800", {"t": (1, 2)}]
)
def test_json_dumps_is_compact_json_the_standard_library_reads_back(value: object) -> None:
    text = json_dumps(value)
    assert " " not in text.replace("int key", "")
    assert json.loads(text) == json.loads(json.dumps(value))


@pytest.mark.parametrize("text", ["[" * 100_000 + "]" * 100_000, b'{"a":' * 50_000 + b"1" + b"}" * 50_000])
def test_json_nested_too_deeply_is_a_value_error(text: str | bytes) -> None:
    with pytest.raises(ValueError, match="nested too deeply"):
        json_loads(text)
