from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from oid4vc.presentation.dcql import DcqlQuery, parse_dcql_query
from oid4vc.presentation.dcql_match import PresentedCredential, evaluate_dcql
from oid4vc.presentation.errors import InvalidPresentationError
from oid4vc.presentation.w3c_types import expanded_types

VECTORS = Path(__file__).parents[2] / "vectors" / "presentation"
IDENTITY = "https://credentials.example.com/identity_credential"


def spec_query(name: str) -> DcqlQuery:
    return parse_dcql_query(json.loads((VECTORS / "dcql" / name).read_text()))


def sd_jwt(vct: str, claims: dict[str, Any], *, holder_bound: bool = True) -> PresentedCredential:
    return PresentedCredential(
        "dc+sd-jwt",
        {"vct": vct, "iss": "https://issuer.example"} | claims,
        vct=vct,
        issuer="https://issuer.example",
        holder_bound=holder_bound,
    )


def mdoc(doctype: str, namespaces: dict[str, dict[str, Any]]) -> PresentedCredential:
    return PresentedCredential("mso_mdoc", namespaces, doctype=doctype)


PERSON = {
    "last_name": "Doe",
    "first_name": "Jane",
    "address": {"street_address": "42 Market Street"},
    "given_name": "Jane",
    "family_name": "Doe",
    "postal_code": "90210",
    "locality": "Springfield",
    "region": "XX",
    "date_of_birth": "1990-01-01",
    "rewards_number": 7,
}


# --- spec examples: what the text says they ask for ---------------------------------------------------------


def test_simple() -> None:
    query = spec_query("simple.json")
    result = evaluate_dcql(query, {"my_credential": [sd_jwt(IDENTITY, PERSON)]})
    assert result.ok
    (match,) = result.for_query("my_credential")
    assert [c.path for c in match.claims] == [("last_name",), ("first_name",), ("address", "street_address")]
    assert match.claims[2].values == ("42 Market Street",)
    assert match.claim_set is None and match.issuer == "https://issuer.example"
    # An undisclosed requested claim: the presentation is discarded and the required query fails.
    partial = {k: v for k, v in PERSON.items() if k != "first_name"}
    result = evaluate_dcql(query, {"my_credential": [sd_jwt(IDENTITY, partial)]})
    assert not result.ok and result.rejection is not None
    assert result.rejection.reason == "credential_query_unsatisfied"
    assert result.discarded[0].reason == "claims_missing" and "first_name" in result.discarded[0].message
    # Wrong vct.
    result = evaluate_dcql(query, {"my_credential": [sd_jwt("https://other.example/vct", PERSON)]})
    assert result.discarded[0].reason == "meta_mismatch" and not result.ok
    # Nothing at all.
    assert evaluate_dcql(query, {}).rejection is not None


def test_value_matching() -> None:
    query = spec_query("value_matching_simple.json")
    assert evaluate_dcql(query, {"my_credential": [sd_jwt(IDENTITY, PERSON)]}).ok
    assert evaluate_dcql(query, {"my_credential": [sd_jwt(IDENTITY, PERSON | {"postal_code": "90211"})]}).ok
    for bad in ({"postal_code": "10001"}, {"last_name": "Dent"}, {"postal_code": 90210}):
        result = evaluate_dcql(query, {"my_credential": [sd_jwt(IDENTITY, PERSON | bad)]})
        assert not result.ok
        assert result.discarded[0].reason == "claims_missing" and "no matching value" in result.discarded[0].message


def test_values_match_type_exactly() -> None:
    query = parse_dcql_query(
        {
            "credentials": [
                {
                    "id": "c",
                    "format": "dc+sd-jwt",
                    "meta": {"vct_values": ["v"]},
                    "claims": [{"path": ["n"], "values": [1, True]}],
                }
            ]
        }
    )
    assert evaluate_dcql(query, {"c": [sd_jwt("v", {"n": 1})]}).ok
    assert evaluate_dcql(query, {"c": [sd_jwt("v", {"n": True})]}).ok
    assert not evaluate_dcql(query, {"c": [sd_jwt("v", {"n": 1.0})]}).ok
    assert not evaluate_dcql(query, {"c": [sd_jwt("v", {"n": "1"})]}).ok


def test_claims_alternatives_returns_the_first_satisfied_claim_set() -> None:
    query = spec_query("claims_alternatives.json")
    result = evaluate_dcql(query, {"pid": [sd_jwt(IDENTITY, PERSON)]})
    assert result.for_query("pid")[0].claim_set == ("a", "c", "d", "e")
    without_region = {k: v for k, v in PERSON.items() if k != "region"}
    match = evaluate_dcql(query, {"pid": [sd_jwt(IDENTITY, without_region)]}).for_query("pid")[0]
    assert match.claim_set == ("a", "b", "e")
    assert [c.id for c in match.claims] == ["a", "b", "e"]
    neither = {k: v for k, v in without_region.items() if k != "postal_code"}
    result = evaluate_dcql(query, {"pid": [sd_jwt(IDENTITY, neither)]})
    assert not result.ok and result.discarded[0].message == "no claim_sets option is satisfied"


