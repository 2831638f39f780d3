from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from oid4vc.errors import InvalidRequestError
from oid4vc.presentation.dcql import DcqlQuery, parse_dcql_query
from oid4vc.presentation.errors import InvalidDcqlQueryError

VECTORS = Path(__file__).parents[2] / "vectors" / "presentation"
SPEC_QUERIES = sorted(p.name for p in (VECTORS / "dcql").glob("*.json") if p.name != "w3c_type_values.json")


def spec_query(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((VECTORS / "dcql" / name).read_text())
    return data


@pytest.mark.parametrize("name", SPEC_QUERIES)
def test_every_spec_example_parses(name: str) -> None:
    data = spec_query(name)
    query = parse_dcql_query(data)
    assert [c.id for c in query.credentials] == [c["id"] for c in data["credentials"]]
    assert query.to_json() == data  # nothing added, nothing lost


def test_inline_spec_examples_parse() -> None:
    parse_dcql_query(json.loads((VECTORS / "dcql" / "w3c_type_values.json").read_text())["query"])
    parse_dcql_query(json.loads((VECTORS / "request_object_by_value.json").read_text())["dcql_query"])
    parse_dcql_query(
        json.loads((VECTORS / "response" / "encrypted_response.json").read_text())["request"]["dcql_query"]
    )


def test_spec_example_semantics() -> None:
    query = parse_dcql_query(spec_query("credentials_alternatives.json"))
    assert query.credential_sets is not None
    assert [s.required for s in query.credential_sets] == [True, False]
    pid = query.credential("pid")
    assert pid is not None
    assert pid.multiple is False and pid.require_cryptographic_holder_binding is True
    assert pid.vct_values == ("https://credentials.example.com/identity_credential",)
    assert pid.claims is not None and pid.claims[2].pointer == ("address", "street_address")
    assert query.requires_state is False
    claims = parse_dcql_query(spec_query("claims_alternatives.json")).credentials[0]
    assert claims.claim_sets == [["a", "c", "d", "e"], ["a", "b", "e"]]
    assert parse_dcql_query(spec_query("complex_mdoc.json")).credentials[0].doctype_value == "org.iso.18013.5.1.mDL"
    jwt = parse_dcql_query(spec_query("dcql_jwt_vc.json")).credentials[0]
    assert jwt.type_values == (("IDCredential",),)
    values = parse_dcql_query(spec_query("value_matching_simple.json")).credentials[0].claims
    assert values is not None and values[3].values == ["90210", "90211"]


def _simple() -> dict[str, Any]:
    return copy.deepcopy(spec_query("claims_alternatives.json"))


def _mutated(change: Any) -> dict[str, Any]:
    data = _simple()
    change(data)
    return data


def _cred(data: dict[str, Any]) -> dict[str, Any]:
    credential: dict[str, Any] = data["credentials"][0]
    return credential


INVALID: list[tuple[str, Any, str]] = [
    ("not an object", lambda d: d.clear(), "malformed"),
    ("empty credentials", lambda d: d.update(credentials=[]), "empty_array"),
    (
        "duplicate credential ids",
        lambda d: d["credentials"].append(copy.deepcopy(d["credentials"][0])),
        "duplicate_credential_id",
    ),
    ("bad id chars", lambda d: _cred(d).update(id="my credential"), "invalid_id"),
    ("empty id", lambda d: _cred(d).update(id=""), "invalid_id"),
    ("bad claim id chars", lambda d: _cred(d)["claims"][0].update(id="a.b"), "invalid_id"),
    ("duplicate claim ids", lambda d: _cred(d)["claims"][1].update(id="a"), "duplicate_claim_id"),
    ("claim_sets without claims", lambda d: _cred(d).pop("claims"), "claim_sets_without_claims"),
    ("unknown claim id in claim_sets", lambda d: _cred(d)["claim_sets"].append(["a", "zz"]), "unknown_claim_id"),
    ("claim without id next to claim_sets", lambda d: _cred(d)["claims"][0].pop("id"), "missing_claim_id"),
    ("empty claim_sets", lambda d: _cred(d).update(claim_sets=[]), "empty_array"),
    ("empty claim_sets option", lambda d: _cred(d)["claim_sets"].append([]), "empty_array"),
    (
        "empty claims",
        lambda d: _cred(d).update(claims=[], claim_sets=None) or _cred(d).pop("claim_sets"),
        "empty_array",
    ),
    ("same path twice", lambda d: _cred(d)["claims"][1].update(path=["last_name"]), "duplicate_claim_path"),
    ("empty path", lambda d: _cred(d)["claims"][0].update(path=[]), "invalid_claims_path"),
    ("negative index", lambda d: _cred(d)["claims"][0].update(path=["a", -1]), "invalid_claims_path"),
    ("float in path", lambda d: _cred(d)["claims"][0].update(path=["a", 1.0]), "malformed"),
    ("empty values", lambda d: _cred(d)["claims"][0].update(values=[]), "empty_array"),
    ("float values", lambda d: _cred(d)["claims"][0].update(values=[1.5]), "malformed"),
    ("object values", lambda d: _cred(d)["claims"][0].update(values=[{"a": 1}]), "malformed"),
    ("missing meta", lambda d: _cred(d).pop("meta"), "malformed"),
    ("missing vct_values", lambda d: _cred(d).update(meta={}), "invalid_meta"),
    ("empty vct_values", lambda d: _cred(d).update(meta={"vct_values": []}), "invalid_meta"),
    ("w3c without type_values", lambda d: _cred(d).update(format="ldp_vc", meta={}), "invalid_meta"),
    (
        "w3c flat type_values",
        lambda d: _cred(d).update(format="jwt_vc_json", meta={"type_values": ["X"]}),
        "invalid_meta",
    ),
    (
        "w3c empty alternative",
        lambda d: _cred(d).update(format="jwt_vc_json", meta={"type_values": [[]]}),
        "invalid_meta",
    ),
    ("mdoc without doctype", lambda d: _cred(d).update(format="mso_mdoc", meta={}), "invalid_meta"),
    (
        "mdoc path of three",
        lambda d: _cred(d).update(format="mso_mdoc", meta={"doctype_value": "x"}),
        "invalid_claims_path",
    ),
    ("multiple not a bool", lambda d: _cred(d).update(multiple="yes"), "malformed"),
    ("empty trusted_authorities", lambda d: _cred(d).update(trusted_authorities=[]), "empty_array"),
    (
        "empty trusted_authorities values",
        lambda d: _cred(d).update(trusted_authorities=[{"type": "aki", "values": []}]),
        "empty_array",
    ),
    ("empty credential_sets", lambda d: d.update(credential_sets=[]), "empty_array"),
    ("empty options", lambda d: d.update(credential_sets=[{"options": []}]), "empty_array"),
    ("empty option", lambda d: d.update(credential_sets=[{"options": [[]]}]), "empty_array"),
    (
        "unknown credential id in options",
        lambda d: d.update(credential_sets=[{"options": [["pid"], ["x"]]}]),
        "unknown_credential_id",
    ),
    ("required not a bool", lambda d: d.update(credential_sets=[{"options": [["pid"]], "required": 1}]), "malformed"),
]


@pytest.mark.parametrize(("name", "change", "reason"), INVALID, ids=[case[0] for case in INVALID])
def test_invalid_queries_are_rejected_with_a_reason(name: str, change: Any, reason: str) -> None:
    data = _mutated(change)
    if name == "mdoc path of three":
        _cred(data)["claims"] = [{"id": "a", "path": ["ns", "el", "x"]}]
        _cred(data).pop("claim_sets")
    with pytest.raises(InvalidDcqlQueryError) as info:
        parse_dcql_query(data)
    assert info.value.reason == reason, info.value.description
    assert isinstance(info.value, InvalidRequestError)
    assert info.value.error == "invalid_request" and info.value.status == 400
    assert info.value.description.startswith("dcql_query")


def test_non_object_is_malformed() -> None:
    with pytest.raises(InvalidDcqlQueryError) as info:
        parse_dcql_query([1, 2])
    assert info.value.reason == "malformed"


def test_descriptions_name_the_place_but_not_values() -> None:
    data = _mutated(lambda d: _cred(d)["claims"][1].update(id="a"))
    with pytest.raises(InvalidDcqlQueryError) as info:
        parse_dcql_query(data)
    assert info.value.description == "dcql_query: credentials.0: claim ids must be unique within claims"
    secret = _mutated(lambda d: _cred(d)["claims"][0].update(values=[{"secret": "s3cr3t"}]))
    with pytest.raises(InvalidDcqlQueryError) as info:
        parse_dcql_query(secret)
    assert "s3cr3t" not in info.value.description


def test_unsupported_format() -> None:
    with pytest.raises(InvalidDcqlQueryError) as info:
        parse_dcql_query(spec_query("simple_mdoc.json"), supported_formats={"dc+sd-jwt", "jwt_vc_json", "ldp_vc"})
    assert info.value.reason == "unsupported_format"
    parse_dcql_query(spec_query("simple.json"), supported_formats={"dc+sd-jwt"})


def test_unknown_properties_are_kept_and_ignored() -> None:
    data = spec_query("simple.json")
    data["future_extension"] = {"x": 1}
    data["credentials"][0]["purpose"] = "because"
    query = parse_dcql_query(data)
    assert query.to_json() == data


def test_requires_state_when_a_query_allows_no_holder_binding() -> None:
    data = spec_query("multi_credentials.json")
    assert not parse_dcql_query(data).requires_state
    data["credentials"][1]["require_cryptographic_holder_binding"] = False
    query = parse_dcql_query(data)
    assert query.requires_state
    assert query.formats == frozenset({"dc+sd-jwt", "mso_mdoc"})


def test_models_enforce_rules_without_parse_helper() -> None:
    with pytest.raises(ValueError):
        DcqlQuery.model_validate({"credentials": [{"id": "a", "format": "ldp_vc", "meta": {}}]})
