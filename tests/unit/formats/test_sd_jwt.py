"""RFC 9901 SD-JWT: replay of the RFC / SD-JWT VC / sd-jwt-python vectors, round trips and every rejection."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from oid4vc.crypto.keys import CryptoJwsVerifier, SigningKey, generate_key
from oid4vc.encoding import b64url_encode
from oid4vc.formats.sd_jwt import (
    Disclosure,
    KeyBindingCheck,
    SdJwt,
    SdJwtError,
    build_sd_payload,
    create_kb_jwt,
    create_presentation,
    issue_sd_jwt,
    parse_sd_jwt,
    random_salt,
    sd_digest,
    select_disclosures,
    serialize_sd_jwt,
    verify_sd_jwt,
)
from oid4vc.jose import encode_segment, public_jwk

VECTORS = Path(__file__).parents[2] / "vectors" / "sd-jwt"
SETTINGS = json.loads((VECTORS / "settings.json").read_text())
CASES = sorted(p.parent.name for p in VECTORS.glob("*/case.json"))
ISSUER = SigningKey.from_jwk(SETTINGS["key_settings"]["issuer_key"], kid="issuer-key-1")
HOLDER = SigningKey.from_jwk(SETTINGS["key_settings"]["holder_key"], kid="holder-key-1")
ISSUER_JWK = public_jwk(SETTINGS["key_settings"]["issuer_key"])
HOLDER_JWK = public_jwk(SETTINGS["key_settings"]["holder_key"])
VERIFIER = CryptoJwsVerifier()
NONCE = SETTINGS["key_binding_nonce"]
AUD = SETTINGS["identifiers"]["verifier"]
# The vectors' KB-JWTs were made at 2026-11-22T..; the issuer JWTs expire in 2029.
GENERATED = datetime.fromtimestamp(1795357778, UTC)
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def _read(case: str, name: str) -> Any:
    text = (VECTORS / case / name).read_text()
    return json.loads(text) if name.endswith(".json") else text.strip()


def _input_claims(case: str) -> dict[str, Any]:
    """What sd-jwt-python signs: default iss/iat/exp, then the user claims, then cnf when binding."""
    spec = _read(case, "case.json")
    claims: dict[str, Any] = {}
    if spec["include_default_claims"]:
        claims = {"iss": SETTINGS["identifiers"]["issuer"], "iat": SETTINGS["iat"], "exp": SETTINGS["exp"]}
    claims |= _read(case, "user_claims.json")
    if spec["key_binding"]:
        claims["cnf"] = {"jwk": HOLDER_JWK}
    return claims


def _kb_check(case: str, *, max_age: timedelta | None = None) -> KeyBindingCheck | None:
    return KeyBindingCheck(AUD, NONCE, max_age) if _read(case, "case.json")["key_binding"] else None


def _salts(values: list[str]) -> Callable[[], str]:
    return iter(values).__next__


def _counter() -> Callable[[], str]:
    counter = iter(range(10_000))
    return lambda: f"salt-{next(counter)}"


def _issue(claims: dict[str, Any], sd_paths: list[list[Any]], **kwargs: Any) -> SdJwt:
    return parse_sd_jwt(issue_sd_jwt(claims, signer=ISSUER, sd_paths=sd_paths, salt=_counter(), **kwargs))


def _verify(sd_jwt: SdJwt | str, kb: KeyBindingCheck | None = None, **kwargs: Any) -> Any:
    parsed = parse_sd_jwt(sd_jwt) if isinstance(sd_jwt, str) else sd_jwt
    options: dict[str, Any] = {"issuer_jwk": ISSUER_JWK, "verifier": VERIFIER, "now": NOW, "key_binding": kb}
    return verify_sd_jwt(parsed, **(options | kwargs))


@contextmanager
def _reason(reason: str) -> Iterator[None]:
    with pytest.raises(SdJwtError) as info:
        yield
    assert info.value.reason == reason, info.value.reason


# --- RFC 9901 text examples ---------------------------------------------------------------------------------


def test_rfc_disclosure_examples() -> None:
    encoded = "WyJfMjZiYzRMVC1hYzZxMktJNmNCVzVlcyIsICJmYW1pbHlfbmFtZSIsICJNw7ZiaXVzIl0"
    disclosure = Disclosure.decode(encoded)
    assert (disclosure.salt, disclosure.name, disclosure.value) == (
        "_26bc4LT-ac6q2KI6cBW5es",
        "family_name",
        "Möbius",
    )
    assert disclosure.digest == "X9yH0Ajrdm1Oij4tWso9UzzKJvPoDxwmuEcO3XAdRC0"  # §4.2.3
    variants = [  # §4.2.1: other encodings of the same claim
        "WyJfMjZiYzRMVC1hYzZxMktJNmNCVzVlcyIsICJmYW1pbHlfbmFtZSIsICJNXHUwMGY2Yml1cyJd",
        "WyJfMjZiYzRMVC1hYzZxMktJNmNCVzVlcyIsImZhbWlseV9uYW1lIiwiTcO2Yml1cyJd",
        "WwoiXzI2YmM0TFQtYWM2cTJLSTZjQlc1ZXMiLAoiZmFtaWx5X25hbWUiLAoiTcO2Yml1cyIKXQ",
    ]
    assert {Disclosure.decode(v).value for v in variants} == {"Möbius"}
    element = Disclosure.create("lklxF5jMYlGTPUovMNIvCA", None, "FR")  # §4.2.2
    assert element.encoded == "WyJsa2x4RjVqTVlsR1RQVW92TU5JdkNBIiwgIkZSIl0"


# --- Vector replay ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES)
def test_vector_issuance_verifies(case: str) -> None:
    sd_jwt = parse_sd_jwt(_read(case, "sd_jwt_issuance.txt"))
    verified = _verify(sd_jwt)
    assert verified.claims == _input_claims(case)
    assert len(verified.disclosed_paths) == len(sd_jwt.disclosures)
    assert verified.holder_jwk == (HOLDER_JWK if _read(case, "case.json")["key_binding"] else None)


@pytest.mark.parametrize("case", CASES)
def test_vector_payload_and_disclosures_reproduced(case: str) -> None:
    spec = _read(case, "case.json")
    expected = parse_sd_jwt(_read(case, "sd_jwt_issuance.txt"))
    decoys: dict[str, Any] = {}
    if spec["add_decoy_claims"]:  # sd-jwt-python drew 4 decoys for `address`, then 2 for the top level
        decoys = {
            "decoy_count": iter([4, 2]).__next__,
            "decoy_digest": _salts(_read(case, "decoy_digests.json")),
        }
    built = build_sd_payload(
        _input_claims(case), spec["sd_paths"], salt=_salts([d.salt for d in expected.disclosures]), **decoys
    )
    payload = _read(case, "sd_jwt_payload.json")
    if not expected.disclosures:  # sd-jwt-python always writes _sd_alg; we only do when there is a digest
        payload.pop("_sd_alg")
    assert built.payload == payload
    assert [d.encoded for d in built.disclosures] == [d.encoded for d in expected.disclosures]


@pytest.mark.parametrize("case", CASES)
def test_vector_presentation_verifies(case: str) -> None:
    presentation = parse_sd_jwt(_read(case, "sd_jwt_presentation.txt"))
    verified = _verify(presentation, _kb_check(case), now=GENERATED)
    assert verified.claims == _read(case, "verified_contents.json")
    if _read(case, "case.json")["key_binding"]:
        assert verified.key_binding == _read(case, "kb_jwt_payload.json")
        # freshness off: the recorded KB-JWT is old by now
        assert _verify(presentation, _kb_check(case, max_age=None)).claims == verified.claims
        with _reason("iat_out_of_window"):
            _verify(presentation, _kb_check(case, max_age=timedelta(minutes=5)))


@pytest.mark.parametrize("case", CASES)
def test_vector_holder_selection(case: str) -> None:
    issued = parse_sd_jwt(_read(case, "sd_jwt_issuance.txt"))
    presented = parse_sd_jwt(_read(case, "sd_jwt_presentation.txt"))
    selected = select_disclosures(issued, _read(case, "case.json")["disclose_paths"])
    assert {d.encoded for d in selected} == {d.encoded for d in presented.disclosures}


@pytest.mark.parametrize("case", CASES)
def test_vector_round_trip_with_our_keys(case: str) -> None:
    spec = _read(case, "case.json")
    header = {"typ": "example+sd-jwt"} | spec["extra_header_parameters"]
    token = issue_sd_jwt(_input_claims(case), signer=ISSUER, sd_paths=spec["sd_paths"], salt=random_salt, header=header)
    holder = HOLDER if spec["key_binding"] else None
    presented = create_presentation(
        parse_sd_jwt(token), spec["disclose_paths"], holder=holder, audience=AUD, nonce=NONCE, now=NOW
    )
    kb = KeyBindingCheck(AUD, NONCE) if holder else None
    verified = _verify(presented, kb)
    assert verified.claims == _read(case, "verified_contents.json")
    assert verified.header["typ"] == header["typ"]


# --- Issuance -----------------------------------------------------------------------------------------------

CLAIMS = {
    "sub": "user_42",
    "name": "Alice",
    "address": {"street": "Main St 1", "city": "Berlin"},
    "nationalities": ["DE", "FR", "US"],
    "degrees": [{"type": "BSc", "year": 2001}, {"type": "MSc", "year": 2003}],
    "cnf": {"jwk": HOLDER_JWK},
}


def test_plain_claims_stay_plain_and_digests_are_sorted() -> None:
    built = build_sd_payload(CLAIMS, [["name"], ["address", "city"], ["nationalities", 1]], salt=_counter())
    payload = built.payload
    assert payload["sub"] == "user_42" and "name" not in payload
    assert payload["_sd"] == sorted(payload["_sd"]) and len(payload["_sd"]) == 1
    assert payload["address"]["street"] == "Main St 1" and len(payload["address"]["_sd"]) == 1
    assert payload["nationalities"][0] == "DE" and set(payload["nationalities"][1]) == {"..."}
    assert payload["_sd_alg"] == "sha-256"
    assert [(d.name, d.value) for d in built.disclosures] == [
        ("name", "Alice"),
        ("city", "Berlin"),
        (None, "FR"),
    ]


def test_wildcard_paths_and_recursive_disclosures() -> None:
    built = build_sd_payload(CLAIMS, [["degrees"], ["degrees", None], ["degrees", None, "year"]], salt=_counter())
    assert "degrees" not in built.payload
    assert [d.name for d in built.disclosures] == ["year", None, "year", None, "degrees"]
    sd_jwt = parse_sd_jwt(serialize_sd_jwt(ISSUER.sign({}, built.payload), built.disclosures))
    verified = _verify(sd_jwt)
    assert verified.claims["degrees"] == CLAIMS["degrees"]
    assert verified.disclosed_paths == (
        ("degrees",),
        ("degrees", 0),
        ("degrees", 0, "year"),
        ("degrees", 1),
        ("degrees", 1, "year"),
    )
    # Revealing one year needs the array and its element, and nothing of the other element.
    only = select_disclosures(sd_jwt, [["degrees", 1, "year"]])
    assert next((d.name, d.value) for d in only if d.name == "year") == ("year", 2003)
    assert [d.name for d in only] == ["year", None, "degrees"]
    assert _verify(serialize_sd_jwt(sd_jwt.issuer_jwt, only)).claims["degrees"] == [{"type": "MSc", "year": 2003}]


def test_no_disclosable_claims_means_no_sd_claims() -> None:
    built = build_sd_payload({"a": 1}, [["missing"], ["a", "b"], ["a", 0]], salt=_counter())
    assert built.payload == {"a": 1} and built.disclosures == ()


def test_decoys_are_added_where_claims_are_hidden() -> None:
    built = build_sd_payload(CLAIMS, [["name"], ["nationalities", 0]], salt=random_salt, decoy_count=3)
    assert len(built.payload["_sd"]) == 4
    assert len(built.payload["nationalities"]) == 6 and "_sd" not in built.payload["address"]
    sd_jwt = parse_sd_jwt(serialize_sd_jwt(ISSUER.sign({}, built.payload), built.disclosures))
    assert _verify(sd_jwt).claims == CLAIMS
    assert _verify(serialize_sd_jwt(sd_jwt.issuer_jwt, [])).claims["nationalities"] == ["FR", "US"]


def test_sha_384() -> None:
    sd_jwt = _issue(CLAIMS, [["name"], ["nationalities", None]], sd_alg="sha-384")
    assert sd_jwt.sd_alg == "sha-384" and len(sd_jwt.disclosures[0].digest) == 64
    assert _verify(sd_jwt).claims == CLAIMS


@pytest.mark.parametrize(
    ("claims", "paths"),
    [
        ({"_sd": []}, []),
        ({"a": {"...": "x"}}, []),
        ({"_sd_alg": "sha-256"}, []),
        ({"a": 1}, [[]]),
        ({"a": 1}, ["a"]),
        ({"a": [1]}, [["a", -1]]),
        ({"a": [1]}, [["a", True]]),
        ({"a": [1]}, [["a", 1.0]]),
    ],
)
def test_issuance_rejects_reserved_names_and_bad_paths(claims: dict[str, Any], paths: list[Any]) -> None:
    with pytest.raises(ValueError):
        build_sd_payload(claims, paths, salt=_counter())


def test_issuance_rejects_unknown_sd_alg() -> None:
    with pytest.raises(ValueError):
        build_sd_payload({"a": 1}, [["a"]], salt=_counter(), sd_alg="md5")


def test_random_salt_has_128_bits() -> None:
    assert len(random_salt()) == 22 and random_salt() != random_salt()


# --- Verification failures ----------------------------------------------------------------------------------


def _token(payload: dict[str, Any], disclosures: list[Disclosure], header: dict[str, Any] | None = None) -> str:
    return serialize_sd_jwt(ISSUER.sign(header or {}, payload), disclosures)


def _unsigned(header: dict[str, Any], payload: dict[str, Any], signature: bytes = b"") -> str:
    return f"{encode_segment(header)}.{encode_segment(payload)}.{b64url_encode(signature)}~"


PROP = Disclosure.create("salt-p", "given_name", "Erika")
ITEM = Disclosure.create("salt-i", None, "DE")


@pytest.mark.parametrize(
    "token",
    [42, "no-tilde", "a.b~", "not.a.jwt~", _token({"_sd": [PROP.digest]}, [PROP]).replace("~", "~~", 1)],
)
def test_malformed(token: Any) -> None:
    with _reason("malformed"):
        parse_sd_jwt(token)


@pytest.mark.parametrize(
    "payload",
    [
        {"_sd": "x"}, {"_sd": [1]}, {"a": [{"...": 1}]}, {"a": [{"...": "x", "b": 1}]}, {"exp": "soon"},
        # not RFC 7519 NumericDates: beyond float range (was an OverflowError), beyond any date
        {"exp": 10**400}, {"nbf": -(10**400)}, {"exp": 1e20},
    ],
)
def test_malformed_payload(payload: dict[str, Any]) -> None:
    with _reason("malformed"):
        _verify(_token(payload, []))


def test_too_deep() -> None:
    deep: Any = "x"
    for _ in range(100):
        deep = [deep]
    with _reason("malformed"):
        _verify(_token({"deep": deep}, []))


@pytest.mark.parametrize("sd_alg", ["md5", "SHA-256", 256])
def test_unsupported_sd_alg(sd_alg: Any) -> None:
    with _reason("unsupported_sd_alg"):
        parse_sd_jwt(_token({"_sd_alg": sd_alg}, []))


@pytest.mark.parametrize("alg", ["none", "HS256", None])
def test_disallowed_alg(alg: str | None) -> None:
    with _reason("disallowed_alg"):
        _verify(_unsigned({"alg": alg}, {"sub": "x"}, b"\0" * 32))


def test_disallowed_alg_by_policy() -> None:
    with _reason("disallowed_alg"):
        _verify(_token({}, []), allowed_algs=frozenset({"EdDSA"}))


def test_bad_signature() -> None:
    token = _token({"sub": "x"}, [])
    with _reason("bad_signature"):
        _verify(token, issuer_jwk=HOLDER_JWK)
    header, _, signature = token.rstrip("~").split(".")
    with _reason("bad_signature"):
        _verify(f"{header}.{encode_segment({'sub': 'y'})}.{signature}~")


@pytest.mark.parametrize(
    "encoded",
    [
        "!!!",
        b64url_encode(b"not json"),
        b64url_encode(b'{"a": 1}'),
        b64url_encode(b'["salt"]'),
        b64url_encode(b'["salt", "a", 1, 2]'),
        b64url_encode(b'[1, "a", 1]'),
        b64url_encode(b'["salt", 1, 1]'),
    ],
)
def test_invalid_disclosure_shape(encoded: str) -> None:
    with _reason("invalid_disclosure"):
        parse_sd_jwt(f"{_token({}, [])}{encoded}~")


def test_invalid_disclosure_kind() -> None:
    with _reason("invalid_disclosure"):  # array element disclosure referenced from _sd
        _verify(_token({"_sd": [ITEM.digest]}, [ITEM]))
    with _reason("invalid_disclosure"):  # property disclosure used as an array element
        _verify(_token({"a": [{"...": PROP.digest}]}, [PROP]))


@pytest.mark.parametrize("name", ["_sd", "..."])
def test_reserved_claim_name(name: str) -> None:
    with _reason("reserved_claim_name"):
        parse_sd_jwt(_token({}, [Disclosure.create("s", name, 1)]))
    with _reason("reserved_claim_name"):
        _verify(_token({"a": {"...": "x"}}, []))


def test_duplicate_disclosure() -> None:
    with _reason("duplicate_disclosure"):
        parse_sd_jwt(_token({"_sd": [PROP.digest]}, [PROP, PROP]))


@pytest.mark.parametrize(
    "payload",
    [
        {"_sd": [PROP.digest, PROP.digest]},
        {"_sd": [PROP.digest], "a": {"_sd": [PROP.digest]}},
        {"a": [{"...": ITEM.digest}, {"...": ITEM.digest}]},
        {"_sd": ["decoy", "decoy"]},  # undisclosed digests count too
    ],
)
def test_duplicate_digest(payload: dict[str, Any]) -> None:
    disclosures = [d for d in (PROP, ITEM) if d.digest in json.dumps(payload)]
    with _reason("duplicate_digest"):
        _verify(_token(payload, disclosures))


def test_duplicate_digest_via_recursive_disclosure() -> None:
    outer = Disclosure.create("s-o", "address", {"_sd": [PROP.digest]})
    with _reason("duplicate_digest"):
        _verify(_token({"_sd": [outer.digest, PROP.digest]}, [outer, PROP]))


def test_claim_name_collision() -> None:
    with _reason("claim_name_collision"):
        _verify(_token({"given_name": "Max", "_sd": [PROP.digest]}, [PROP]))
    twin = Disclosure.create("other-salt", "given_name", "Max")
    with _reason("claim_name_collision"):
        _verify(_token({"_sd": [PROP.digest, twin.digest]}, [PROP, twin]))


def test_unreferenced_disclosure() -> None:
    with _reason("unreferenced_disclosure"):
        _verify(_token({"_sd": [PROP.digest]}, [PROP, ITEM]))
    nested = Disclosure.create("s-n", "street", "Main St")  # only reachable through a disclosure not sent
    outer = Disclosure.create("s-o", "address", {"_sd": [nested.digest]})
    with _reason("unreferenced_disclosure"):
        _verify(_token({"_sd": [outer.digest]}, [nested]))


def test_validity_window() -> None:
    with _reason("expired"):
        _verify(_token({"exp": int(NOW.timestamp()) - 61}, []))
    with _reason("not_yet_valid"):
        _verify(_token({"nbf": int(NOW.timestamp()) + 61}, []))
    assert _verify(_token({"exp": int(NOW.timestamp()) - 30, "nbf": int(NOW.timestamp()) + 30}, [])).claims


# --- Key Binding --------------------------------------------------------------------------------------------

KB = KeyBindingCheck(audience="https://verifier.example", nonce="n-123")


def _bound(**kb: Any) -> tuple[SdJwt, str]:
    sd_jwt = _issue(CLAIMS, [["name"], ["address"]])
    presentation = create_presentation(sd_jwt, [["name"]])
    options: dict[str, Any] = {"signer": HOLDER, "audience": KB.audience, "nonce": KB.nonce, "now": NOW} | kb
    return sd_jwt, presentation + create_kb_jwt(presentation, **options)


def test_key_binding_round_trip() -> None:
    _, token = _bound()
    verified = _verify(token, KB)
    assert verified.claims["name"] == "Alice" and "address" not in verified.claims
    assert verified.key_binding is not None and verified.key_binding["nonce"] == KB.nonce
    assert verified.holder_jwk == HOLDER_JWK


def test_key_binding_not_required_ignores_kb_jwt() -> None:
    _, token = _bound(nonce="other")
    assert _verify(token).key_binding is None


def test_kb_missing() -> None:
    sd_jwt, _ = _bound()
    with _reason("kb_missing"):
        _verify(create_presentation(sd_jwt, [["name"]]), KB)


def test_kb_unexpected_for_holder() -> None:
    _, token = _bound()
    with _reason("kb_unexpected"):
        create_presentation(parse_sd_jwt(token), [])


def test_kb_malformed() -> None:
    sd_jwt, _ = _bound()
    with _reason("kb_malformed"):
        _verify(sd_jwt.without_kb() + "not-a-jwt", KB)
    presentation = sd_jwt.without_kb()
    no_iat = HOLDER.sign({"typ": "kb+jwt"}, {"aud": KB.audience, "nonce": KB.nonce})
    with _reason("kb_malformed"):
        _verify(presentation + no_iat, KB)


def test_kb_typ() -> None:
    sd_jwt, _ = _bound()
    presentation = sd_jwt.without_kb()
    claims = {
        "iat": int(NOW.timestamp()),
        "aud": KB.audience,
        "nonce": KB.nonce,
        "sd_hash": sd_digest(presentation),
    }
    with _reason("kb_typ"):
        _verify(presentation + HOLDER.sign({"typ": "JWT"}, claims), KB)


def test_kb_bad_signature() -> None:
    _, token = _bound(signer=SigningKey(generate_key("EC"), kid="intruder"))
    with _reason("kb_bad_signature"):
        _verify(token, KB)


def test_kb_disallowed_alg() -> None:
    sd_jwt, _ = _bound()
    header = {"alg": "HS256", "typ": "kb+jwt"}
    with _reason("disallowed_alg"):
        _verify(sd_jwt.without_kb() + _unsigned(header, {"iat": 0}, b"\0" * 32).rstrip("~"), KB)


def test_no_holder_key() -> None:
    sd_jwt = _issue({"sub": "x", "name": "Alice"}, [["name"]])
    with pytest.raises(ValueError):
        create_presentation(sd_jwt, [["name"]], holder=HOLDER)  # KB needs audience, nonce and now
    token = create_presentation(sd_jwt, [["name"]], holder=HOLDER, audience=KB.audience, nonce=KB.nonce, now=NOW)
    with _reason("no_holder_key"):
        _verify(token, KB)


@pytest.mark.parametrize("offset", [timedelta(minutes=-7), timedelta(minutes=2)])
def test_iat_out_of_window(offset: timedelta) -> None:
    _, token = _bound(now=NOW + offset)
    with _reason("iat_out_of_window"):
        _verify(token, KB)


def test_iat_freshness_can_be_switched_off() -> None:
    _, token = _bound(now=NOW - timedelta(days=365))
    assert _verify(token, KeyBindingCheck(KB.audience, KB.nonce, max_age=None)).claims["name"] == "Alice"


def test_nonce_mismatch() -> None:
    _, token = _bound(nonce="n-456")
    with _reason("nonce_mismatch"):
        _verify(token, KB)


@pytest.mark.parametrize("audience", ["https://other.example", ["https://verifier.example"]])
def test_aud_mismatch(audience: Any) -> None:
    _, token = _bound(audience=audience)
    with _reason("aud_mismatch"):
        _verify(token, KB)


def test_sd_hash_mismatch() -> None:
    sd_jwt, token = _bound()
    kb_jwt = token.rsplit("~", 1)[1]
    # The KB-JWT covers the `name` disclosure only; adding `address` afterwards must break it.
    with _reason("sd_hash_mismatch"):
        _verify(serialize_sd_jwt(sd_jwt.issuer_jwt, sd_jwt.disclosures, kb_jwt), KB)


def test_all_vector_cases_present() -> None:
    assert len(CASES) == 14
