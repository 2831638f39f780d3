"""Token Status List (draft-ietf-oauth-status-list-14): the §4.1 examples and the appendix test vectors byte for
byte, an independent decoder written from §4.1 step 3, the §5.1 token example, signing and verification through
the crypto ports, the Referenced Token claim, size-bomb rejection and every error path.

Vector files: tests/vectors/status (origins in SOURCES.md there)."""

from __future__ import annotations

import base64
import json
import random
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from oid4vc.crypto.base import SignatureError
from oid4vc.crypto.keys import CryptoJwsVerifier, SigningKey, generate_key
from oid4vc.encoding import b64url_encode
from oid4vc.jose import JsonObject, Jwk, encode_segment
from oid4vc.status.token_status_list import (
    MEDIA_TYPE,
    TYP,
    StatusList,
    StatusListReference,
    StatusType,
    TokenStatusListError,
    parse_status_claim,
    resolve_status,
    sign_status_list_token,
    status_claim,
    status_list_token_claims,
    verify_status_list_token,
)

VECTORS = json.loads((Path(__file__).parents[2] / "vectors" / "status" / "token-status-list-draft-14.json").read_text())
CASES = {case["name"]: case for case in VECTORS["cases"]}
URI = "https://example.com/statuslists/1"
T0 = datetime(2026, 11, 22, 12, 0, 0, tzinfo=UTC)


