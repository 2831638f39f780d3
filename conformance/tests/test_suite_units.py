"""The suite's own pieces, without a server: wallet keys and proofs, offer links, credential reading, offer pool,
check registry and report rendering."""

from __future__ import annotations

import json
from typing import Any

import pytest

from conformance.suite.checks import ISSUER_MODULES
from conformance.suite.checks.offer import offer_problems
from conformance.suite.credentials import (
    CredentialFormatError,
    binding_thumbprints,
    bound_to,
    inspect_credential,
)
from conformance.suite.model import CheckModule, Level, Report, Result, Status, passed
from conformance.suite.offers import AdminApiOffers, ObtainedOffer, OfferPool, OfferWanted, parse_offer_link
from conformance.suite.report import render_html, render_json, render_markdown, render_text, result_line
from conformance.suite.wallet import (
    PROOF_TYP,
    HolderKey,
    b64url_encode,
    compact_jwt,
    decode_jwt,
    jwk_from_did,
    jwk_thumbprint,
    proof_jwt,
)
from oid4vc.crypto.keys import CryptoJwsVerifier
from oid4vc.dids.jwk import jwk_from_did_jwk
from oid4vc.dids.key import jwk_from_did_key
from oid4vc.jose import parse_compact_jws

# -- wallet ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("alg", ["ES256", "EdDSA"])
def test_proof_verifies_with_an_independent_verifier(alg: str) -> None:
    key = HolderKey.generate(alg)
    token = proof_jwt(key, audience="https://issuer.example", nonce="n-1", iat=1_700_000_000)
    jws = parse_compact_jws(token)
    assert jws.header == {"alg": alg, "typ": PROOF_TYP, "jwk": key.public_jwk}
    assert jws.payload == {"aud": "https://issuer.example", "iat": 1_700_000_000, "nonce": "n-1"}
    CryptoJwsVerifier().verify(jws.signing_input, jws.signature, alg=alg, jwk=key.public_jwk)


@pytest.mark.parametrize("alg", ["ES256", "EdDSA"])
def test_dids_agree_with_oid4vc_resolvers(alg: str) -> None:
    key = HolderKey.generate(alg)
    assert jwk_thumbprint(jwk_from_did_key(key.kid("did:key"))) == key.thumbprint
    assert jwk_thumbprint(jwk_from_did_jwk(key.kid("did:jwk"))) == key.thumbprint
    assert jwk_thumbprint(jwk_from_did(key.kid("did:key"))) == key.thumbprint
    assert jwk_from_did(key.did_jwk) == key.public_jwk


@pytest.mark.parametrize("did", [
    "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",  # did:key spec test vectors (Ed25519, P-256)
    "did:key:zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169",
])
def test_did_key_vectors(did: str) -> None:
    assert jwk_from_did(f"{did}#{did[8:]}") == jwk_from_did_key(did)


def test_did_key_prefixes_and_unresolvable_dids() -> None:
    assert HolderKey.generate("ES256").did_key.startswith("did:key:zDn")
    assert HolderKey.generate("EdDSA").did_key.startswith("did:key:z6Mk")
    with pytest.raises(ValueError, match="offline"):
        jwk_from_did("did:web:example.com")


def test_proof_mutations() -> None:
    key, other = HolderKey.generate(), HolderKey.generate()
    header, claims = decode_jwt(proof_jwt(key, audience="a", nonce=None, drop=("iat",), key_form="did:jwk"))
    assert header["kid"] == key.did_jwk + "#0" and "jwk" not in header
    assert claims == {"aud": "a"}
    unsigned = proof_jwt(key, audience="a", nonce="n", header={"alg": "none"}, signer=None)
    assert unsigned.endswith(".")
    forged = parse_compact_jws(proof_jwt(key, audience="a", nonce="n", signer=other))
    with pytest.raises(Exception, match="signature"):
        CryptoJwsVerifier().verify(forged.signing_input, forged.signature, alg="ES256", jwk=key.public_jwk)
    mac = decode_jwt(proof_jwt(key, audience="a", nonce="n", header={"alg": "HS256"}, hmac_secret=b"k"))[0]
    assert mac["alg"] == "HS256"
    assert "d" in key.private_jwk and "d" not in key.public_jwk


# -- offer links -------------------------------------------------------------------------------------------


