from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jwcrypto import jwe, jwk

from oid4vc.presentation.dcql import DcqlQuery, parse_dcql_query
from oid4vc.presentation.errors import InvalidPresentationError
from oid4vc.presentation.request import ResponseMode
from oid4vc.presentation.response import (
    WALLET_ERROR_CODES,
    AuthorizationErrorResponse,
    AuthorizationResponse,
    parse_authorization_response,
)

VECTORS = Path(__file__).parents[2] / "vectors" / "presentation"
ENCRYPTED = json.loads((VECTORS / "response" / "encrypted_response.json").read_text())
SD_JWT = "eyJhbGciOiJFUzI1NiJ9.eyJ2Y3QiOiJ4In0.sig~WyJzYWx0IiwibmFtZSIsInZhbHVlIl0~"
LDP_VP = {"@context": ["https://www.w3.org/2018/credentials/v1"], "type": ["VerifiablePresentation"]}


def query(*ids: str, multiple: bool = False) -> DcqlQuery:
    return parse_dcql_query(
        {
            "credentials": [
                {"id": i, "format": "dc+sd-jwt", "meta": {"vct_values": ["x"]}, "multiple": multiple} for i in ids
            ]
        }
    )


def spec_decrypt(token: str) -> dict[str, Any]:
    """The test side of the injected decrypt: jwcrypto with the private key printed in §8.3."""
    envelope = jwe.JWE()
    try:
        envelope.deserialize(token, key=jwk.JWK(**ENCRYPTED["private_jwk"]))
    except Exception as exc:
        raise ValueError("cannot decrypt") from exc
    payload: dict[str, Any] = json.loads(envelope.payload)
    return payload


def test_direct_post() -> None:
    form = {"vp_token": json.dumps({"my_credential": [SD_JWT]}), "state": "eyJhb6-sVA", "unknown": "ignored"}
    response = parse_authorization_response(form, response_mode="direct_post", query=query("my_credential"))
    assert isinstance(response, AuthorizationResponse)
    assert response.vp_token == {"my_credential": (SD_JWT,)} and response.state == "eyJhb6-sVA"
    assert not response.encrypted


def test_presentations_may_be_objects_and_multiple() -> None:
    form = {"vp_token": json.dumps({"a": [LDP_VP, SD_JWT]})}
    response = parse_authorization_response(form, response_mode="direct_post", query=query("a", multiple=True))
    assert isinstance(response, AuthorizationResponse) and response.vp_token["a"] == (LDP_VP, SD_JWT)
    assert response.state is None


@pytest.mark.parametrize(
    ("form", "reason"),
    [
        ({"vp_token": "not json"}, "malformed_vp_token"),
        ({"vp_token": "[]"}, "malformed_vp_token"),
        ({"vp_token": "{}"}, "malformed_vp_token"),
        ({"vp_token": json.dumps({"a": SD_JWT})}, "malformed_vp_token"),
        ({"vp_token": json.dumps({"a": []})}, "malformed_vp_token"),
        ({"vp_token": json.dumps({"a": [3]})}, "malformed_vp_token"),
        ({"vp_token": json.dumps({"a": [""]})}, "malformed_vp_token"),
        ({"vp_token": json.dumps({"zzz": [SD_JWT]})}, "unknown_credential_query"),
        ({"vp_token": json.dumps({"a": [SD_JWT, SD_JWT]})}, "multiple_not_allowed"),
        ({}, "malformed_response"),
        ({"state": "s"}, "malformed_response"),
        ({"error": "access_denied", "vp_token": json.dumps({"a": [SD_JWT]})}, "malformed_response"),
        ({"error": 'bad"code'}, "malformed_response"),
        ({"response": "eyJ..."}, "malformed_response"),
    ],
)
def test_malformed_responses(form: dict[str, str], reason: str) -> None:
    with pytest.raises(InvalidPresentationError) as info:
        parse_authorization_response(form, response_mode="direct_post", query=query("a"))
    assert info.value.reason == reason
    assert info.value.error == "invalid_request" and info.value.status == 400


@pytest.mark.parametrize("code", sorted(WALLET_ERROR_CODES))
def test_wallet_error_responses(code: str) -> None:
    form = {"error": code, "error_description": "unsupported client_id_prefix", "state": "st"}
    modes: tuple[ResponseMode, ...] = ("direct_post", "direct_post.jwt")
    for mode in modes:  # §8.3.1: an error may come back unencrypted
        response = parse_authorization_response(form, response_mode=mode, query=query("a"), decrypt=spec_decrypt)
        assert isinstance(response, AuthorizationErrorResponse)
        assert (response.error, response.error_description, response.state) == (code, form["error_description"], "st")
        assert response.known and not response.encrypted
    other = parse_authorization_response({"error": "custom_code"}, response_mode="direct_post", query=query("a"))
    assert isinstance(other, AuthorizationErrorResponse) and not other.known


def test_direct_post_jwt_with_the_spec_example() -> None:
    """§8.3: the printed JWE decrypts to {"vp_token": {"example_credential_id": [...]}}."""
    response = parse_authorization_response(
        {"response": ENCRYPTED["response"]},
        response_mode="direct_post.jwt",
        query=query("example_credential_id"),
        decrypt=spec_decrypt,
    )
    assert isinstance(response, AuthorizationResponse) and response.encrypted
    assert response.vp_token == {"example_credential_id": ("eyJhb...YMetA",)}


def test_direct_post_jwt_rules() -> None:
    q = query("a")
    with pytest.raises(InvalidPresentationError) as info:  # plaintext vp_token when encryption was requested
        parse_authorization_response(
            {"vp_token": json.dumps({"a": [SD_JWT]})}, response_mode="direct_post.jwt", query=q, decrypt=spec_decrypt
        )
    assert info.value.reason == "encryption_required"
    with pytest.raises(InvalidPresentationError) as info:
        parse_authorization_response(
            {"response": "garbage"}, response_mode="direct_post.jwt", query=q, decrypt=spec_decrypt
        )
    assert info.value.reason == "undecryptable_response"
    encrypted_error = parse_authorization_response(
        {"response": "x"},
        response_mode="direct_post.jwt",
        query=q,
        decrypt=lambda _: {"error": "access_denied", "state": "s"},
    )
    assert isinstance(encrypted_error, AuthorizationErrorResponse) and encrypted_error.encrypted
    with pytest.raises(InvalidPresentationError) as info:
        parse_authorization_response(
            {"response": "x"},
            response_mode="direct_post.jwt",
            query=q,
            decrypt=lambda _: {"vp_token": {"a": [SD_JWT]}, "state": 5},
        )
    assert info.value.reason == "malformed_response"
    with pytest.raises(ValueError):
        parse_authorization_response({"response": "x"}, response_mode="direct_post.jwt", query=q)