def independent_values(compressed_b64: str, bits: int) -> dict[int, int]:
    """§4.1 step 3 by other means: write every byte least significant bit first as text, so the text is the
    concatenation of the statuses in index order (each also least significant bit first); return the non-zero ones."""
    raw = zlib.decompress(base64.b64decode(compressed_b64 + "=" * (-len(compressed_b64) % 4), altchars=b"-_"))
    out: dict[int, int] = {}
    for byte_no, byte in enumerate(raw):
        if byte:
            text = format(byte, "08b")[::-1]
            for k in range(8 // bits):
                value = int(text[k * bits : (k + 1) * bits][::-1], 2)
                if value:
                    out[byte_no * 8 // bits + k] = value
    return out


def build(bits: int, size: int, statuses: dict[str, int]) -> StatusList:
    status_list = StatusList(size, bits=bits)
    for idx, value in statuses.items():
        status_list.set(int(idx), value)
    return status_list


# --- §4.1 examples and appendix test vectors, byte for byte --------------------------------------------------


@pytest.mark.parametrize("name", ["section-4-example-1bit", "section-4-example-2bit"])
def test_section_4_examples(name: str) -> None:
    case = CASES[name]
    size = len(case["byte_array"]) * 8 // case["bits"]
    status_list = build(case["bits"], size, case["statuses"])
    assert status_list.to_bytes() == bytes(int(b, 16) for b in case["byte_array"])  # 0xB9 0xA3 / 0xC9 0x44 0xF9
    assert status_list.to_json() == {"bits": case["bits"], "lst": case["lst"]}
    decoded = StatusList.from_json({"bits": case["bits"], "lst": case["lst"]})
    assert [decoded.get(int(i)) for i in case["statuses"]] == list(case["statuses"].values())
    nonzero = {int(i): v for i, v in case["statuses"].items() if v}
    assert independent_values(case["lst"], case["bits"]) == nonzero


@pytest.mark.parametrize("bits", [1, 2, 4, 8])
def test_appendix_test_vectors(bits: int) -> None:
    case = CASES[f"test-vector-{bits}bit"]
    assert case["size"] == 2**20
    status_list = build(bits, case["size"], case["statuses"])
    assert status_list.lst() == case["lst"]
    decoded = StatusList.from_lst(case["lst"], bits=bits)
    assert decoded.size == 2**20 and decoded.to_bytes() == status_list.to_bytes()
    expected = {int(i): v for i, v in case["statuses"].items()}
    assert all(decoded.get(i) == v for i, v in expected.items())
    assert independent_values(case["lst"], bits) == {i: v for i, v in expected.items() if v}


def test_status_list_token_example_claims() -> None:
    example = VECTORS["status_list_jwt_example"]
    status_list = StatusList.from_bytes(bytes([0xB9, 0xA3]), bits=1)
    claims = status_list_token_claims(
        uri=URI,
        status_list=status_list,
        iat=datetime.fromtimestamp(1686920170, UTC),
        exp=datetime.fromtimestamp(2291720170, UTC),
        ttl=43200,
    )
    assert claims == example["payload"]
    assert example["header"]["typ"] == TYP == "statuslist+jwt" and MEDIA_TYPE == "application/statuslist+jwt"


class AcceptingVerifier:
    """The draft does not publish the key of its example token: record the call and accept."""

    def __init__(self) -> None:
        self.calls: list[tuple[bytes, str, Jwk]] = []

    def verify(self, signing_input: bytes, signature: bytes, *, alg: str, jwk: Jwk) -> None:
        self.calls.append((signing_input, alg, jwk))


def test_draft_example_token_parses_and_reads_the_example_statuses() -> None:
    compact = VECTORS["status_list_jwt_example"]["compact"]
    verifier = AcceptingVerifier()
    token = verify_status_list_token(compact, uri=URI, jwk={"kty": "EC"}, verifier=verifier, now=T0)
    assert verifier.calls and verifier.calls[0][1] == "ES256"
    assert (token.uri, token.iat, token.exp, token.ttl) == (URI, 1686920170, 2291720170, 43200)
    assert token.header["kid"] == "12" and token.claims["iss"] == "https://example.com"
    statuses = CASES["section-4-example-1bit"]["statuses"]
    assert [token.status(int(i)) for i in statuses] == list(statuses.values())
    assert token.aggregation_uri is None


# --- StatusList ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bits", [1, 2, 4, 8])
def test_random_round_trip(bits: int) -> None:
    rng = random.Random(bits)
    status_list = StatusList(100_003, bits=bits)  # not a multiple of 8: rounded up to whole bytes
    assert status_list.size >= 100_003 and len(status_list.to_bytes()) == -(-100_003 * bits // 8)
    expected = {rng.randrange(100_003): rng.randrange(1, 1 << bits) for _ in range(300)}
    for idx, value in expected.items():
        status_list.set(idx, value)
    status_list.set(next(iter(expected)), 0)  # clearing works too
    expected[next(iter(expected))] = 0
    lst = status_list.lst()
    assert independent_values(lst, bits) == {i: v for i, v in expected.items() if v}
    decoded = StatusList.from_lst(lst, bits=bits)
    assert all(decoded.get(i) == v for i, v in expected.items())


def test_index_zero_is_the_least_significant_bits_of_byte_zero() -> None:
    status_list = StatusList(8, bits=2)
    status_list.set(0, StatusType.SUSPENDED)
    assert status_list.to_bytes() == bytes([0b0000_0010, 0])
    status_list.set(3, StatusType.INVALID)
    assert status_list.to_bytes() == bytes([0b0100_0010, 0])
    status_list.set(0, StatusType.VALID)
    assert status_list.to_bytes() == bytes([0b0100_0000, 0]) and status_list.get(3) == StatusType.INVALID


def test_status_list_misuse() -> None:
    for bits in (0, 3, 16, True):
        with pytest.raises(TokenStatusListError):
            StatusList(8, bits=bits)
    with pytest.raises(ValueError):
        StatusList(0)
    status_list = StatusList(8, bits=2)
    for idx in (-1, 8, True):
        with pytest.raises(IndexError):
            status_list.get(idx)
    for value in (-1, 4, True):
        with pytest.raises(ValueError):
            status_list.set(0, value)
    assert StatusList(1, bits=8).to_json(aggregation_uri="https://example.com/agg") == {
        "bits": 8,
        "lst": StatusList(1, bits=8).lst(),
        "aggregation_uri": "https://example.com/agg",
    }


def _zlib_stream(total: int) -> bytes:
    compressor = zlib.compressobj(9)
    chunk = bytes(1 << 20)
    return b"".join(compressor.compress(chunk) for _ in range(total >> 20)) + compressor.flush()


def _b64(data: bytes) -> str:
    return b64url_encode(data)


@pytest.mark.parametrize(
    "value",
    [
        "not an object",
        {"bits": 1},
        {"bits": 3, "lst": "eNrbuRgAAhcBXQ"},
        {"bits": True, "lst": "eNrbuRgAAhcBXQ"},
        {"bits": "1", "lst": "eNrbuRgAAhcBXQ"},
        {"bits": 1, "lst": 5},
        {"bits": 1, "lst": "eNrbuRgAAhcBXQ=="},
        {"bits": 1, "lst": "!!!"},
        {"bits": 1, "lst": _b64(zlib.compress(b"\xb9\xa3")[:-2])},  # truncated (no Adler-32)
        {"bits": 1, "lst": _b64(zlib.compress(b"\xb9\xa3") + b"x")},  # trailing bytes
        {"bits": 1, "lst": _b64(zlib.compress(b"\xb9\xa3", wbits=-15))},  # raw DEFLATE, no ZLIB header
        {"bits": 1, "lst": _b64(zlib.compress(b"\xb9\xa3", wbits=31))},  # GZIP, not ZLIB
        {"bits": 1, "lst": "eNrbuRgAAhcBXQ", "aggregation_uri": 5},
    ],
)
def test_malformed_status_lists(value: Any) -> None:
    with pytest.raises(TokenStatusListError):
        StatusList.from_json(value)


def test_decompression_bomb_is_refused() -> None:
    bomb = _b64(_zlib_stream(64 << 20))
    assert len(bomb) < 100_000
    with pytest.raises(TokenStatusListError, match="exceeds"):
        StatusList.from_lst(bomb, bits=1)
    small = StatusList(80).lst()
    with pytest.raises(TokenStatusListError, match="exceeds"):
        StatusList.from_lst(small, bits=1, max_bytes=9)
    assert StatusList.from_lst(small, bits=1, max_bytes=10).size == 80


# --- signing and verification -------------------------------------------------------------------------------


@pytest.fixture(params=["EC", "OKP"])
def key(request: pytest.FixtureRequest) -> SigningKey:
    return SigningKey(generate_key(request.param), kid="status-key-1")


def _sample_list() -> StatusList:
    status_list = StatusList(131_072, bits=2)
    status_list.set(42, StatusType.INVALID)
    status_list.set(4242, StatusType.SUSPENDED)
    return status_list


def test_sign_and_verify_round_trip(key: SigningKey) -> None:
    token = sign_status_list_token(
        key,
        uri=URI,
        status_list=_sample_list(),
        now=T0,
        exp=T0 + timedelta(hours=1),
        ttl=600,
        iss="https://issuer.example",
        header={"x5c": ["MIIB"], "typ": "JWT"},
    )
    verified = verify_status_list_token(token, uri=URI, jwk=key.public_jwk, verifier=CryptoJwsVerifier(), now=T0)
    assert verified.header["typ"] == "statuslist+jwt" and verified.header["x5c"] == ["MIIB"]
    assert verified.header["kid"] == "status-key-1" and verified.header["alg"] == key.alg
    assert (verified.iat, verified.exp, verified.ttl) == (int(T0.timestamp()), int(T0.timestamp()) + 3600, 600)
    assert verified.claims["iss"] == "https://issuer.example"
    assert [verified.status(i) for i in (41, 42, 4242)] == [StatusType.VALID, StatusType.INVALID, StatusType.SUSPENDED]
    with pytest.raises(TokenStatusListError, match="out of bounds"):
        verified.status(131_072)
    ref = parse_status_claim({"status": status_claim(uri=URI, idx=4242)})
    assert resolve_status(ref, verified) == StatusType.SUSPENDED


def test_minimal_token_has_only_required_claims(key: SigningKey) -> None:
    token = sign_status_list_token(key, uri=URI, status_list=StatusList(8), now=T0)
    verified = verify_status_list_token(token, uri=URI, jwk=key.public_jwk, verifier=CryptoJwsVerifier(), now=T0)
    assert set(verified.claims) == {"sub", "iat", "status_list"} and verified.exp is None and verified.ttl is None


def _forge(header: JsonObject, claims: JsonObject, key: SigningKey) -> str:
    """Sign arbitrary header/claims with ``key`` (bypassing the builder's own checks)."""
    signing_input = f"{encode_segment(header)}.{encode_segment(claims)}"
    return f"{signing_input}.{b64url_encode(key.sign_bytes(signing_input.encode()))}"


def _claims(**overrides: Any) -> JsonObject:
    claims: JsonObject = {"sub": URI, "iat": int(T0.timestamp()), "status_list": StatusList(8).to_json()}
    for name, value in overrides.items():
        if value is None:
            claims.pop(name, None)
        else:
            claims[name] = value
    return claims


def _verify(token: str, key: SigningKey, **kwargs: Any) -> Any:
    params: dict[str, Any] = {"uri": URI, "jwk": key.public_jwk, "verifier": CryptoJwsVerifier(), "now": T0}
    return verify_status_list_token(token, **(params | kwargs))


def test_typ_may_carry_the_application_prefix_in_any_case(key: SigningKey) -> None:
    for typ in ("application/statuslist+jwt", "StatusList+JWT"):
        assert _verify(_forge({"alg": key.alg, "typ": typ}, _claims(), key), key).uri == URI


_EXP = int(T0.timestamp())


@pytest.mark.parametrize(
    ("header", "claims", "message"),
    [
        ({"typ": "JWT"}, _claims(), "typ"),
        ({"typ": None}, _claims(), "typ"),
        ({"alg": "none"}, _claims(), "alg"),
        ({"alg": "HS256"}, _claims(), "alg"),
        ({"crit": ["exp"]}, _claims(), "crit"),
        ({}, _claims(sub=None), "required"),
        ({}, _claims(sub=5), "required"),
        ({}, _claims(iat=None), "required"),
        ({}, _claims(iat="now"), "required"),
        ({}, _claims(status_list=None), "required"),
        ({}, _claims(sub="https://example.com/statuslists/2"), "sub"),
        ({}, _claims(exp=_EXP), "expired"),  # now == exp is expired (RFC 7519 §4.1.4)
        ({}, _claims(exp="tomorrow"), "exp"),
        ({}, _claims(nbf=_EXP + 1), "not yet valid"),
        ({}, _claims(nbf="later"), "not yet valid"),
        ({}, _claims(ttl=0), "ttl"),
        ({}, _claims(ttl=-5), "ttl"),
        ({}, _claims(ttl="1h"), "ttl"),
        ({}, _claims(ttl=True), "ttl"),
        # not RFC 7519 NumericDates: beyond float range (was an OverflowError), beyond any date
        ({}, _claims(iat=10**400), "required"),
        ({}, _claims(exp=10**400), "exp"),
        ({}, _claims(exp=1e20), "exp"),
        ({}, _claims(nbf=-(10**400)), "not yet valid"),
        ({}, _claims(status_list={"bits": 5, "lst": "eNrbuRgAAhcBXQ"}), "bits"),
        ({}, _claims(status_list={"bits": 1, "lst": "***"}), "lst"),
    ],
)
def test_invalid_tokens_are_refused(header: JsonObject, claims: JsonObject, message: str) -> None:
    key = SigningKey(generate_key("EC"), kid="k")
    full_header = {k: v for k, v in ({"alg": key.alg, "typ": TYP} | header).items() if v is not None}
    with pytest.raises(TokenStatusListError, match=message):
        _verify(_forge(full_header, claims, key), key)


def test_leeway_applies_to_exp_and_nbf() -> None:
    key = SigningKey(generate_key("EC"), kid="k")
    expired = _forge({"alg": key.alg, "typ": TYP}, _claims(exp=_EXP - 30), key)
    early = _forge({"alg": key.alg, "typ": TYP}, _claims(nbf=_EXP + 30), key)
    for token in (expired, early):
        with pytest.raises(TokenStatusListError):
            _verify(token, key)
        assert _verify(token, key, leeway=timedelta(seconds=60)).uri == URI


def test_wrong_key_and_tampered_tokens_are_refused(key: SigningKey) -> None:
    token = sign_status_list_token(key, uri=URI, status_list=StatusList(8), now=T0)
    other = SigningKey(generate_key("EC"), kid="other")
    with pytest.raises(TokenStatusListError, match="signature"):
        _verify(token, key, jwk=other.public_jwk)
    head, _, sig = token.split(".")
    tampered = f"{head}.{encode_segment(_claims(status_list={'bits': 1, 'lst': StatusList(16).lst()}))}.{sig}"
    with pytest.raises(TokenStatusListError, match="signature"):
        _verify(tampered, key)
    for garbage in ("", "a.b", "a.b.c", 5):
        with pytest.raises(TokenStatusListError):
            _verify(garbage, key)  # type: ignore[arg-type]


def test_signature_errors_of_the_verifier_port_are_translated() -> None:
    class Refusing:
        def verify(self, signing_input: bytes, signature: bytes, *, alg: str, jwk: Jwk) -> None:
            raise SignatureError("no")

    key = SigningKey(generate_key("OKP"), kid="k")
    token = sign_status_list_token(key, uri=URI, status_list=StatusList(8), now=T0)
    with pytest.raises(TokenStatusListError, match="signature: no"):
        _verify(token, key, verifier=Refusing())


def test_oversized_list_in_a_valid_token_is_refused(key: SigningKey) -> None:
    token = sign_status_list_token(key, uri=URI, status_list=StatusList(1 << 20, bits=8), now=T0)
    with pytest.raises(TokenStatusListError, match="exceeds"):
        _verify(token, key, max_bytes=1 << 19)


def test_claims_builder_refuses_bad_ttl_and_exp() -> None:
    for ttl in (0, -1, True):
        with pytest.raises(ValueError):
            status_list_token_claims(uri=URI, status_list=StatusList(8), iat=T0, ttl=ttl)
    with pytest.raises(ValueError):
        status_list_token_claims(uri=URI, status_list=StatusList(8), iat=T0, exp=T0)
    claims = status_list_token_claims(
        uri=URI, status_list=StatusList(8), iat=T0, aggregation_uri="https://example.com/statuslists"
    )
    assert claims["status_list"]["aggregation_uri"] == "https://example.com/statuslists"


def test_aggregation_uri_is_exposed(key: SigningKey) -> None:
    agg = "https://example.com/agg"
    token = sign_status_list_token(key, uri=URI, status_list=StatusList(8), now=T0, aggregation_uri=agg)
    assert _verify(token, key).aggregation_uri == agg


# --- Referenced Token -------------------------------------------------------------------------------------


def test_status_claim_shape() -> None:
    assert status_claim(uri=URI, idx=0) == {"status_list": {"idx": 0, "uri": URI}}
    assert StatusListReference(idx=7, uri=URI).to_claim() == {"status_list": {"idx": 7, "uri": URI}}
    for idx, uri in ((-1, URI), (True, URI), (1, "")):
        with pytest.raises(ValueError):
            status_claim(uri=uri, idx=idx)


@pytest.mark.parametrize(
    "claims",
    [
        {},
        {"status": "revoked"},
        {"status": {}},
        {"status": {"status_list": [0, URI]}},
        {"status": {"status_list": {"uri": URI}}},
        {"status": {"status_list": {"idx": -1, "uri": URI}}},
        {"status": {"status_list": {"idx": True, "uri": URI}}},
        {"status": {"status_list": {"idx": "1", "uri": URI}}},
        {"status": {"status_list": {"idx": 1.0, "uri": URI}}},
        {"status": {"status_list": {"idx": 1}}},
        {"status": {"status_list": {"idx": 1, "uri": "statuslists/1"}}},
        {"status": {"status_list": {"idx": 1, "uri": ":nothing"}}},
    ],
)
def test_malformed_status_claims_are_refused(claims: JsonObject) -> None:
    with pytest.raises(TokenStatusListError):
        parse_status_claim(claims)


def test_resolve_status_checks_the_uri(key: SigningKey) -> None:
    token = sign_status_list_token(key, uri=URI, status_list=_sample_list(), now=T0)
    verified = _verify(token, key)
    with pytest.raises(TokenStatusListError, match="sub"):
        resolve_status(StatusListReference(idx=42, uri="https://example.com/statuslists/2"), verified)
    with pytest.raises(TokenStatusListError, match="out of bounds"):
        resolve_status(StatusListReference(idx=10**9, uri=URI), verified)