def test_parse_offer_link() -> None:
    offer = {"credential_issuer": "https://i.example", "credential_configuration_ids": ["x"]}
    by_value = "openid-credential-offer://?credential_offer=" + json.dumps(offer).replace(" ", "%20")
    assert parse_offer_link(by_value).credential_offer == offer
    by_ref = "openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fi.example%2Fo%2F1"
    assert parse_offer_link(by_ref).credential_offer_uri == "https://i.example/o/1"
    assert parse_offer_link("https://i.example/o/2").credential_offer_uri == "https://i.example/o/2"
    with pytest.raises(ValueError, match="both"):
        parse_offer_link(by_ref + "&credential_offer=%7B%7D")
    with pytest.raises(ValueError, match="neither"):
        parse_offer_link("openid-credential-offer://?foo=1")


def test_offer_problems() -> None:
    grant = {"pre-authorized_code": "c", "tx_code": {"input_mode": "digits", "description": "x" * 301}}
    offer = {"credential_issuer": "https://other.example", "credential_configuration_ids": ["a", "a", "zzz"],
             "grants": {"urn:ietf:params:oauth:grant-type:pre-authorized_code": grant}}
    problems = " | ".join(offer_problems(offer, issuer_id="https://i.example", known_configs={"a"}))
    for fragment in ("credential_issuer", "repeats", "zzz", "input_mode", "300"):
        assert fragment in problems
    good = {"credential_issuer": "https://i.example", "credential_configuration_ids": ["a"],
            "grants": {"urn:ietf:params:oauth:grant-type:pre-authorized_code": {"pre-authorized_code": "c",
                                                                              "tx_code": {}}}}
    assert offer_problems(good, issuer_id="https://i.example", known_configs={"a"}) == []


async def test_offer_pool_hands_each_offer_once_per_kind_of_request() -> None:
    a, b = ObtainedOffer("https://i.example/o/a"), ObtainedOffer("https://i.example/o/b", "1234")
    pool = OfferPool([a, b])
    want = OfferWanted("cfg", tx_code=True)
    assert await pool.obtain(want) is a
    pool.release(a)  # did not fit
    assert await pool.obtain(want) is b
    with pytest.raises(Exception, match="with a tx_code"):
        await pool.obtain(want)
    assert await pool.obtain(OfferWanted("cfg")) is a


def test_admin_subject_by_credential_type() -> None:
    admin = AdminApiOffers(http=None, admin_url="https://i.example/admin", token="t")  # type: ignore[arg-type]
    assert "achievement" in admin.subject_for(("VerifiableCredential", "OpenBadgeCredential"))
    assert "credential_subjects" in admin.subject_for(("VerifiableCredential", "ClrCredential"))
    assert "credential_subjects" in admin.subject_for(("https://i.example/vct/ClrCredential",))


def test_credential_identifiers_from_token_response() -> None:
    from conformance.suite.flow import credential_identifiers

    response = {"access_token": "t", "authorization_details": [
        {"type": "openid_credential", "credential_configuration_id": "cfg", "credential_identifiers": ["id-1", 2]},
        {"type": "other", "credential_configuration_id": "x", "credential_identifiers": ["nope"]},
    ]}
    assert credential_identifiers(response) == {"cfg": ["id-1"]}
    assert credential_identifiers({"access_token": "t"}) == {}


# -- credentials -------------------------------------------------------------------------------------------


def _vc(holder: str) -> dict[str, Any]:
    return {"@context": ["https://www.w3.org/ns/credentials/v2"], "id": "urn:uuid:1",
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "credentialSubject": {"id": holder, "achievement": {"name": "A"}}}


def _sd_jwt(claims: dict[str, Any], disclosures: list[list[Any]], typ: str = "dc+sd-jwt") -> str:
    issuer_jwt = compact_jwt({"alg": "ES256", "typ": typ}, claims, key=HolderKey.generate())
    return "~".join([issuer_jwt, *[b64url_encode(json.dumps(d).encode()) for d in disclosures]]) + "~"


def test_jwt_vc_both_shapes_bind_to_the_holder() -> None:
    key = HolderKey.generate()
    vcdm2 = compact_jwt({"alg": "ES256"}, _vc(key.did_jwk) | {"sub": key.did_jwk, "jti": "urn:uuid:1"}, key=key)
    vcdm11 = compact_jwt({"alg": "ES256"}, {"sub": key.did_key, "vc": _vc(key.did_key)}, key=key)
    for token in (vcdm2, vcdm11):
        inspected = inspect_credential("jwt_vc_json", token)
        assert inspected.types == ("VerifiableCredential", "OpenBadgeCredential")
        assert inspected.credential_id == "urn:uuid:1"
        assert bound_to(inspected, key)
    other = HolderKey.generate()
    mixed = compact_jwt({"alg": "ES256"}, _vc(key.did_jwk) | {"sub": other.did_jwk}, key=key)
    found, _ = binding_thumbprints(inspect_credential("jwt_vc_json", mixed))
    assert found == {key.thumbprint, other.thumbprint}
    with pytest.raises(CredentialFormatError):
        inspect_credential("jwt_vc_json", {"not": "a jwt"})


