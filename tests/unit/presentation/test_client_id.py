from __future__ import annotations

import base64
import hashlib

import pytest

from oid4vc.presentation.client_id import (
    ClientId,
    ClientIdError,
    ClientIdPrefix,
    VerifierIdentity,
    check_response_uri,
    did_identity,
    parse_client_id,
    redirect_uri_identity,
    x5c_leaf_der,
    x509_hash,
    x509_hash_identity,
    x509_san_dns_identity,
)
from tests.unit.presentation._x509 import leaf

RESPONSE_URI = "https://verifier.example/presentations/response"
DID = "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"


@pytest.mark.parametrize(
    ("text", "prefix", "value"),
    [
        ("redirect_uri:https://client.example.org/cb", ClientIdPrefix.REDIRECT_URI, "https://client.example.org/cb"),
        ("x509_san_dns:client.example.org", ClientIdPrefix.X509_SAN_DNS, "client.example.org"),
        (
            "x509_hash:Uvo3HtuIxuhC92rShpgqcT3YXwrqRxWEviRiA0OZszk",
            ClientIdPrefix.X509_HASH,
            "Uvo3HtuIxuhC92rShpgqcT3YXwrqRxWEviRiA0OZszk",
        ),
        ("decentralized_identifier:did:example:123", ClientIdPrefix.DECENTRALIZED_IDENTIFIER, "did:example:123"),
        ("verifier_attestation:example-client", ClientIdPrefix.VERIFIER_ATTESTATION, "example-client"),
        (
            "openid_federation:https://federation-verifier.example.com",
            ClientIdPrefix.OPENID_FEDERATION,
            "https://federation-verifier.example.com",
        ),
        ("example-client", None, "example-client"),  # §5.9.2: no colon -> pre-registered
        ("https://client.example.org/cb", None, "https://client.example.org/cb"),  # unknown prefix -> pre-registered
    ],
)
def test_parse_spec_examples(text: str, prefix: ClientIdPrefix | None, value: str) -> None:
    client_id = parse_client_id(text)
    assert (client_id.prefix, client_id.value) == (prefix, value)
    assert str(client_id) == text


def test_parse_rejects_empty() -> None:
    for bad in ("", "x509_hash:"):
        with pytest.raises(ClientIdError):
            parse_client_id(bad)


def test_must_sign() -> None:
    assert not parse_client_id("redirect_uri:https://a.example/cb").must_sign
    assert parse_client_id("x509_hash:abc").must_sign
    assert parse_client_id("decentralized_identifier:did:example:1").must_sign
    assert not parse_client_id("pre-registered").must_sign


def test_redirect_uri_prefix() -> None:
    identity = redirect_uri_identity(RESPONSE_URI)
    assert str(identity.client_id) == f"redirect_uri:{RESPONSE_URI}" and not identity.signed
    check_response_uri(identity, RESPONSE_URI)
    with pytest.raises(ClientIdError) as info:
        check_response_uri(identity, "https://verifier.example/other")
    assert info.value.reason == "response_uri_mismatch"
    signed = VerifierIdentity(identity.client_id, x5c=("AAAA",))
    with pytest.raises(ClientIdError) as info:
        check_response_uri(signed, RESPONSE_URI)
    assert info.value.reason == "must_not_sign"


def test_x509_hash_is_sha256_of_the_leaf_der() -> None:
    _, x5c, der = leaf()
    identity = x509_hash_identity(x5c=x5c)
    expected = base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b"=").decode()
    assert x509_hash(der) == expected and identity.client_id.value == expected
    assert str(identity.client_id) == f"x509_hash:{expected}" and identity.signed
    assert x5c_leaf_der(x5c) == der
    check_response_uri(identity, RESPONSE_URI)
    forged = VerifierIdentity(ClientId(ClientIdPrefix.X509_HASH, "wrong"), x5c=tuple(x5c))
    with pytest.raises(ClientIdError) as info:
        check_response_uri(forged, RESPONSE_URI)
    assert info.value.reason == "hash_mismatch"
    with pytest.raises(ClientIdError) as info:
        check_response_uri(VerifierIdentity(ClientId(ClientIdPrefix.X509_HASH, expected)), RESPONSE_URI)
    assert info.value.reason == "must_sign"
    with pytest.raises(ClientIdError):
        x5c_leaf_der(["not base64!"])


def test_x509_san_dns() -> None:
    _, x5c, _ = leaf("verifier.example")
    identity = x509_san_dns_identity("verifier.example", x5c=x5c, leaf_dns_sans=["Verifier.Example"])
    assert str(identity.client_id) == "x509_san_dns:verifier.example"
    check_response_uri(identity, RESPONSE_URI)
    with pytest.raises(ClientIdError) as info:
        check_response_uri(identity, "https://elsewhere.example/response")
    assert info.value.reason == "response_uri_mismatch"
    with pytest.raises(ClientIdError) as info:
        x509_san_dns_identity("verifier.example", x5c=x5c, leaf_dns_sans=["other.example"])
    assert info.value.reason == "san_mismatch"
    with pytest.raises(ClientIdError) as info:
        x509_san_dns_identity("https://verifier.example", x5c=x5c, leaf_dns_sans=["verifier.example"])
    assert info.value.reason == "malformed"


def test_decentralized_identifier() -> None:
    identity = did_identity(f"{DID}#{DID[8:]}")
    assert str(identity.client_id) == f"decentralized_identifier:{DID}" and identity.kid == f"{DID}#{DID[8:]}"
    check_response_uri(identity, RESPONSE_URI)
    for bad in (DID, "did:x", "https://x.example#k"):
        with pytest.raises(ClientIdError):
            did_identity(bad)
    other = VerifierIdentity(identity.client_id, kid="did:key:zOther#zOther")
    with pytest.raises(ClientIdError) as info:
        check_response_uri(other, RESPONSE_URI)
    assert info.value.reason == "kid_mismatch"


def test_unsupported_prefixes_and_response_uri_shape() -> None:
    for prefix in (ClientIdPrefix.ORIGIN, ClientIdPrefix.VERIFIER_ATTESTATION, ClientIdPrefix.OPENID_FEDERATION):
        with pytest.raises(ClientIdError) as info:
            check_response_uri(VerifierIdentity(ClientId(prefix, "x")), RESPONSE_URI)
        assert info.value.reason == "unsupported_prefix"
    identity = x509_hash_identity(x5c=leaf()[1])
    for bad in ("http://verifier.example/r", "https://verifier.example/r#frag", "/relative"):
        with pytest.raises(ClientIdError):
            check_response_uri(identity, bad)
    check_response_uri(identity, "http://localhost:8080/r", allow_http=True)
