from __future__ import annotations

import json
import math
import re
import secrets
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from pydantic import ValidationError

from oid4vc.crypto.keys import CryptoJwsVerifier, SigningKey, generate_key
from oid4vc.dids.key import did_key_from_jwk
from oid4vc.errors import InvalidRequestError
from oid4vc.jose import parse_compact_jws
from oid4vc.presentation.client_id import (
    ClientIdError,
    did_identity,
    redirect_uri_identity,
    x509_hash_identity,
    x509_san_dns_identity,
)
from oid4vc.presentation.dcql import DcqlQuery, parse_dcql_query
from oid4vc.presentation.request import (
    AuthorizationRequest,
    PresentationCreate,
    ResponseMode,
    VpFormatPolicy,
    create_authorization_request,
    new_nonce,
    parse_request_uri_post,
    wallet_link,
)
from tests.unit.presentation._x509 import leaf

VECTORS = Path(__file__).parents[2] / "vectors" / "presentation"
T0 = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
RESPONSE_URI = "https://verifier.example/presentations/response"
REQUEST_URI = "https://verifier.example/presentations/request/abc"
URL_SAFE = re.compile(r"^[A-Za-z0-9._~-]+$")
FORBIDDEN = (
    "redirect_uri",
    "scope",
    "client_id_scheme",
    "presentation_definition",
    "transaction_data",
    "request",
    "request_uri",
)


def query(name: str = "simple.json") -> DcqlQuery:
    return parse_dcql_query(json.loads((VECTORS / "dcql" / name).read_text()))


def encryption_jwk() -> dict[str, Any]:
    return SigningKey(generate_key("EC"), kid="x").public_jwk


def build(identity: Any, mode: ResponseMode = "direct_post.jwt", **kw: Any) -> AuthorizationRequest:
    args: dict[str, Any] = {
        "identity": identity,
        "response_uri": RESPONSE_URI,
        "response_mode": mode,
        "nonce": new_nonce(secrets.token_bytes),
        "state": new_nonce(secrets.token_bytes),
        "dcql_query": query(),
        "formats": VpFormatPolicy(),
        "encryption_jwk": encryption_jwk() if mode == "direct_post.jwt" else None,
    }
    return create_authorization_request(**(args | kw))


# --- nonce --------------------------------------------------------------------------------------------------


def test_nonce_entropy_and_charset() -> None:
    nonces = [new_nonce(secrets.token_bytes) for _ in range(1000)]
    assert len(set(nonces)) == 1000
    assert all(URL_SAFE.match(n) and len(n) == 43 for n in nonces)  # 32 bytes; suite: 16..43 characters
    # Empirical entropy of the characters used, per position, across the sample: close to 6 bits per char.
    counts = Counter("".join(n[:42] for n in nonces))
    total = sum(counts.values())
    bits_per_char = -sum(c / total * math.log2(c / total) for c in counts.values())
    assert bits_per_char * 42 > 128
    assert len(new_nonce(secrets.token_bytes, size=16)) == 22
    with pytest.raises(ValueError):
        new_nonce(secrets.token_bytes, size=15)
    with pytest.raises(ValueError):
        new_nonce(lambda n: b"\0" * (n - 1))


# --- Request Objects per prefix and response mode --------------------------------------------------------


def _common_checks(claims: dict[str, Any], request: AuthorizationRequest) -> None:
    assert claims["response_type"] == "vp_token"
    assert claims["client_id"] == request.client_id
    assert claims["response_mode"] == request.response_mode
    assert claims["response_uri"] == RESPONSE_URI
    assert claims["nonce"] == request.nonce and claims["state"] == request.state
    assert claims["dcql_query"] == json.loads((VECTORS / "dcql" / "simple.json").read_text())
    assert claims["client_metadata"]["vp_formats_supported"] == {
        "dc+sd-jwt": {"sd-jwt_alg_values": ["ES256"], "kb-jwt_alg_values": ["ES256"]}
    }
    assert not any(name in claims for name in FORBIDDEN)


