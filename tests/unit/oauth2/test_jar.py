from __future__ import annotations

import pytest

from oid4vc.crypto.keys import CryptoJwsVerifier, SigningKey, generate_key
from oid4vc.jose import parse_compact_jws
from oid4vc.oauth2.jar import REQUEST_OBJECT_MEDIA_TYPE, REQUEST_OBJECT_TYP, check_request_uri, sign_request_object


def test_request_object_header_and_signature() -> None:
    key = SigningKey(generate_key("EC"), kid="signing-key")
    jws = parse_compact_jws(sign_request_object({"client_id": "c"}, signer=key, x5c=["MIIB"], kid="did:example:1#k"))
    assert jws.header == {"alg": "ES256", "kid": "did:example:1#k", "typ": REQUEST_OBJECT_TYP, "x5c": ["MIIB"]}
    assert jws.payload == {"client_id": "c"}
    CryptoJwsVerifier().verify(jws.signing_input, jws.signature, alg="ES256", jwk=key.public_jwk)
    assert (
        REQUEST_OBJECT_TYP == "oauth-authz-req+jwt" and f"application/{REQUEST_OBJECT_TYP}" == REQUEST_OBJECT_MEDIA_TYPE
    )


def test_no_nested_requests() -> None:
    key = SigningKey(generate_key("EC"), kid="k")
    for nested in ({"request": "x"}, {"request_uri": "https://a.example/r"}):
        with pytest.raises(ValueError):
            sign_request_object(nested, signer=key)


def test_request_uri_rules() -> None:
    check_request_uri("https://verifier.example/request/abc")
    for bad in (
        "http://verifier.example/r",
        "https://verifier.example/r#x",
        "https:///r",
        "/r",
        "https://v.example/r#",
    ):
        with pytest.raises(ValueError):
            check_request_uri(bad)
    check_request_uri("http://localhost:8080/r", allow_http=True)