def test_ldp_vc_and_unresolvable_holders() -> None:
    key = HolderKey.generate("EdDSA")
    inspected = inspect_credential("ldp_vc", _vc(key.did_key) | {"proof": {"type": "DataIntegrityProof"}})
    assert bound_to(inspected, key)
    web = inspect_credential("ldp_vc", _vc("did:web:holder.example") | {"proof": {}})
    assert binding_thumbprints(web) == (set(), ["did:web:holder.example"])
    with pytest.raises(CredentialFormatError, match="proof"):
        inspect_credential("ldp_vc", _vc(key.did_key))


def test_sd_jwt_vc_cnf_dataset_and_typ() -> None:
    key = HolderKey.generate()
    claims = {"vct": "https://i.example/vct/B", "cnf": {"jwk": key.public_jwk}, "iat": 1, "_sd": ["x"]}
    one = inspect_credential("dc+sd-jwt", _sd_jwt(claims, [["salt1", "name", "Ada"]]))
    two = inspect_credential("dc+sd-jwt", _sd_jwt(claims | {"iat": 2}, [["salt2", "name", "Ada"]]))
    assert one.vct == "https://i.example/vct/B" and bound_to(one, key) and not one.notes
    assert one.dataset == two.dataset  # salts and iat are per instance
    assert inspect_credential("dc+sd-jwt", _sd_jwt(claims, [], typ="vc+sd-jwt")).notes
    with pytest.raises(CredentialFormatError):
        inspect_credential("dc+sd-jwt", "no-tilde")
    with pytest.raises(ValueError, match="mso_mdoc"):
        inspect_credential("mso_mdoc", "x")


# -- registry and reports ----------------------------------------------------------------------------------


def test_check_ids_are_unique_and_name_a_section() -> None:
    checks = [c for m in ISSUER_MODULES for c in m]
    assert len({c.id for c in checks}) == len(checks) >= 70
    for check in checks:
        assert check.section and check.description and check.level in (Level.MUST, Level.SHOULD)
        assert check.id.split("-")[0] in ("VCI", "RFC6749", "RFC6750", "RFC8414", "RFC9110", "HTTP"), check.id
    module = CheckModule("x")

    @module.check("A-1", section="s", level=Level.MUST, description="d")
    async def first(ctx: Any) -> Any:
        return passed()

    with pytest.raises(ValueError, match="duplicate"):
        module.check("A-1", section="s", level=Level.MUST, description="d")(first)


def _report() -> Report:
    report = Report(target={"credential_issuer": "https://i.example", "offer_source": "test",
                            "configurations": ["c"], "allow_http": False}, started_at="2026-01-01T00:00:00Z")
    report.results = [
        Result("VCI-1-a", "m", "§1", Level.MUST, "first | piped", Status.PASS, "ok"),
        Result("VCI-1-b", "m", "§1", Level.MUST, "second", Status.FAIL, "<script>x</script>", ("GET / -> 200 -",)),
        Result("VCI-1-c", "n", "§2", Level.SHOULD, "third", Status.FAIL, "meh"),
        Result("VCI-1-d", "n", "§2", Level.SHOULD, "fourth", Status.SKIP, "because"),
    ]
    return report


def test_exit_codes_and_renderings() -> None:
    report = _report()
    assert report.exit_code() == 1 and len(report.must_failures) == 1
    report.results[1] = Result("VCI-1-b", "m", "§1", Level.MUST, "second", Status.WARN, "w")
    assert report.exit_code() == 0 and report.exit_code(strict=True) == 1
    report = _report()
    text = render_text(report)
    assert "FAIL  MUST    VCI-1-b  - <script>" in text and "4 checks: 1 pass, 2 fail (1 MUST)" in text
    assert json.loads(render_json(report))["summary"] == {"pass": 1, "fail": 2, "warn": 0, "skip": 1,
                                                          "must_failed": 1}
    markdown = render_markdown(report)
    assert "| `VCI-1-a` | MUST | §1 | first \\| piped | pass | ok |" in markdown and "## n" in markdown
    page = render_html(report)
    assert "<script>x" not in page and "&lt;script&gt;" in page and "GET / -&gt; 200" in page
    line = result_line(report.results[1], width=20)
    assert len(line) == 20 and line.endswith("...")
    assert result_line(report.results[0], color=True).startswith("\x1b[32mPASS")
