"""The verifier side's own pieces, without a server, checked against oid4vc's independent implementations where
one exists: response JWEs, Request Object signatures, ldp_vp Data Integrity proofs, SD-JWT presentations,
request links, DCQL validation, entropy estimates, DID and certificate helpers, report rendering."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from conformance.suite.checks import VERIFIER_MODULES
from conformance.suite.data_integrity import expanded_types, proof_value_tampered, sign_eddsa_rdfc_2022
from conformance.suite.jwe import decrypt_ecdh_es, encrypt_ecdh_es, generate_encryption_key
from conformance.suite.model import Level, Report, Result, Status
from conformance.suite.presenter import (
    HeldCredential,
    Tamper,
    build_presentation,
    disclosure_paths,
    flip_jws_signature,
    requested_paths,
    split_sd_jwt,
)
from conformance.suite.report import render_html, render_markdown, render_text
from conformance.suite.signatures import public_key_from_jwk, verify_jws
from conformance.suite.vp_keys import chain_problems, did_web_url, is_self_signed, leaf_dns_sans, x509_hash_of
from conformance.suite.vp_request import (
    client_id_prefix,
    dcql_problems,
    decode_by_value,
    estimated_entropy_bits,
    parse_request_link,
    query_for_format,
)
from conformance.suite.vp_sources import credential_format_of, suggested_query
from conformance.suite.wallet import HolderKey, b64url_encode, compact_jwt, decode_jwt
from oid4vc.crypto.jwcrypto import decrypt_response, new_encryption_key
from oid4vc.crypto.keys import CryptoJwsVerifier
from oid4vc.dids.key import jwk_from_did_key
from oid4vc.formats.ldp_vc import DataIntegrityError, verify_proof
from oid4vc.jose import parse_compact_jws, public_jwk

JsonObject = dict[str, Any]

# -- JWE (OpenID4VP §8.3) ---------------------------------------------------------------------------------


@pytest.mark.parametrize("enc", ["A128GCM", "A256GCM"])
def test_response_jwe_decrypts_with_oid4vc(enc: str) -> None:
    private = new_encryption_key()
    payload = {"vp_token": {"q": ["a~b~"]}, "state": "s-1"}
    token = encrypt_ecdh_es(payload, public_jwk(private), enc=enc)
    assert decrypt_response(token, private) == payload
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header["alg"] == "ECDH-ES" and header["enc"] == enc and header["kid"] == private["kid"]
    assert token.split(".")[1] == ""  # direct key agreement: no encrypted key


def test_response_jwe_round_trip_with_apu_apv_and_foreign_key() -> None:
    private, jwk = generate_encryption_key()
    token = encrypt_ecdh_es({"a": 1}, jwk, enc="A256GCM", kid="k", apu=b"wallet", apv=b"verifier")
    assert decrypt_ecdh_es(token, private) == {"a": 1}
    other, _ = generate_encryption_key()
    with pytest.raises(Exception):  # noqa: B017 - AES-GCM authentication fails with the wrong key
        decrypt_ecdh_es(token, other)
    with pytest.raises(ValueError):
        encrypt_ecdh_es({}, jwk, enc="A192CBC-HS384")


# -- JWS signatures ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("alg", ["ES256", "EdDSA"])
def test_verify_jws_accepts_good_and_refuses_flipped_signatures(alg: str) -> None:
    key = HolderKey.generate(alg)
    token = compact_jwt({"alg": alg, "typ": "oauth-authz-req+jwt"}, {"client_id": "x"}, key=key)
    public = public_key_from_jwk(key.public_jwk)
    assert verify_jws(token, public)
    assert not verify_jws(flip_jws_signature(token), public)
    assert not verify_jws(token, public_key_from_jwk(HolderKey.generate(alg).public_jwk))
    with pytest.raises(ValueError):
        verify_jws(compact_jwt({"alg": "none"}, {}), public)
    with pytest.raises(ValueError):
        verify_jws(compact_jwt({"alg": "HS256"}, {}, hmac_secret=b"k"), public)


# -- Data Integrity (ldp_vp, App. B.1.3.2) -----------------------------------------------------------------


async def test_ldp_vp_proof_verifies_with_oid4vc() -> None:
    key = HolderKey.generate("EdDSA")
    vm = key.kid("did:key")
    vp: JsonObject = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiablePresentation"],
                      "holder": key.did_key}

    async def resolve(url: str) -> dict[str, Any]:
        return jwk_from_did_key(url)

    secured = sign_eddsa_rdfc_2022(vp, key, verification_method=vm, challenge="n-1", domain="x509_hash:abc")
    assert secured["proof"]["proofPurpose"] == "authentication" and secured["proof"]["proofValue"].startswith("z")
    proof = await verify_proof(secured, resolve_key=resolve, verifier=CryptoJwsVerifier(), executor=None,
                               expected_purpose="authentication", challenge="n-1", domain="x509_hash:abc")
    assert proof.verification_method == vm
    with pytest.raises(DataIntegrityError):
        await verify_proof(proof_value_tampered(secured), resolve_key=resolve, verifier=CryptoJwsVerifier(),
                           executor=None, expected_purpose="authentication", challenge="n-1",
                           domain="x509_hash:abc")
    with pytest.raises(ValueError, match="Ed25519"):
        sign_eddsa_rdfc_2022(vp, HolderKey.generate("ES256"), verification_method=vm)


def test_expanded_types_of_an_open_badge() -> None:
    vc = {"@context": ["https://www.w3.org/ns/credentials/v2",
                       "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
          "type": ["VerifiableCredential", "OpenBadgeCredential"]}
    assert expanded_types(vc) == ["https://www.w3.org/2018/credentials#VerifiableCredential",
                                  "https://purl.imsglobal.org/spec/vc/ob/vocab.html#OpenBadgeCredential"]
    with pytest.raises(ValueError, match="local copy"):
        expanded_types({"@context": ["https://unknown.example/context.json"], "type": ["X"]})


# -- SD-JWT presentations (App. B.3, RFC 9901) -----------------------------------------------------------


def _disclosure(*items: Any) -> str:
    return b64url_encode(json.dumps(list(items)).encode())


def _digest(disclosure: str) -> str:
    return b64url_encode(hashlib.sha256(disclosure.encode()).digest())


def _sd_jwt(holder: HolderKey) -> tuple[str, dict[str, str]]:
    issuer = HolderKey.generate("ES256")
    result = _disclosure("s1", "result", [{"value": "A"}])
    element = _disclosure("s2", "en")
    nested = _disclosure("s3", "identifier", "id-1")
    evidence = _disclosure("s4", "evidence", {"_sd": [_digest(nested)], "name": "e"})
    payload = {"vct": "https://issuer.example/vct/OB", "cnf": {"jwk": holder.public_jwk},
               "credentialSubject": {"_sd": [_digest(result), "decoy"], "langs": [{"...": _digest(element)}, "fr"]},
               "_sd": [_digest(evidence)], "_sd_alg": "sha-256"}
    token = compact_jwt({"alg": "ES256", "typ": "dc+sd-jwt"}, payload, key=issuer)
    parts = {"result": result, "element": element, "nested": nested, "evidence": evidence}
    return token + "~" + "".join(f"{d}~" for d in parts.values()), parts


def test_disclosure_paths_and_selection() -> None:
    holder = HolderKey.generate("ES256")
    sd_jwt, parts = _sd_jwt(holder)
    issuer_jwt, disclosures = split_sd_jwt(sd_jwt)
    paths = {p: d for p, d in disclosure_paths(issuer_jwt, disclosures)}
    assert paths == {("evidence",): parts["evidence"], ("evidence", "identifier"): parts["nested"],
                     ("credentialSubject", "result"): parts["result"],
                     ("credentialSubject", "langs", 0): parts["element"]}
    held = HeldCredential("dc+sd-jwt", sd_jwt, holder)
    query = {"id": "q", "format": "dc+sd-jwt", "claims": [{"path": ["evidence", "identifier"]},
                                                           {"path": ["credentialSubject", "langs", None]}]}
    assert requested_paths(query) == [("evidence", "identifier"), ("credentialSubject", "langs", None)]
    presented = build_presentation(held, audience="aud", nonce="n", credential_query=query)
    chosen = presented.split("~")[1:-1]
    assert set(chosen) == {parts["evidence"], parts["nested"], parts["element"]}
    # nothing asked for: no disclosures at all (§6.4)
    assert build_presentation(held, audience="aud", nonce="n").split("~")[1:-1] == []


def test_kb_jwt_binds_nonce_aud_and_sd_hash() -> None:
    holder = HolderKey.generate("ES256")
    sd_jwt, _ = _sd_jwt(holder)
    held = HeldCredential("dc+sd-jwt", sd_jwt, holder)
    presented = build_presentation(held, audience="decentralized_identifier:did:key:z1", nonce="n-1")
    prefix, kb = presented.rsplit("~", 1)
    header, claims = decode_jwt(kb)
    assert header == {"alg": "ES256", "typ": "kb+jwt"}
    assert claims["aud"] == "decentralized_identifier:did:key:z1" and claims["nonce"] == "n-1"
    assert claims["sd_hash"] == _digest(prefix + "~")
    assert verify_jws(kb, public_key_from_jwk(holder.public_jwk))
    tampered: dict[Tamper, Callable[[str], bool]] = {
        "sd_hash": lambda p: decode_jwt(p.rsplit("~", 1)[1])[1]["sd_hash"] != _digest(p.rsplit("~", 1)[0] + "~"),
        "kb_typ": lambda p: decode_jwt(p.rsplit("~", 1)[1])[0]["typ"] == "JWT",
        "no_kb": lambda p: p.endswith("~"),
        "holder_signature": lambda p: not verify_jws(p.rsplit("~", 1)[1], public_key_from_jwk(holder.public_jwk)),
        "credential_signature": lambda p: p.split("~")[0] != sd_jwt.split("~")[0],
        "unreferenced_disclosure": lambda p: len(p.split("~")) == 3,
    }
    for tamper, holds in tampered.items():
        assert holds(build_presentation(held, audience="a", nonce="n", tamper=tamper)), tamper
    with pytest.raises(ValueError, match="dc\\+sd-jwt"):
        build_presentation(HeldCredential("jwt_vc_json", "a.b.c", holder), audience="a", nonce="n", tamper="sd_hash")


def test_vp_jwt_shape() -> None:
    holder = HolderKey.generate("ES256")
    vc = compact_jwt({"alg": "ES256"}, {"vc": {"type": ["VerifiableCredential"]}}, key=HolderKey.generate("ES256"))
    held = HeldCredential("jwt_vc_json", vc, holder, holder.did_jwk)
    vp = build_presentation(held, audience="x509_hash:abc", nonce="n-2")
    header, claims = decode_jwt(vp)
    assert header["kid"] == holder.kid("did:jwk") and header["typ"] == "JWT"
    assert claims["iss"] == holder.did_jwk and claims["aud"] == "x509_hash:abc" and claims["nonce"] == "n-2"
    assert claims["vp"]["verifiableCredential"] == [vc]
    jws = parse_compact_jws(vp)
    CryptoJwsVerifier().verify(jws.signing_input, jws.signature, alg="ES256", jwk=holder.public_jwk)


# -- requests ---------------------------------------------------------------------------------------------


def test_request_link_parsing() -> None:
    link = parse_request_link("openid4vp://?client_id=x509_hash%3Aabc&request_uri=https%3A%2F%2Fv.example%2Fr"
                              "&request_uri_method=post")
    assert link.client_id == "x509_hash:abc" and link.request_uri == "https://v.example/r"
    assert link.request_uri_method == "post" and link.by_reference
    by_value = parse_request_link('openid4vp://?client_id=redirect_uri%3Ahttps%3A%2F%2Fv.example%2Fresp'
                                  '&dcql_query=%7B%22credentials%22%3A%5B%5D%7D&nonce=n')
    assert not by_value.by_reference
    assert decode_by_value(by_value.parameters)["dcql_query"] == {"credentials": []}
    with pytest.raises(ValueError, match="more than once"):
        parse_request_link("openid4vp://?client_id=a&client_id=b")
    with pytest.raises(ValueError):
        parse_request_link("openid4vp://")
    assert client_id_prefix("decentralized_identifier:did:web:v.example") == ("decentralized_identifier",
                                                                              "did:web:v.example")
    assert client_id_prefix("https://client.example") == (None, "https://client.example")


GOOD_DCQL: JsonObject = {"credentials": [
    {"id": "badge", "format": "ldp_vc", "meta": {"type_values": [["https://x#VerifiableCredential"]]},
     "claims": [{"id": "n", "path": ["credentialSubject", "achievement", "name"], "values": ["A"]},
                {"id": "r", "path": ["credentialSubject", "result", None]}],
     "claim_sets": [["n", "r"], ["n"]]},
    {"id": "pid", "format": "dc+sd-jwt", "meta": {"vct_values": ["urn:x"]}, "multiple": False,
     "trusted_authorities": [{"type": "aki", "values": ["s9tIpP"]}]},
], "credential_sets": [{"options": [["badge"], ["pid"]], "required": True}], "unknown": "ignored"}


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda q: q.pop("credentials"), "non-empty array"),
    (lambda q: q["credentials"][1].update(id="badge"), "not unique"),
    (lambda q: q["credentials"][0].update(id="bad id"), "A-Z"),
    (lambda q: q["credentials"][0].pop("meta"), "meta is REQUIRED"),
    (lambda q: q["credentials"][1]["meta"].pop("vct_values"), "vct_values"),
    (lambda q: q["credentials"][0]["meta"].update(type_values=["x"]), "type_values"),
    (lambda q: q["credentials"][0]["claims"][0].update(path=[]), "path"),
    (lambda q: q["credentials"][0]["claims"][0].update(path=["a", -1]), "non-negative"),
    (lambda q: q["credentials"][0]["claims"][1].pop("id"), "id is required"),
    (lambda q: q["credentials"][0]["claims"][1].update(path=["credentialSubject", "achievement", "name"]),
     "same claim"),
    (lambda q: q["credentials"][0].update(claim_sets=[["zz"]]), "claim_sets"),
    (lambda q: q["credentials"][1].update(claim_sets=[["n"]]), "without claims"),
    (lambda q: q["credentials"][0]["claims"][0].update(values=[]), "values"),
    (lambda q: q["credentials"][1].update(multiple="no"), "boolean"),
    (lambda q: q["credentials"][1].update(trusted_authorities=[{"type": "aki"}]), "trusted_authorities"),
    (lambda q: q["credential_sets"][0].update(options=[["nope"]]), "credential_sets"),
])
def test_dcql_problems(mutate: Any, message: str) -> None:
    assert dcql_problems(GOOD_DCQL) == []
    query = json.loads(json.dumps(GOOD_DCQL))
    mutate(query)
    problems = dcql_problems(query)
    assert problems and any(message in p for p in problems), problems


def test_query_for_format_and_credential_format_detection() -> None:
    assert query_for_format(GOOD_DCQL, ["jwt_vc_json", "dc+sd-jwt"])["id"] == "pid"  # type: ignore[index]
    assert query_for_format(GOOD_DCQL, ["mso_mdoc"]) is None
    assert credential_format_of("a.b.c~d~") == "dc+sd-jwt"
    assert credential_format_of("a.b.c") == "jwt_vc_json"
    assert credential_format_of({"@context": []}) == "ldp_vc"
    with pytest.raises(ValueError):
        credential_format_of("plain")


def test_suggested_query_asks_for_a_disclosable_claim() -> None:
    holder = HolderKey.generate("ES256")
    sd_jwt, _ = _sd_jwt(holder)
    query = suggested_query(HeldCredential("dc+sd-jwt", sd_jwt, holder))
    assert query == {"credentials": [{"id": "conformance", "format": "dc+sd-jwt",
                                      "meta": {"vct_values": ["https://issuer.example/vct/OB"]},
                                      "claims": [{"path": ["evidence"]}]}]}
    assert dcql_problems(query) == []


@pytest.mark.parametrize(("value", "low", "high"), [
    ("a" * 43, 0, 10),
    ("0123456789abcdef" * 2, 120, 130),  # 32 hex characters: 128 bits
    (b64url_encode(bytes(range(32))), 250, 260),  # 43 base64url characters: 258 bits
    ("12345678", 20, 30),
])
def test_entropy_estimate(value: str, low: float, high: float) -> None:
    assert low <= estimated_entropy_bits(value) <= high


# -- identities ---------------------------------------------------------------------------------------------


def test_did_web_urls() -> None:
    assert did_web_url("did:web:v.example") == "https://v.example/.well-known/did.json"
    assert did_web_url("did:web:v.example%3A8443:tenants:a") == "https://v.example:8443/tenants/a/did.json"
    assert did_web_url("did:web:127.0.0.1%3A8080", allow_http=True) == "http://127.0.0.1:8080/.well-known/did.json"


def _certificate(name: str, key: ec.EllipticCurvePrivateKey, issuer: tuple[str, ec.EllipticCurvePrivateKey] | None,
                 *, days: int = 1) -> x509.Certificate:
    now = datetime.now(UTC)
    signer_name, signer_key = issuer or (name, key)
    return (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, signer_name)]))
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=days))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
            .sign(signer_key, hashes.SHA256()))


def test_certificate_helpers() -> None:
    ca_key, leaf_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = _certificate("ca.example", ca_key, None)
    leaf = _certificate("verifier.example", leaf_key, ("ca.example", ca_key))
    assert is_self_signed(ca) and not is_self_signed(leaf)
    assert leaf_dns_sans(leaf) == ["verifier.example"]
    assert chain_problems([leaf, ca]) == []
    assert chain_problems([leaf, _certificate("ca.example", leaf_key, None)]) == ["x5c[0] is not signed by x5c[1]"]
    assert chain_problems([leaf], now=datetime.now(UTC) + timedelta(days=3)) == ["x5c[0] is outside its validity "
                                                                                 "period"]
    der = leaf.public_bytes(serialization.Encoding.DER)
    assert x509_hash_of(leaf) == b64url_encode(hashlib.sha256(der).digest())


# -- registry and report ------------------------------------------------------------------------------------


def test_verifier_check_ids_are_unique_and_named_after_a_spec() -> None:
    ids = [c.id for m in VERIFIER_MODULES for c in m]
    assert len(ids) == len(set(ids)) == 55
    assert all(i.split("-")[0] in {"VP", "RFC7519", "RFC9101", "RFC9901", "HAIP"} for i in ids)
    assert all(c.section and c.description for m in VERIFIER_MODULES for c in m)


def test_verifier_report_rendering() -> None:
    report = Report(target={"verifier": "https://v.example", "client_id": "x509_hash:abc",
                            "request_source": "admin", "credential_source": "issuer", "formats": ["dc+sd-jwt"]},
                    started_at="2026-01-01T00:00:00Z", role="verifier",
                    suite="oid4vc conformance suite (OpenID4VP 1.0 verifier)")
    report.results = [Result("VP-5.2-nonce", "vp-request", "OpenID4VP 1.0 §5.2", Level.MUST, "nonce", Status.FAIL,
                             "nonce is missing")]
    text = render_text(report)
    assert "verifier: https://v.example" in text and "FAIL  MUST    VP-5.2-nonce" in text
    markdown = render_markdown(report)
    assert markdown.startswith("# OpenID4VP 1.0 verifier conformance report")
    assert "- Client Identifier: `x509_hash:abc`" in markdown and "`python -m conformance verifier ...`" in markdown
    assert "<h1>OpenID4VP 1.0 verifier conformance report</h1>" in render_html(report)
    assert report.to_json()["role"] == "verifier"


def test_transaction_data_shape() -> None:
    from conformance.suite.checks.vp_request import _transaction_data_problems

    good = b64url_encode(json.dumps({"type": "payment", "credential_ids": ["q"]}).encode())
    assert _transaction_data_problems([good], {"q"}) == []
    assert _transaction_data_problems([], {"q"}) == ["transaction_data must be a non-empty array"]
    assert "credential_ids" in _transaction_data_problems([good], {"other"})[0]
    assert "base64url" in _transaction_data_problems(["%%%"], {"q"})[0]
