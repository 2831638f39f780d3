"""oid4vc.ler.summary: what a verifier shows people about a presented OB 3.0 / CLR 2.0 credential."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from oid4vc.jose import encode_segment
from oid4vc.ler.build import build_achievement_credential
from oid4vc.ler.summary import AchievementSummary, AlignmentSummary, ResultSummary, summarize

from ._data import CREDENTIAL_ID, HOLDER, NOW, load_vector


def test_complete_badge() -> None:
    summary = summarize(load_vector("ob3/validator/complete.json"))
    assert summary.credential_type == "OpenBadgeCredential"
    assert summary.credential_id == "http://1edtech.edu/credentials/3732"
    assert summary.name == "1EdTech University Degree for Example Student"
    assert (summary.issuer_id, summary.issuer_name) == ("https://1edtech.edu/issuers/565049", "1EdTech University")
    assert summary.holder_id == "did:example:ebfeb1f712ebc6f1c276e12ec21"
    assert (summary.valid_from, summary.valid_until, summary.awarded_date) == (
        "2010-01-01T00:00:00Z",
        "2030-01-01T00:00:00Z",
        None,
    )
    [achievement] = summary.achievements
    assert achievement.id == "https://1edtech.edu/achievements/degree"
    assert achievement.name == "1EdTech University Degree"
    assert achievement.types == ("Achievement",)
    assert achievement.achievement_type == "Degree"
    assert achievement.alignments[0] == AlignmentSummary(
        "1EdTech University Degree", "https://1edtech.edu/catalog/degree", "degree"
    )
    assert len(achievement.alignments) == 2
    project = AlignmentSummary("Final Project", "https://1edtech.edu/catalog/degree/project/result/1", "project")
    assert summary.results == (
        ResultSummary("A", None, "Final Project Grade", None, (project,)),
        ResultSummary(None, None, "Final Project Grade", "Mastery", (project,)),
        ResultSummary(None, "Completed", "Final Project Grade", None, ()),
    )
    assert summary.credentials == ()


def test_clr() -> None:
    summary = summarize(load_vector("clr2/validator/simple.json"))
    assert summary.credential_type == "ClrCredential" and summary.name == "Sample Transcript"
    assert [a.name for a in summary.achievements] == ["Achievement 1", "Achievement 2"]
    [badge] = summary.credentials
    assert badge.credential_type == "OpenBadgeCredential"
    assert badge.name == "Teamwork Badge" and badge.issuer_name == "Example Corp"
    assert [a.name for a in badge.achievements] == ["Teamwork"]


def test_vcdm_1_1_dates() -> None:
    summary = summarize(load_vector("ob3/validator/simple_v1.json"))
    assert summary.valid_from == "2010-01-01T00:00:00Z"
    complex_clr = summarize(load_vector("clr2/validator/complex.json"))
    assert len(complex_clr.credentials) == len(
        load_vector("clr2/validator/complex.json")["credentialSubject"]["verifiableCredential"]
    )
    assert all(c.valid_from for c in complex_clr.credentials)


def test_built_badge_round_trip(full_subject: dict[str, Any], issuer: dict[str, Any]) -> None:
    credential = build_achievement_credential(
        full_subject, credential_id=CREDENTIAL_ID, issuer=issuer, holder_id=HOLDER, valid_from=NOW
    )
    summary = summarize(credential)
    assert summary.holder_id == HOLDER and summary.issuer_name == "Example University"
    assert summary.awarded_date == "2026-03-01T12:00:00Z" and summary.valid_until == "2031-01-01T00:00:00Z"
    assert summary.achievements[0].achievement_type == "Course"
    assert [(r.value, r.status, r.result_description, r.achieved_level) for r in summary.results] == [
        ("A", None, "Final grade", None),
        (None, "Completed", "Project rubric", "Mastered"),
    ]


def test_nested_vc_jwt_is_decoded_for_display(minimal_subject: dict[str, Any], issuer: dict[str, Any]) -> None:
    badge = build_achievement_credential(
        minimal_subject, credential_id=CREDENTIAL_ID, issuer=issuer, holder_id=HOLDER, valid_from=NOW
    )
    jwt = f"{encode_segment({'alg': 'ES256'})}.{encode_segment(badge)}.c2ln"
    legacy = f"{encode_segment({'alg': 'ES256'})}.{encode_segment({'vc': badge, 'iss': issuer['id']})}.c2ln"
    clr = {
        "type": ["VerifiableCredential", "ClrCredential"],
        "credentialSubject": {"verifiableCredential": [jwt, legacy, "not-a-jwt", 7]},
    }
    summary = summarize(clr)
    assert [c.name for c in summary.credentials] == ["Teamwork", "Teamwork"]


@pytest.mark.parametrize(
    "odd",
    [
        {},
        {"type": "VerifiableCredential", "issuer": "https://issuer.example", "credentialSubject": []},
        {
            "type": 5,
            "issuer": 5,
            "name": {"en": "Named", "nl": "Genoemd"},
            "credentialSubject": [{"achievement": "urn:x", "result": [1, {"value": 2}]}],
        },
        {"credentialSubject": {"achievement": [{"name": 1, "alignment": {"targetName": "x"}}]}},
        [],
    ],
)
def test_odd_shapes_do_not_raise(odd: Any) -> None:
    summary = summarize(odd)
    assert isinstance(summary, AchievementSummary)


def test_language_maps_and_plain_issuer() -> None:
    summary = summarize(
        {"type": "VerifiableCredential", "issuer": "https://issuer.example", "name": {"en": "Named", "nl": "Genoemd"}}
    )
    assert (summary.issuer_id, summary.issuer_name, summary.name) == ("https://issuer.example", None, "Named")
    assert summary.credential_type is None


def test_summary_is_frozen() -> None:
    summary = summarize({})
    with pytest.raises(dataclasses.FrozenInstanceError):
        summary.name = "x"  # type: ignore[misc]
    assert not hasattr(summary, "__dict__")