def test_x509_hash_direct_post_jwt_signed_request_object() -> None:
    key, x5c, _ = leaf()
    request = build(x509_hash_identity(x5c=x5c))
    jwt = request.sign(key, now=T0, lifetime=timedelta(minutes=5))
    jws = parse_compact_jws(jwt)
    assert jws.header["typ"] == "oauth-authz-req+jwt" and jws.header["x5c"] == x5c and jws.header["alg"] == "ES256"
    CryptoJwsVerifier().verify(jws.signing_input, jws.signature, alg="ES256", jwk=key.public_jwk)
    claims = jws.payload
    _common_checks(claims, request)
    assert claims["client_id"].startswith("x509_hash:")
    assert claims["aud"] == "https://self-issued.me/v2"
    assert claims["iat"] == int(T0.timestamp()) and claims["exp"] == claims["iat"] + 300
    assert "wallet_nonce" not in claims  # §5.10: only when the wallet POSTed one
    metadata = claims["client_metadata"]
    assert metadata["encrypted_response_enc_values_supported"] == ["A128GCM", "A256GCM"]
    (jwk,) = metadata["jwks"]["keys"]
    assert jwk["kid"] and jwk["alg"] == "ECDH-ES" and jwk["use"] == "enc"
    assert (jwk["kty"], jwk["crv"]) == ("EC", "P-256") and "d" not in jwk


def test_wallet_nonce_is_echoed_in_the_request_object() -> None:
    key, x5c, _ = leaf()
    request = build(x509_hash_identity(x5c=x5c))
    post = parse_request_uri_post({"wallet_nonce": "qPmxiNFCR3QTm19POc8u", "wallet_metadata": "{}", "other": "x"})
    claims = parse_compact_jws(
        request.sign(key, now=T0, lifetime=timedelta(minutes=5), wallet_nonce=post.wallet_nonce)
    ).payload
    assert claims["wallet_nonce"] == "qPmxiNFCR3QTm19POc8u"


def test_x509_san_dns_direct_post() -> None:
    key, x5c, _ = leaf("verifier.example")
    request = build(
        x509_san_dns_identity("verifier.example", x5c=x5c, leaf_dns_sans=["verifier.example"]), mode="direct_post"
    )
    claims = parse_compact_jws(request.sign(key, now=T0, lifetime=timedelta(minutes=1))).payload
    _common_checks(claims, request)
    assert claims["client_id"] == "x509_san_dns:verifier.example"
    assert set(claims["client_metadata"]) == {"vp_formats_supported"}  # no jwks without encryption
    with pytest.raises(ClientIdError):
        build(
            x509_san_dns_identity("verifier.example", x5c=x5c, leaf_dns_sans=["verifier.example"]),
            response_uri="https://other.example/response",
        )


def test_decentralized_identifier_is_signed_with_the_did_key() -> None:
    key = SigningKey(generate_key("OKP"), kid="k")
    did = did_key_from_jwk(key.public_jwk)
    request = build(did_identity(f"{did}#{did[8:]}"))
    jws = parse_compact_jws(request.sign(key, now=T0, lifetime=timedelta(minutes=1)))
    assert jws.header["kid"] == f"{did}#{did[8:]}" and "x5c" not in jws.header
    assert jws.payload["client_id"] == f"decentralized_identifier:{did}"


def test_redirect_uri_prefix_is_unsigned_and_sent_by_value() -> None:
    request = build(redirect_uri_identity(RESPONSE_URI), mode="direct_post")
    with pytest.raises(ValueError):
        request.sign(SigningKey(generate_key("EC"), kid="k"), now=T0, lifetime=timedelta(minutes=1))
    params = request.query_parameters()
    assert params["client_id"] == f"redirect_uri:{RESPONSE_URI}"
    link = wallet_link(client_id=request.client_id, parameters=params)
    parts = urlsplit(link)
    assert parts.scheme == "openid4vp"
    back = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert json.loads(back["dcql_query"]) == request.dcql_query.to_json()
    assert json.loads(back["client_metadata"]) == request.client_metadata
    assert back["response_uri"] == RESPONSE_URI and "redirect_uri" not in back
    _common_checks(request.parameters(), request)
    with pytest.raises(ClientIdError):
        build(redirect_uri_identity(RESPONSE_URI), mode="direct_post", response_uri="https://verifier.example/x")


def test_signed_prefixes_cannot_go_by_value() -> None:
    with pytest.raises(ValueError):
        build(x509_hash_identity(x5c=leaf()[1])).query_parameters()


def test_state_rules() -> None:
    data = json.loads((VECTORS / "dcql" / "simple.json").read_text())
    data["credentials"][0]["require_cryptographic_holder_binding"] = False
    identity = x509_hash_identity(x5c=leaf()[1])
    with pytest.raises(ValueError, match="state is required"):
        build(identity, dcql_query=parse_dcql_query(data), state=None)
    assert build(identity, state=None).parameters().get("state") is None  # bound presentations: state optional
    with pytest.raises(ValueError):
        build(identity, nonce="has space")
    with pytest.raises(ValueError):
        build(identity, state="a/b")