def test_multi_credentials_all_required() -> None:
    query = spec_query("multi_credentials.json")
    vehicle = mdoc(
        "org.iso.7367.1.mVRC",
        {"org.iso.7367.1": {"vehicle_holder": "Jane"}, "org.iso.18013.5.1": {"first_name": "Jane"}},
    )
    assert evaluate_dcql(query, {"pid": [sd_jwt(IDENTITY, PERSON)], "mdl": [vehicle]}).ok
    result = evaluate_dcql(query, {"pid": [sd_jwt(IDENTITY, PERSON)]})
    assert result.rejection is not None and result.rejection.credential_query_id == "mdl"
    no_holder = mdoc("org.iso.7367.1.mVRC", {"org.iso.18013.5.1": {"first_name": "Jane"}})
    assert not evaluate_dcql(query, {"pid": [sd_jwt(IDENTITY, PERSON)], "mdl": [no_holder]}).ok
    wrong_doctype = mdoc(
        "org.iso.18013.5.1.mDL", {"org.iso.7367.1": {"vehicle_holder": "J"}, "org.iso.18013.5.1": {"first_name": "J"}}
    )
    result = evaluate_dcql(query, {"pid": [sd_jwt(IDENTITY, PERSON)], "mdl": [wrong_doctype]})
    assert result.discarded[0].reason == "meta_mismatch"


def test_credentials_alternatives() -> None:
    """App. D: pid, or other_pid, or both reduced credentials; nice_to_have optional."""
    query = spec_query("credentials_alternatives.json")
    pid = sd_jwt(IDENTITY, PERSON)
    other = sd_jwt("https://othercredentials.example/pid", PERSON)
    reduced_1 = sd_jwt("https://credentials.example.com/reduced_identity_credential", PERSON)
    reduced_2 = sd_jwt("https://cred.example/residence_credential", PERSON)
    rewards = sd_jwt("https://company.example/company_rewards", PERSON)
    assert evaluate_dcql(query, {"pid": [pid]}).ok
    assert evaluate_dcql(query, {"other_pid": [other], "nice_to_have": [rewards]}).ok
    assert evaluate_dcql(query, {"pid_reduced_cred_1": [reduced_1], "pid_reduced_cred_2": [reduced_2]}).ok
    result = evaluate_dcql(query, {"pid_reduced_cred_1": [reduced_1], "nice_to_have": [rewards]})
    assert result.rejection is not None and result.rejection.reason == "credential_set_unsatisfied"
    result = evaluate_dcql(query, {"nice_to_have": [rewards]})
    assert result.rejection is not None and result.rejection.message == "credential_sets[0] is not satisfied"
    # An optional set that fails its checks does not reject the response; the presentation is discarded.
    result = evaluate_dcql(query, {"pid": [pid], "nice_to_have": [sd_jwt("https://x.example", PERSON)]})
    assert result.ok and result.discarded[0].credential_query_id == "nice_to_have"
    assert result.for_query("nice_to_have") == ()


def test_complex_mdoc() -> None:
    query = spec_query("complex_mdoc.json")
    ns = "org.iso.18013.5.1"
    mdl_id = mdoc("org.iso.18013.5.1.mDL", {ns: {"given_name": "J", "family_name": "D", "portrait": "AA"}})
    photo_id = mdoc("org.iso.23220.photoid.1", {ns: {"given_name": "J", "family_name": "D", "portrait": "AA"}})
    photo_address = mdoc("org.iso.23220.photoid.1", {ns: {"resident_address": "1 St", "resident_country": "US"}})
    assert evaluate_dcql(query, {"mdl-id": [mdl_id]}).ok
    assert evaluate_dcql(query, {"photo_card-id": [photo_id], "photo_card-address": [photo_address]}).ok
    assert not evaluate_dcql(query, {"photo_card-address": [photo_address]}).ok


@pytest.mark.parametrize("name", ["dcql_jwt_vc.json", "dcql_ldp_vc.json"])
def test_w3c_examples(name: str) -> None:
    """App. B.1.3: the example credential satisfies the example query; paths start at the VC, not the VP."""
    query = spec_query(name)
    vc = json.loads((VECTORS / "response" / "jwt_vc_credential_payload.json").read_text())["vc"]
    fmt = query.credentials[0].format
    presented = PresentedCredential(fmt, vc, types=expanded_types(vc))
    assert evaluate_dcql(query, {query.credentials[0].id: [presented]}).ok
    wrong_type = PresentedCredential(fmt, vc, types=("https://www.w3.org/2018/credentials#VerifiableCredential",))
    assert not evaluate_dcql(query, {query.credentials[0].id: [wrong_type]}).ok
    wrong_format = PresentedCredential("dc+sd-jwt", vc, vct="IDCredential")
    result = evaluate_dcql(query, {query.credentials[0].id: [wrong_format]})
    assert result.discarded[0].reason == "format_mismatch"


