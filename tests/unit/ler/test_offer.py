"""oid4vc.ler.offer: offer-time checks report input paths, never a broken credential later."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from oid4vc.errors import safe_description
from oid4vc.ler.errors import LerValidationError
from oid4vc.ler.offer import (
    PLACEHOLDER_CREDENTIAL_ID,
    PLACEHOLDER_HOLDER_ID,
    check_achievement_offer,
    check_clr_offer,
)

from ._data import NOW


def _offer_error(subject: object, issuer: dict[str, Any], **kwargs: Any) -> str:
    with pytest.raises(LerValidationError) as info:
        check_achievement_offer(subject, issuer=issuer, now=NOW, **kwargs)
    return str(info.value)


def test_good_offer_returns_parsed_input_and_preview(full_subject: dict[str, Any], issuer: dict[str, Any]) -> None:
    checked = check_achievement_offer(full_subject, issuer=issuer, now=NOW)
    assert checked.subject.achievement.name == "Introduction to Programming"
    assert checked.preview["id"] == PLACEHOLDER_CREDENTIAL_ID
    assert checked.preview["credentialSubject"]["id"] == PLACEHOLDER_HOLDER_ID
    assert checked.preview["validFrom"] == "2026-03-01T12:00:00Z"
    v1 = check_achievement_offer(full_subject, issuer=issuer, now=NOW, vcdm="1.1", credential_schema=True)
    assert "issuanceDate" in v1.preview and "credentialSchema" in v1.preview


@pytest.mark.parametrize(
    ("change", "message"),
    [
        # caught by the 1EdTech schema, reported where the operator wrote it
        ({"achievementType": "Trophy"}, "credential_subject.achievement.achievementType: is not an allowed value"),
        (
            {"alignment": {"targetName": "x", "targetUrl": "https://x.example", "targetType": "Skill"}},
            "credential_subject.achievement.alignment[0].targetType: is not an allowed value",
        ),
        (
            {"resultDescription": {"id": "urn:uuid:r", "name": "Grade", "resultType": "Vibes"}},
            "credential_subject.achievement.resultDescription[0].resultType: is not an allowed value",
        ),
        (
            {"image": {"id": "https://x.example/i.png", "caption": {"en": "x"}}},
            "credential_subject.achievement.image.caption: Input should be a valid string",
        ),
        # caught by the input models
        ({"criteria": {}}, "credential_subject.achievement.criteria: needs id or narrative (or both)"),
    ],
)
def test_errors_point_into_the_input(
    minimal_subject: dict[str, Any], issuer: dict[str, Any], change: dict[str, Any], message: str
) -> None:
    minimal_subject["achievement"].update(change)
    assert _offer_error(minimal_subject, issuer) == message


def test_credential_level_input_paths(minimal_subject: dict[str, Any], issuer: dict[str, Any]) -> None:
    minimal_subject["evidence"] = {"id": "https://e.example", "genre": {"en": "x"}}
    assert (
        _offer_error(minimal_subject, issuer) == "credential_subject.evidence[0].genre: Input should be a valid string"
    )
    del minimal_subject["evidence"]
    minimal_subject["term"] = ["Fall", "Spring"]
    assert _offer_error(minimal_subject, issuer) == "credential_subject.term: Input should be a valid string"


def test_schema_errors_map_back(minimal_subject: dict[str, Any], issuer: dict[str, Any]) -> None:
    # extension terms are not modelled: the schema still sees them where the model stops
    minimal_subject["achievement"]["related"] = [{"id": "https://r.example"}]
    assert _offer_error(minimal_subject, issuer) == "credential_subject.achievement.related[0].type: is required"
    del minimal_subject["achievement"]["related"]
    minimal_subject["achievement"]["image"] = "https://x.example/i.png"
    issuer["address"] = {"addressCountry": "NL"}  # Address is not modelled: the schema checks it
    assert _offer_error(minimal_subject, issuer) == "issuer.address.type: is required"


def test_validity(minimal_subject: dict[str, Any], issuer: dict[str, Any]) -> None:
    minimal_subject["valid_until"] = "2026-03-01T12:00:00Z"
    assert _offer_error(minimal_subject, issuer) == "credential_subject.valid_until: is not in the future"
    minimal_subject["valid_until"] = (NOW + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert check_achievement_offer(minimal_subject, issuer=issuer, now=NOW).preview["validUntil"]


def test_without_holder_binding(
    full_subject: dict[str, Any], minimal_subject: dict[str, Any], issuer: dict[str, Any]
) -> None:
    assert _offer_error(minimal_subject, issuer, holder_binding=False).startswith(
        "credential_subject: needs a holder id"
    )
    checked = check_achievement_offer(full_subject, issuer=issuer, now=NOW, holder_binding=False)
    assert "id" not in checked.preview["credentialSubject"]


def test_bad_issuer_configuration(minimal_subject: dict[str, Any]) -> None:
    assert (
        _offer_error(minimal_subject, {"id": "https://i.example", "type": "Organization"})
        == "issuer.type: must contain Profile"
    )


def test_messages_are_safe_error_descriptions(minimal_subject: dict[str, Any], issuer: dict[str, Any]) -> None:
    minimal_subject["achievement"].update({"criteria": {}, "id": "x", "image": {"id": "https://i.example", "alt": "a"}})
    message = _offer_error(minimal_subject, issuer)
    assert safe_description(message) == message


def test_clr_offer(full_subject: dict[str, Any], minimal_subject: dict[str, Any], issuer: dict[str, Any]) -> None:
    checked = check_clr_offer(
        {"credential_subjects": [minimal_subject, full_subject], "name": "Transcript"}, issuer=issuer, now=NOW
    )
    nested = checked.preview["credentialSubject"]["verifiableCredential"]
    assert [vc["name"] for vc in nested] == ["Teamwork", "CS101 completion"]
    assert checked.subject.name == "Transcript"


def test_clr_offer_errors(
    full_subject: dict[str, Any], minimal_subject: dict[str, Any], issuer: dict[str, Any]
) -> None:
    bad = {**minimal_subject, "achievement": {**minimal_subject["achievement"], "achievementType": "Trophy"}}
    with pytest.raises(LerValidationError) as info:
        check_clr_offer({"credential_subjects": [full_subject, bad]}, issuer=issuer, now=NOW)
    assert (
        str(info.value)
        == "credential_subject.credential_subjects[1].achievement.achievementType: is not an allowed value"
    )
    with pytest.raises(LerValidationError) as info:
        check_clr_offer(
            {"credential_subjects": [{**minimal_subject, "valid_until": "2020-01-01T00:00:00Z"}]},
            issuer=issuer,
            now=NOW,
        )
    assert str(info.value) == "credential_subject.credential_subjects[0].valid_until: is not in the future"
    with pytest.raises(LerValidationError) as info:
        check_clr_offer({"credential_subjects": [minimal_subject]}, issuer=issuer, now=NOW, holder_binding=False)
    assert str(info.value).startswith("credential_subject.credential_subjects[0]: needs a holder id")
    with pytest.raises(LerValidationError) as info:
        check_clr_offer(
            {"credential_subjects": [minimal_subject], "achievement": [{"id": "urn:uuid:x"}]}, issuer=issuer, now=NOW
        )
    assert "credential_subject.achievement[0].name: Field required" in str(info.value)
    # ClrSubject extension terms pass here; whether they are JSON-LD terms is the ldp_vc signer's check
    checked = check_clr_offer({"credential_subjects": [minimal_subject], "ext:note": "n"}, issuer=issuer, now=NOW)
    assert checked.preview["credentialSubject"]["ext:note"] == "n"
