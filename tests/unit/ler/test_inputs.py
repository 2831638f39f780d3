"""oid4vc.ler.inputs and oid4vc.ler.models: parsing operator input, errors that name the field."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from oid4vc.ler.errors import FieldError, LerValidationError, format_path
from oid4vc.ler.inputs import AchievementSubjectInput, parse_achievement_subject, parse_clr_subject
from oid4vc.ler.models import Achievement, Image, Profile, identity_object, parse_datetime_z, parse_profile

from ._data import load_vector


def _error(data: object) -> LerValidationError:
    with pytest.raises(LerValidationError) as info:
        parse_achievement_subject(data)
    return info.value


def _messages(data: object) -> list[str]:
    return [str(e) for e in _error(data).errors]


def test_minimal_subject_gets_defaults(minimal_subject: dict[str, Any]) -> None:
    subject = parse_achievement_subject(minimal_subject)
    assert subject.subject_terms() == {
        "type": ["AchievementSubject"],
        "achievement": {
            "id": "https://issuer.example.edu/achievements/teamwork",
            "type": ["Achievement"],
            "name": "Teamwork",
            "description": "Collaborates within a group.",
            "criteria": {"narrative": "Nominated by peers."},
        },
    }


def test_types_and_single_values_become_arrays(full_subject: dict[str, Any]) -> None:
    terms = parse_achievement_subject(full_subject).subject_terms()
    achievement = terms["achievement"]
    assert achievement["type"] == ["Achievement"]
    assert achievement["tag"] == ["programming"]
    assert achievement["alignment"][0]["type"] == ["Alignment"]
    assert achievement["resultDescription"][1]["rubricCriterionLevel"][0]["type"] == ["RubricCriterionLevel"]
    assert achievement["creator"]["type"] == ["Profile"]
    assert terms["identifier"] == [{**full_subject["identifier"], "type": "IdentityObject"}]
    assert achievement["otherIdentifier"][0]["type"] == "IdentifierEntry"
    assert achievement["image"] == {
        "id": "https://issuer.example.edu/cs101.png",
        "type": "Image",
        "caption": "CS101 badge",
    }
    assert achievement["creditsAvailable"] == 3 and isinstance(achievement["creditsAvailable"], int)


def test_envelope_keys_stay_out_of_the_subject(full_subject: dict[str, Any]) -> None:
    subject = parse_achievement_subject({**full_subject, "id": "did:example:learner"})
    terms = subject.subject_terms()
    assert not {"name", "description", "evidence", "valid_until", "id"} & terms.keys()
    assert subject.name == "CS101 completion" and subject.valid_until == "2031-01-01T00:00:00Z"
    assert subject.evidence is not None and subject.evidence[0].to_json()["type"] == ["Evidence"]
    assert subject.id == "did:example:learner"


def test_extension_terms_survive(full_subject: dict[str, Any]) -> None:
    full_subject["ext:favouriteColour"] = "green"
    terms = parse_achievement_subject(full_subject).subject_terms()
    assert terms["ext:favouriteColour"] == "green"
    assert terms["achievement"]["x-extension"] == {"kept": True}


def test_complete_validator_subject_round_trips() -> None:
    subject = dict(load_vector("ob3/validator/complete.json")["credentialSubject"])
    subject.pop("id")
    assert parse_achievement_subject(subject).subject_terms() == subject


def test_extra_type_members_are_kept(minimal_subject: dict[str, Any]) -> None:
    minimal_subject["achievement"]["type"] = ["Achievement", "ext:Microcredential"]
    terms = parse_achievement_subject(minimal_subject).subject_terms()
    assert terms["achievement"]["type"] == ["Achievement", "ext:Microcredential"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"criteria": {}}, "credential_subject.achievement.criteria: needs id or narrative (or both)"),
        (
            {"id": "teamwork"},
            "credential_subject.achievement.id: must be an absolute URI (https:, urn:, did: or data:)",
        ),
        ({"type": "Badge"}, "credential_subject.achievement.type: must contain Achievement"),
        ({"name": ""}, "credential_subject.achievement.name: String should have at least 1 character"),
        ({"name": {"en": "Teamwork"}}, "credential_subject.achievement.name: Input should be a valid string"),
        (
            {"inLanguage": "English"},
            "credential_subject.achievement.inLanguage: must be a language code like en or en-US",
        ),
        (
            {"image": "logo.png"},
            "credential_subject.achievement.image.id: must be an absolute URI (https:, urn:, did: or data:)",
        ),
        (
            {"image": {"id": "https://x.example/i.png", "alt": "x"}},
            "credential_subject.achievement.image.alt: Extra inputs are not permitted",
        ),
        ({"alignment": [{"targetName": "x"}]}, "credential_subject.achievement.alignment[0].targetUrl: Field required"),
        ({"creditsAvailable": "3"}, "credential_subject.achievement.creditsAvailable: must be a number"),
        ({"creditsAvailable": True}, "credential_subject.achievement.creditsAvailable: must be a number"),
    ],
)
def test_achievement_errors_name_the_field(
    minimal_subject: dict[str, Any], change: dict[str, Any], message: str
) -> None:
    minimal_subject["achievement"].update(change)
    assert message in _messages(minimal_subject)


def test_missing_achievement_fields(minimal_subject: dict[str, Any]) -> None:
    del minimal_subject["achievement"]["description"]
    del minimal_subject["achievement"]["criteria"]
    assert _messages(minimal_subject) == [
        "credential_subject.achievement.description: Field required",
        "credential_subject.achievement.criteria: Field required",
    ]
    assert _messages({}) == ["credential_subject.achievement: Field required"]
    assert _messages([]) == ["credential_subject: must be a JSON object"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"result": [{"status": "Done"}]},
            "credential_subject.result[0].status: Input should be 'Completed', 'Enrolled', 'Failed', "
            "'InProgress', 'OnHold', 'Provisional' or 'Withdrew'",
        ),
        (
            {"result": {"resultDescription": "urn:uuid:unknown"}},
            "credential_subject.result[0].resultDescription: does not match any achievement.resultDescription id",
        ),
        (
            {"result": {"achievedLevel": "urn:uuid:unknown"}},
            "credential_subject.result[0].achievedLevel: does not match any rubricCriterionLevel id of the achievement",
        ),
        (
            {"activityEndDate": "2025-08-01T00:00:00Z"},
            "credential_subject.activityEndDate: is before activityStartDate",
        ),
        (
            {"activityStartDate": "2025-09-01"},
            "credential_subject.activityStartDate: must be a date-time with a time zone, like 2024-01-31T12:00:00Z",
        ),
        ({"valid_until": "2031-02-30T00:00:00Z"}, "credential_subject.valid_until: must be a valid calendar date-time"),
        (
            {"identifier": [{"hashed": "yes", "identityHash": "x", "identityType": "emailAddress"}]},
            "credential_subject.identifier[0].hashed: Input should be a valid boolean",
        ),
        (
            {"identifier": [{"hashed": False, "identityHash": "x", "identityType": "emailAddress", "note": 1}]},
            "credential_subject.identifier[0].note: Extra inputs are not permitted",
        ),
        ({"evidence": {"type": "Photo"}}, "credential_subject.evidence[0].type: must contain Evidence"),
        ({"source": {"name": "Registrar"}}, "credential_subject.source.id: Field required"),
        ({"type": "Learner"}, "credential_subject.type: must contain AchievementSubject"),
    ],
)
def test_subject_errors_name_the_field(full_subject: dict[str, Any], change: dict[str, Any], message: str) -> None:
    full_subject.update(change)
    assert message in _messages(full_subject)


def test_error_type_is_a_value_error(minimal_subject: dict[str, Any]) -> None:
    minimal_subject["achievement"]["criteria"] = {}
    error = _error(minimal_subject)
    assert isinstance(error, ValueError)
    assert error.errors == (
        FieldError(("credential_subject", "achievement", "criteria"), "needs id or narrative (or both)"),
    )


def test_clr_subject(full_subject: dict[str, Any], minimal_subject: dict[str, Any]) -> None:
    clr = parse_clr_subject(
        {
            "credential_subjects": [minimal_subject, full_subject],
            "name": "Transcript",
            "association": {"associationType": "isPartOf", "sourceId": "urn:uuid:a", "targetId": "urn:uuid:b"},
        }
    )
    assert len(clr.credential_subjects) == 2
    terms = clr.subject_terms()
    assert terms == {
        "type": ["ClrSubject"],
        "association": [
            {"type": "Association", "associationType": "isPartOf", "sourceId": "urn:uuid:a", "targetId": "urn:uuid:b"}
        ],
    }


def test_clr_subject_errors(full_subject: dict[str, Any]) -> None:
    with pytest.raises(LerValidationError) as info:
        parse_clr_subject({"credential_subjects": []})
    assert (
        str(info.value)
        == "credential_subject.credential_subjects: List should have at least 1 item after validation, not 0"
    )
    full_subject["result"] = [{"resultDescription": "urn:uuid:nope"}]
    with pytest.raises(LerValidationError) as info:
        parse_clr_subject({"credential_subjects": [{"achievement": full_subject["achievement"]}, full_subject]})
    assert str(info.value).startswith("credential_subject.credential_subjects[1].result[0].resultDescription: ")
    with pytest.raises(LerValidationError) as info:
        parse_clr_subject(
            {
                "credential_subjects": [{}],
                "association": [{"associationType": "sameAs", "sourceId": "urn:a", "targetId": "urn:b"}],
            }
        )
    assert {format_path(e.path) for e in info.value.errors} == {
        "credential_subject.credential_subjects[0].achievement",
        "credential_subject.association[0].associationType",
    }


def test_identity_object() -> None:
    hashed = identity_object("conformance@imsglobal.org", salt="s4lt")
    digest = hashlib.sha256(b"conformance@imsglobal.orgs4lt").hexdigest()
    assert hashed.to_json() == {
        "type": "IdentityObject",
        "hashed": True,
        "identityHash": f"sha256${digest}",
        "identityType": "emailAddress",
        "salt": "s4lt",
    }
    plain = identity_object("S-1234", identity_type="studentId", salt=None)
    assert plain.to_json() == {
        "type": "IdentityObject",
        "hashed": False,
        "identityHash": "S-1234",
        "identityType": "studentId",
    }


def test_profile(issuer: dict[str, Any]) -> None:
    profile = parse_profile(issuer)
    assert isinstance(profile, Profile)
    assert profile.to_json() == {**issuer, "type": ["Profile"], "image": {"id": issuer["image"], "type": "Image"}}
    with pytest.raises(LerValidationError, match=r"^issuer\.id: Field required$"):
        parse_profile({"name": "x"})
    nested = parse_profile({"id": "https://a.example", "parentOrg": {"id": "https://b.example", "type": ["Profile"]}})
    assert nested.to_json()["parentOrg"] == {"id": "https://b.example", "type": ["Profile"]}


def test_models_are_frozen(minimal_subject: dict[str, Any]) -> None:
    subject = parse_achievement_subject(minimal_subject)
    assert isinstance(subject, AchievementSubjectInput) and isinstance(subject.achievement, Achievement)
    with pytest.raises(Exception, match="frozen"):
        subject.achievement.name = "x"  # type: ignore[misc]
    assert Image.model_validate("data:image/png;base64,AAAA").to_json() == {
        "id": "data:image/png;base64,AAAA",
        "type": "Image",
    }


def test_parse_datetime_z() -> None:
    assert parse_datetime_z("2024-01-31T12:00:00Z").utcoffset() is not None
    assert parse_datetime_z("2024-01-31T12:00:00.5+02:00").microsecond == 500000
    for bad in ("2024-01-31T12:00:00", "2024-01-31", "2024-13-01T00:00:00Z", "yesterday"):
        with pytest.raises(ValueError):
            parse_datetime_z(bad)