# --- VP Token shape and multiple --------------------------------------------------------------------------


def test_multiple_false_refuses_two_presentations() -> None:
    query = spec_query("simple.json")
    result = evaluate_dcql(query, {"my_credential": [sd_jwt(IDENTITY, PERSON), sd_jwt(IDENTITY, PERSON)]})
    assert result.rejection is not None and result.rejection.reason == "multiple_not_allowed"
    with pytest.raises(InvalidPresentationError) as info:
        result.raise_for_rejection()
    assert info.value.reason == "multiple_not_allowed" and info.value.status == 400


def test_multiple_true_accepts_several_and_discards_bad_ones() -> None:
    data = json.loads((VECTORS / "dcql" / "simple.json").read_text())
    data["credentials"][0]["multiple"] = True
    query = parse_dcql_query(data)
    good, bad = sd_jwt(IDENTITY, PERSON), sd_jwt(IDENTITY, {})
    result = evaluate_dcql(query, {"my_credential": [good, bad, good]})
    assert result.ok
    assert [m.index for m in result.for_query("my_credential")] == [0, 2]
    assert [d.index for d in result.discarded] == [1]


def test_unknown_key_and_empty_array() -> None:
    query = spec_query("simple.json")
    result = evaluate_dcql(query, {"my_credential": [sd_jwt(IDENTITY, PERSON)], "extra": [sd_jwt(IDENTITY, PERSON)]})
    assert result.rejection is not None and result.rejection.reason == "unknown_credential_query"
    result = evaluate_dcql(query, {"my_credential": []})
    assert result.rejection is not None and result.rejection.reason == "empty_presentations"
    evaluate_dcql(query, {"my_credential": [sd_jwt(IDENTITY, PERSON)]}).raise_for_rejection()


# --- holder binding, trusted authorities, queries outside credential_sets ---------------------------------


def test_holder_binding_required_by_default() -> None:
    data = json.loads((VECTORS / "dcql" / "simple.json").read_text())
    unbound = sd_jwt(IDENTITY, PERSON, holder_bound=False)
    result = evaluate_dcql(parse_dcql_query(data), {"my_credential": [unbound]})
    assert result.discarded[0].reason == "holder_binding_missing" and not result.ok
    data["credentials"][0]["require_cryptographic_holder_binding"] = False
    assert evaluate_dcql(parse_dcql_query(data), {"my_credential": [unbound]}).ok


def test_trusted_authorities_aki() -> None:
    data = json.loads((VECTORS / "dcql" / "simple.json").read_text())
    data["credentials"][0]["trusted_authorities"] = [{"type": "aki", "values": ["s9tIpPmhxdiuNkHMEWNpYim8S8Y"]}]
    query = parse_dcql_query(data)
    trusted = PresentedCredential(
        "dc+sd-jwt", PERSON, vct=IDENTITY, authority_key_ids=frozenset({"s9tIpPmhxdiuNkHMEWNpYim8S8Y"})
    )
    untrusted = PresentedCredential("dc+sd-jwt", PERSON, vct=IDENTITY, authority_key_ids=frozenset({"other"}))
    assert evaluate_dcql(query, {"my_credential": [trusted]}).ok
    result = evaluate_dcql(query, {"my_credential": [untrusted]})
    assert result.discarded[0].reason == "untrusted_authority"
    # Types the verifier cannot evaluate here are left to its own trust policy.
    data["credentials"][0]["trusted_authorities"].append({"type": "etsi_tl", "values": ["https://lotl.example.com"]})
    assert evaluate_dcql(parse_dcql_query(data), {"my_credential": [untrusted]}).ok


def test_queries_outside_credential_sets_are_required() -> None:
    data = json.loads((VECTORS / "dcql" / "credentials_alternatives.json").read_text())
    data["credential_sets"][0]["options"] = [["pid"], ["other_pid"]]  # the reduced credentials are now unreferenced
    query = parse_dcql_query(data)
    pid = sd_jwt(IDENTITY, PERSON)
    result = evaluate_dcql(query, {"pid": [pid]})
    assert result.rejection is not None and result.rejection.credential_query_id == "pid_reduced_cred_1"
    reduced = {
        "pid_reduced_cred_1": [sd_jwt("https://credentials.example.com/reduced_identity_credential", PERSON)],
        "pid_reduced_cred_2": [sd_jwt("https://cred.example/residence_credential", PERSON)],
    }
    assert evaluate_dcql(query, {"pid": [pid]} | reduced).ok


def test_no_claims_requested_needs_no_claims() -> None:
    query = parse_dcql_query({"credentials": [{"id": "c", "format": "dc+sd-jwt", "meta": {"vct_values": ["v"]}}]})
    (match,) = evaluate_dcql(query, {"c": [sd_jwt("v", {})]}).matches
    assert match.claims == ()
