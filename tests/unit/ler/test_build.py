"""oid4vc.ler.build: unsigned OpenBadgeCredential / ClrCredential documents."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from jsonschema import Draft201909Validator

from oid4vc.ler.build import (
    CLR_CONTEXT,
    CLR_SCHEMA_ID,
    DEFAULT_CLR_NAME,
    OB_CONTEXT,
    OB_EXTENSIONS_CONTEXT,
    OB_SCHEMA_ID,
    STATUS_V1_CONTEXT,
    VC_V1_CONTEXT,
    VC_V2_CONTEXT,
    build_achievement_credential,
    build_clr_credential,
    datetime_z,
)
from oid4vc.ler.errors import LerValidationError
from oid4vc.ler.inputs import AchievementSubjectInput, parse_achievement_subject, parse_clr_subject
from oid4vc.ler.models import parse_profile
from oid4vc.ler.schema import validate_credential

from ._data import CREDENTIAL_ID, HOLDER, NOW, VECTORS


def _badge(subject: dict[str, Any] | AchievementSubjectInput, issuer: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    options: dict[str, Any] = {"credential_id": CREDENTIAL_ID, "issuer": issuer, "holder_id": HOLDER, "valid_from": NOW}
    return build_achievement_credential(subject, **(options | kwargs))


def test_minimal_badge(minimal_subject: dict[str, Any], issuer: dict[str, Any]) -> None:
    credential = _badge(minimal_subject, issuer)
    assert credential == {
        "@context": [VC_V2_CONTEXT, OB_CONTEXT],
        "id": CREDENTIAL_ID,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {
            "id": "did:web:issuer.example.edu",
            "type": ["Profile"],
            "name": "Example University",
            "url": "https://issuer.example.edu",
            "image": {"id": "https://issuer.example.edu/logo.png", "type": "Image"},
        },
        "validFrom": "2026-03-01T12:00:00Z",
        "name": "Teamwork",
        "credentialSubject": {
            "id": HOLDER,
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://issuer.example.edu/achievements/teamwork",
                "type": ["Achievement"],
                "name": "Teamwork",
                "description": "Collaborates within a group.",
                "criteria": {"narrative": "Nominated by peers."},
            },
        },
        "awardedDate": "2026-03-01T12:00:00Z",
    }
    assert list(credential)[:3] == ["@context", "id", "type"]
    validate_credential(credential)


def test_full_badge(full_subject: dict[str, Any], issuer: dict[str, Any]) -> None:
    credential = _badge(full_subject, issuer, awarded_date=NOW - timedelta(days=30))
    assert credential["name"] == "CS101 completion"
    assert credential["description"] == "Awarded for completing CS101."
    assert credential["image"] == {
        "id": "https://issuer.example.edu/cs101.png",
        "type": "Image",
        "caption": "CS101 badge",
    }
    assert credential["validUntil"] == "2031-01-01T00:00:00Z"
    assert credential["awardedDate"] == "2026-01-30T12:00:00Z"
    assert credential["evidence"] == [
        {"id": "https://issuer.example.edu/evidence/1", "type": ["Evidence"], "name": "Final project", "genre": "Code"}
    ]
    subject = credential["credentialSubject"]
    assert subject["id"] == HOLDER and subject["type"] == ["AchievementSubject"]
    assert subject["result"][1]["status"] == "Completed"
    assert not {"name", "description", "evidence", "valid_until"} & subject.keys()
    validate_credential(credential)


def test_output_also_passes_the_strict_2024_schema(full_subject: dict[str, Any], issuer: dict[str, Any]) -> None:
    strict = json.loads((VECTORS / "strict-2024" / "ob_v3p0_achievementcredential_schema.json").read_text())
    validator = Draft201909Validator(strict)
    for subject in (full_subject, {"achievement": full_subject["achievement"]}):
        errors = [(list(e.absolute_path), e.message[:80]) for e in validator.iter_errors(_badge(subject, issuer))]
        assert errors == []


def test_parsed_input_and_profile_are_accepted(full_subject: dict[str, Any], issuer: dict[str, Any]) -> None:
    from_dict = _badge(full_subject, issuer)
    options: dict[str, Any] = {"credential_id": CREDENTIAL_ID, "holder_id": HOLDER, "valid_from": NOW}
    from_models = build_achievement_credential(
        parse_achievement_subject(full_subject), issuer=parse_profile(issuer), **options
    )
    assert from_dict == from_models


def test_vcdm_1_1(minimal_subject: dict[str, Any], issuer: dict[str, Any]) -> None:
    credential = _badge(minimal_subject, issuer, vcdm="1.1", valid_until=NOW + timedelta(days=365))
    assert credential["@context"] == [VC_V1_CONTEXT, OB_CONTEXT]
    assert credential["issuanceDate"] == "2026-03-01T12:00:00Z"
    assert credential["expirationDate"] == "2027-03-01T12:00:00Z"
    assert "validFrom" not in credential and "validUntil" not in credential
    validate_credential(credential)


def test_credential_schema_is_opt_in(minimal_subject: dict[str, Any], issuer: dict[str, Any]) -> None:
    assert "credentialSchema" not in _badge(minimal_subject, issuer)
    credential = _badge(minimal_subject, issuer, credential_schema=True)
    assert credential["@context"] == [VC_V2_CONTEXT, OB_CONTEXT, OB_EXTENSIONS_CONTEXT]
    assert credential["credentialSchema"] == [{"id": OB_SCHEMA_ID, "type": "1EdTechJsonSchemaValidator2019"}]
    validate_credential(credential)


def test_extra_contexts_and_status(minimal_subject: dict[str, Any], issuer: dict[str, Any]) -> None:
    status = {
        "id": "https://issuer.example.edu/status/1#94567",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": "https://issuer.example.edu/status/1",
    }
    ed25519 = "https://w3id.org/security/suites/ed25519-2020/v1"
    v2 = _badge(minimal_subject, issuer, credential_status=status, extra_contexts=[OB_CONTEXT, ed25519])
    assert v2["@context"] == [VC_V2_CONTEXT, OB_CONTEXT, ed25519]
    assert v2["credentialStatus"] == status
    validate_credential(v2)
    v1 = _badge(minimal_subject, issuer, vcdm="1.1", credential_status=[status], extra_contexts=[ed25519])
    assert v1["@context"] == [VC_V1_CONTEXT, OB_CONTEXT, STATUS_V1_CONTEXT, ed25519]


def test_holder_binding_and_identifiers(
    full_subject: dict[str, Any], minimal_subject: dict[str, Any], issuer: dict[str, Any]
) -> None:
    with_id = {**minimal_subject, "id": "did:example:learner"}
    assert _badge(with_id, issuer)["credentialSubject"]["id"] == HOLDER  # the holder's key wins
    assert _badge(with_id, issuer, holder_id=None)["credentialSubject"]["id"] == "did:example:learner"
    unbound = _badge(full_subject, issuer, holder_id=None)
    assert "id" not in unbound["credentialSubject"] and unbound["credentialSubject"]["identifier"]
    validate_credential(unbound)
    with pytest.raises(LerValidationError, match=r"^credential_subject: needs a holder id"):
        _badge(minimal_subject, issuer, holder_id=None)
    with pytest.raises(LerValidationError, match=r"^credentialSubject\.id: must be an absolute URI$"):
        _badge(minimal_subject, issuer, holder_id="not a uri")


def test_ids_and_dates(minimal_subject: dict[str, Any], issuer: dict[str, Any]) -> None:
    with pytest.raises(LerValidationError, match=r"^id: must be an absolute URI$"):
        _badge(minimal_subject, issuer, credential_id="3527")
    with pytest.raises(LerValidationError, match=r"^credential_subject\.valid_until: must be after validFrom$"):
        _badge(minimal_subject, issuer, valid_until=NOW)
    with pytest.raises(LerValidationError, match=r"^credential_subject\.valid_until: must be after validFrom$"):
        _badge({**minimal_subject, "valid_until": "2026-03-01T11:00:00Z"}, issuer)
    with pytest.raises(ValueError, match="timezone-aware"):
        _badge(minimal_subject, issuer, valid_from=datetime(2026, 3, 1))
    with pytest.raises(LerValidationError, match=r"^issuer\.id: Field required$"):
        _badge(minimal_subject, {"name": "x"})
    explicit = _badge(
        {**minimal_subject, "valid_until": "2030-01-01T00:00:00Z"}, issuer, valid_until=NOW + timedelta(days=1)
    )
    assert explicit["validUntil"] == "2026-03-02T12:00:00Z"


def test_datetime_z() -> None:
    assert (
        datetime_z(datetime(2026, 3, 1, 14, 30, 15, 999, tzinfo=timezone(timedelta(hours=2)))) == "2026-03-01T12:30:15Z"
    )
    assert datetime_z(datetime(2026, 3, 1, tzinfo=UTC)) == "2026-03-01T00:00:00Z"


def _clr(
    subject: dict[str, Any], issuer: dict[str, Any], nested: list[dict[str, Any]], **kwargs: Any
) -> dict[str, Any]:
    options: dict[str, Any] = {
        "credential_id": CREDENTIAL_ID,
        "issuer": issuer,
        "holder_id": HOLDER,
        "valid_from": NOW,
        "signed_achievement_credentials": nested,
    }
    return build_clr_credential(subject, **(options | kwargs))


def test_clr(full_subject: dict[str, Any], minimal_subject: dict[str, Any], issuer: dict[str, Any]) -> None:
    clr_input = {
        "credential_subjects": [minimal_subject, full_subject],
        "description": "All courses of 2025",
        "partial": False,
        "achievement": [full_subject["achievement"]],
        "association": [{"associationType": "isPartOf", "sourceId": "urn:uuid:a", "targetId": "urn:uuid:b"}],
    }
    parsed = parse_clr_subject(clr_input)
    nested = [
        _badge(s, issuer, credential_id=f"urn:uuid:00000000-0000-4000-8000-00000000000{i}")
        for i, s in enumerate(parsed.credential_subjects)
    ]
    credential = _clr(clr_input, issuer, nested)
    assert credential["@context"] == [VC_V2_CONTEXT, CLR_CONTEXT, OB_CONTEXT]
    assert credential["type"] == ["VerifiableCredential", "ClrCredential"]
    assert credential["name"] == DEFAULT_CLR_NAME and credential["partial"] is False
    subject = credential["credentialSubject"]
    assert list(subject)[:3] == ["id", "type", "verifiableCredential"]
    assert subject["id"] == HOLDER and subject["type"] == ["ClrSubject"]
    assert subject["verifiableCredential"] == nested
    assert subject["association"][0]["type"] == "Association"
    assert subject["achievement"][0]["type"] == ["Achievement"]
    validate_credential(credential)
    assert (
        build_clr_credential(
            parsed,
            credential_id=CREDENTIAL_ID,
            issuer=issuer,
            holder_id=HOLDER,
            valid_from=NOW,
            signed_achievement_credentials=nested,
        )
        == credential
    )


def test_clr_options(minimal_subject: dict[str, Any], issuer: dict[str, Any]) -> None:
    nested = [_badge(minimal_subject, issuer)]
    clr = _clr(
        {"credential_subjects": [minimal_subject], "name": "Transcript", "valid_until": "2030-01-01T00:00:00Z"},
        issuer,
        nested,
        credential_schema=True,
        holder_id=None,
    )
    assert clr["name"] == "Transcript" and clr["validUntil"] == "2030-01-01T00:00:00Z"
    assert clr["@context"] == [VC_V2_CONTEXT, CLR_CONTEXT, OB_CONTEXT, OB_EXTENSIONS_CONTEXT]
    assert clr["credentialSchema"] == [{"id": CLR_SCHEMA_ID, "type": "1EdTechJsonSchemaValidator2019"}]
    assert "id" not in clr["credentialSubject"]
    validate_credential(clr)
    v1 = _clr(
        {"credential_subjects": [minimal_subject]}, issuer, [_badge(minimal_subject, issuer, vcdm="1.1")], vcdm="1.1"
    )
    assert v1["@context"] == [VC_V1_CONTEXT, CLR_CONTEXT, OB_CONTEXT] and "issuanceDate" in v1
    validate_credential(v1)
    with pytest.raises(LerValidationError, match=r"^credentialSubject\.verifiableCredential: needs at least one"):
        _clr({"credential_subjects": [minimal_subject]}, issuer, [])
