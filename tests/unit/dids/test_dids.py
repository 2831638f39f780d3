from __future__ import annotations

import pytest

from oid4vc.crypto.keys import SigningKey, generate_key
from oid4vc.dids.identity import key_identity
from oid4vc.dids.jwk import did_jwk_from_jwk, jwk_from_did_jwk
from oid4vc.dids.key import did_key_from_jwk, jwk_from_did_key
from oid4vc.dids.resolve import resolve_offline
from oid4vc.dids.web import did_document, did_web_from_url, did_web_url

# did:key spec test vectors (Ed25519 and P-256)
ED_DID = "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"
P256_DID = "did:key:zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169"


def test_did_key_vectors_round_trip() -> None:
    for did in (ED_DID, P256_DID):
        assert did_key_from_jwk(jwk_from_did_key(did)) == did
        assert resolve_offline(f"{did}#{did[8:]}") == jwk_from_did_key(did)
    assert jwk_from_did_key(P256_DID)["crv"] == "P-256"


@pytest.mark.parametrize("kty", ["EC", "OKP"])
def test_generated_keys_round_trip(kty: str) -> None:
    for _ in range(10):
        jwk = SigningKey(generate_key(kty), kid="k").public_jwk
        assert jwk_from_did_key(did_key_from_jwk(jwk)) == jwk
        assert jwk_from_did_jwk(did_jwk_from_jwk(jwk) + "#0") == jwk


def test_bad_dids_are_refused() -> None:
    for bad in ("did:key:z6Mk", "did:key:abc", f"{ED_DID}#zOther", "did:jwk:!!", "did:web:x", "did:example:1"):
        with pytest.raises(ValueError):
            resolve_offline(bad)
    priv = did_jwk_from_jwk({"kty": "OKP", "crv": "Ed25519", "x": "AA"}).replace("did:jwk:", "")
    assert priv  # public-only members survive; a private 'd' is stripped before encoding
    assert "d" not in jwk_from_did_jwk(did_jwk_from_jwk({"kty": "OKP", "crv": "Ed25519", "x": "AA", "d": "BB"}))


def test_did_web() -> None:
    assert did_web_from_url("https://issuer.example:8443/tenant/a") == "did:web:issuer.example%3A8443:tenant:a"
    assert did_web_url("did:web:issuer.example") == "https://issuer.example/.well-known/did.json"
    assert did_web_url("did:web:issuer.example%3A8443:t") == "https://issuer.example:8443/t/did.json"
    ed = SigningKey(generate_key("OKP"), kid="k1").public_jwk
    ec = SigningKey(generate_key("EC"), kid="k2").public_jwk
    doc = did_document("did:web:x.example", [("k1", ed), ("k2", ec)], assertion_kids=["k1"])
    assert doc["verificationMethod"][0]["type"] == "Multikey"
    assert doc["verificationMethod"][1]["publicKeyJwk"] == ec
    assert doc["assertionMethod"] == ["did:web:x.example#k1"]


def test_key_identity() -> None:
    jwk = SigningKey(generate_key("OKP"), kid="k").public_jwk
    assert key_identity("jwk", jwk, kid="k", public_url="https://a.example").verification_method.endswith("#0")
    ident = key_identity("key", jwk, kid="k", public_url="https://a.example")
    assert ident.verification_method == f"{ident.did}#{ident.did[8:]}"
    assert (
        key_identity("web", jwk, kid="k", public_url="https://a.example").verification_method == "did:web:a.example#k"
    )