def test_encryption_key_rules() -> None:
    identity = x509_hash_identity(x5c=leaf()[1])
    with pytest.raises(ValueError):
        build(identity, encryption_jwk=None)
    with pytest.raises(ValueError):
        build(identity, encryption_jwk=encryption_jwk() | {"d": "secret"})
    with pytest.raises(ValueError):
        build(identity, encryption_jwk=SigningKey(generate_key("OKP"), kid="x").public_jwk)
    with pytest.raises(ValueError):
        build(identity, mode="direct_post", encryption_jwk=encryption_jwk())
    jwk = encryption_jwk() | {"kid": "eph-1"}
    assert build(identity, encryption_jwk=jwk).client_metadata["jwks"]["keys"][0]["kid"] == "eph-1"
    first, second = build(identity), build(identity)  # ephemeral: a new key per request (caller's job)
    assert first.client_metadata["jwks"] != second.client_metadata["jwks"]


def test_vp_formats_supported_use_the_final_names() -> None:
    formats = VpFormatPolicy().vp_formats_supported(["ldp_vc", "jwt_vc_json", "dc+sd-jwt", "mso_mdoc"])
    for example in (
        "sd_jwt_vc_verifier_metadata.json",
        "w3c_jwt_verifier_metadata.json",
        "w3c_ldp_verifier_metadata.json",
    ):
        spec = json.loads((VECTORS / "client_metadata" / example).read_text())["vp_formats_supported"]
        for fmt, params in spec.items():
            assert set(formats[fmt]) == set(params)
    assert formats["mso_mdoc"] == {}
    credentials = query("credentials_alternatives.json")
    assert list(VpFormatPolicy().vp_formats_supported(credentials.formats)) == ["dc+sd-jwt"]


# --- wallet invocation link and the Request URI POST -------------------------------------------------------


def test_wallet_link_by_reference() -> None:
    link = wallet_link(client_id="x509_hash:abc", request_uri=REQUEST_URI, request_uri_method="post")
    assert link.startswith("openid4vp://?")
    assert {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()} == {
        "client_id": "x509_hash:abc",
        "request_uri": REQUEST_URI,
        "request_uri_method": "post",
    }
    metadata: dict[str, Any] = {"vp_formats_supported": {"dc+sd-jwt": {}}}
    with_metadata = wallet_link(
        client_id="c", request_uri=REQUEST_URI, request_uri_method="post", client_metadata=metadata
    )
    assert json.loads(parse_qs(urlsplit(with_metadata).query)["client_metadata"][0]) == metadata
    plain = wallet_link(client_id="x509_hash:abc", request_uri=REQUEST_URI)
    assert "request_uri_method" not in plain
    https = wallet_link(client_id="c", request_uri=REQUEST_URI, authorization_endpoint="https://wallet.example/a?x=1")
    assert https.startswith("https://wallet.example/a?x=1&client_id=c")
    for bad in ("http://verifier.example/r", "https://verifier.example/r#f"):
        with pytest.raises(ValueError):
            wallet_link(client_id="c", request_uri=bad)
    wallet_link(client_id="c", request_uri="http://localhost:8080/r", allow_http=True)
    with pytest.raises(ValueError):
        wallet_link(client_id="c", request_uri_method="post", parameters={"client_id": "c"})
    with pytest.raises(ValueError):
        wallet_link(client_id="c")
    with pytest.raises(ValueError):
        wallet_link(client_id="c", parameters={"client_id": "d"})


def test_parse_request_uri_post() -> None:
    post = parse_request_uri_post({"wallet_metadata": json.dumps({"vp_formats_supported": {}})})
    assert post.wallet_nonce is None and post.wallet_metadata == {"vp_formats_supported": {}}
    assert parse_request_uri_post({}).wallet_metadata is None
    for bad in (
        {"wallet_metadata": "not json"},
        {"wallet_metadata": "[1]"},
        {"wallet_nonce": ""},
        {"wallet_nonce": "x" * 513},
    ):
        with pytest.raises(InvalidRequestError):
            parse_request_uri_post(bad)


def test_presentation_create_body() -> None:
    body = PresentationCreate.model_validate({"dcql_query": {"credentials": []}, "response_mode": "direct_post"})
    assert body.request_uri_method is None
    with pytest.raises(ValidationError):
        PresentationCreate.model_validate({"dcql_query": {}, "presentation_definition": {}})
    with pytest.raises(ValidationError):
        PresentationCreate.model_validate({"dcql_query": {}, "response_mode": "fragment"})
