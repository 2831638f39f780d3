"""oid4vc.ler.schema: 1EdTech JSON Schema validation against spec examples and validator fixtures."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from importlib import resources
from typing import Any

import pytest

from oid4vc.ler import schema
from oid4vc.ler.errors import FieldError, LerValidationError
from oid4vc.ler.schema import CLR_SCHEMA, ENDORSEMENT_SCHEMA, OB_SCHEMA, schema_for, validate_credential

from ._data import load_vector

SPEC_EXAMPLES = [
    "ob3/spec/achievementAlignmentCase.json",
    "ob3/spec/achievementAlignmentCe.json",
    "ob3/spec/basicOpenBadgeCredential.json",
    "ob3/spec/endorsement.json",
    "ob3/spec/fullOpenBadge.json",
    "ob3/spec/skillAssertionCase.json",
    "ob3/spec/skillAssertionCtdl.json",
]
# 1EdTech validator fixtures its tests expect VALID, or WARNING for VCDM 1.1 / eddsa-2022.
VALID_VALIDATOR_FIXTURES = [
    "ob3/validator/simple.json",
    "ob3/validator/simple-did-key-method.json",
    "ob3/validator/complete.json",
    "ob3/validator/endorsement-valid.json",
    "ob3/validator/derivedcredential-ecdsa-sd-2023.json",
    "ob3/validator/simple_v1.json",
    "ob3/validator/simple-eddsa-2022.json",
    "clr2/validator/simple.json",
]


def _errors(credential: dict[str, Any]) -> tuple[FieldError, ...]:
    with pytest.raises(LerValidationError) as info:
        validate_credential(credential)
    return info.value.errors


def _paths(credential: dict[str, Any]) -> set[tuple[str | int, ...]]:
    return {e.path for e in _errors(credential)}


@pytest.mark.parametrize("name", SPEC_EXAMPLES + VALID_VALIDATOR_FIXTURES)
def test_examples_validate(name: str) -> None:
    validate_credential(load_vector(name))


@pytest.mark.parametrize(
    "name", ["ob3/validator/simple.json", "ob3/validator/complete.json", "clr2/validator/simple.json"]
)
def test_proof_is_neither_needed_nor_in_the_way(name: str) -> None:
    signed = load_vector(name)
    assert "proof" in signed
    validate_credential({k: v for k, v in signed.items() if k != "proof"})
    signed["proof"] = signed["proof"][0]  # a single object is fine for the 2026 schema too
    validate_credential(signed)


def test_err_type_names_type() -> None:
    errors = _errors(load_vector("ob3/validator/simple-err-type.json"))
    assert FieldError(("type",), "must contain AchievementCredential or OpenBadgeCredential") in errors
    assert FieldError(("credentialSubject", "achievement"), "is required") in errors


def test_err_issuer_names_issuer() -> None:
    with pytest.raises(LerValidationError) as info:
        validate_credential(load_vector("ob3/validator/simple-err-issuer.json"))
    assert FieldError(("issuer",), "is required") in info.value.errors
    assert "issuer: is required" in str(info.value)


def test_err_context_names_the_item() -> None:
    assert ("@context", 0) in _paths(load_vector("ob3/validator/simple-err-context.json"))


def test_clr_nested_credentials_are_checked_against_the_ob_schema() -> None:
    # The validator's "complex" CLR (its test is disabled upstream) nests an endorsement without the
    # required name; the CLR schema alone would not see it.
    errors = _errors(load_vector("clr2/validator/complex.json"))
    assert [str(e) for e in errors] == [
        "credentialSubject.verifiableCredential[0].credentialSubject.achievement.endorsement[0].name: is required"
    ]


def test_schema_choice_by_type() -> None:
    assert schema_for(load_vector("clr2/validator/simple.json")) == CLR_SCHEMA
    assert schema_for(load_vector("ob3/spec/endorsement.json")) == ENDORSEMENT_SCHEMA
    assert schema_for({"type": "OpenBadgeCredential"}) == OB_SCHEMA
    assert schema_for({}) == OB_SCHEMA


def _achievement(c: dict[str, Any]) -> dict[str, Any]:
    achievement: dict[str, Any] = c["credentialSubject"]["achievement"]
    return achievement


MUTATIONS: list[tuple[Callable[[dict[str, Any]], None], str]] = [
    (
        lambda c: _achievement(c).update(inLanguage="english"),
        "credentialSubject.achievement.inLanguage: is not an allowed value",
    ),
    (
        lambda c: _achievement(c).update(achievementType="Trophy"),
        "credentialSubject.achievement.achievementType: is not an allowed value",
    ),
    (lambda c: _achievement(c).update(name=5), "credentialSubject.achievement.name: has the wrong JSON type"),
    (
        lambda c: _achievement(c).update(image={"id": "https://x.example/i.png", "type": "Image", "alt": "x"}),
        "credentialSubject.achievement.image: has unexpected properties: 'alt'",
    ),
    (
        lambda c: _achievement(c).update(alignment=[{"type": ["Alignment"], "targetName": "x"}]),
        "credentialSubject.achievement.alignment[0].targetUrl: is required",
    ),
    (
        lambda c: c["credentialSubject"].update(result=[{"type": ["Result"], "status": "Done"}]),
        "credentialSubject.result[0].status: must be one of Completed, Enrolled, Failed, InProgress, OnHold, "
        "Provisional, Withdrew",
    ),
    (lambda c: c.update(validFrom="2010-01-01T00:00:00"), "validFrom: is not a valid date-time"),
    (lambda c: c.update(validFrom="2010-02-30T00:00:00Z"), "validFrom: is not a valid date-time"),
    (
        lambda c: c["credentialSubject"].update(type="Learner"),
        "credentialSubject.type: must contain AchievementSubject",
    ),
    (lambda c: _achievement(c).update(type="Badge"), "credentialSubject.achievement.type: must contain Achievement"),
    (lambda c: c.update(type="OpenBadgeCredential"), "type: must contain VerifiableCredential"),
    (lambda c: c.update(evidence=[{"type": "Evidence"}, {"type": "Proof"}]), "evidence[1].type: must contain Evidence"),
    (lambda c: c["issuer"].update(type="Organization"), "issuer.type: must contain Profile"),
    (lambda c: c["issuer"].update(image=5), "issuer.image: must be of type object"),
]


@pytest.mark.parametrize(("mutate", "message"), MUTATIONS)
def test_errors_name_the_field(mutate: Callable[[dict[str, Any]], None], message: str) -> None:
    credential = load_vector("ob3/validator/simple.json")
    mutate(credential)
    with pytest.raises(LerValidationError) as info:
        validate_credential(credential)
    assert str(info.value) == message
    assert '"' not in str(info.value) and "\\" not in str(info.value)  # usable as error_description


def test_vcdm_1_1_is_read_through_a_2_0_view_without_touching_the_input() -> None:
    credential = load_vector("ob3/validator/simple_v1.json")
    before = copy.deepcopy(credential)
    validate_credential(credential)
    assert credential == before
    del credential["issuanceDate"]
    assert ("validFrom",) in _paths(credential)


def test_not_an_object() -> None:
    with pytest.raises(LerValidationError, match="must be a JSON object"):
        validate_credential([])  # type: ignore[arg-type]


def test_many_errors_are_summarised() -> None:
    credential = load_vector("ob3/validator/simple.json")
    for key in ("id", "issuer", "validFrom", "credentialSubject", "type", "@context"):
        del credential[key]
    with pytest.raises(LerValidationError) as info:
        validate_credential(credential)
    assert len(info.value.errors) > 5
    assert str(info.value).endswith(f"and {len(info.value.errors) - 5} more")


def test_bundled_schemas_are_offline() -> None:
    folder = resources.files("oid4vc.ler") / "schemas"
    for name in (OB_SCHEMA, ENDORSEMENT_SCHEMA, CLR_SCHEMA):
        text = (folder / name).read_text(encoding="utf-8")
        refs = [line.split(":", 1)[1].strip().strip('",') for line in text.splitlines() if '"$ref"' in line]
        assert refs and all(ref.startswith("#") for ref in refs)
        assert json.loads(text)["$schema"].startswith("https://json-schema.org/draft/2019-09/")
    with pytest.raises(Exception, match=r"example\.org"):
        schema._registry().get_or_retrieve("https://example.org/remote.json")


def test_validators_are_built_once() -> None:
    assert schema._validator(OB_SCHEMA) is schema._validator(OB_SCHEMA)
