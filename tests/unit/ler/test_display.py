"""oid4vc.ler.display: credential_metadata.display and claims descriptions (OpenID4VCI 1.0 App. B)."""

from __future__ import annotations

from typing import Any

import pytest

from oid4vc.ler.build import build_achievement_credential, build_clr_credential
from oid4vc.ler.display import achievement_claims, clr_claims, credential_display
from oid4vc.ler.inputs import parse_achievement_subject

from ._data import CREDENTIAL_ID, HOLDER, NOW, load_vector


def _select(value: Any, path: list[Any]) -> list[Any]:
    """Claims path pointer processing (OpenID4VCI 1.0 App. C.1.1), without the error cases."""
    selected = [value]
    for step in path:
        nxt: list[Any] = []
        for item in selected:
            if step is None and isinstance(item, list):
                nxt.extend(item)
            elif (isinstance(item, dict) and step in item) or (isinstance(item, list) and isinstance(step, int)):
                nxt.append(item[step])
        selected = nxt
    return selected


def test_display_from_achievement_model(full_subject: dict[str, Any]) -> None:
    achievement = parse_achievement_subject(full_subject).achievement
    assert credential_display(achievement) == [
        {
            "name": "Introduction to Programming",
            "locale": "en-US",
            "logo": {"uri": "https://issuer.example.edu/cs101.png", "alt_text": "CS101 badge"},
            "description": "First course of the CS track.",
        }
    ]
    themed = credential_display(achievement, locale="en", background_color="#12107c", text_color="#ffffff")
    assert themed[0]["locale"] == "en"
    assert themed[0]["background_color"] == "#12107c" and themed[0]["text_color"] == "#ffffff"


@pytest.mark.parametrize(
    ("image", "logo"),
    [
        ("https://x.example/b.png", {"uri": "https://x.example/b.png", "alt_text": "Teamwork"}),
        (
            {"id": "data:image/png;base64,iVBORw0KGgo=", "type": "Image"},
            {"uri": "data:image/png;base64,iVBORw0KGgo=", "alt_text": "Teamwork"},
        ),
        ("http://x.example/b.png", None),
        ("ipfs://bafy/b.png", None),
        (None, None),
    ],
)
def test_logo_only_for_https_or_data(image: Any, logo: dict[str, str] | None) -> None:
    achievement = {"name": "Teamwork", "description": "d", "image": image}
    [entry] = credential_display(achievement)
    assert entry.get("logo") == logo
    assert "locale" not in entry


def test_language_maps_give_one_entry_per_locale() -> None:
    achievement = {
        "name": {"en": "Teamwork", "nl": "Samenwerken"},
        "description": {"en": "Works in teams", "nl": "Werkt in teams"},
        "image": {"id": "https://x.example/b.png", "type": "Image"},
    }
    entries = credential_display(achievement)
    assert [(e["locale"], e["name"], e["description"]) for e in entries] == [
        ("en", "Teamwork", "Works in teams"),
        ("nl", "Samenwerken", "Werkt in teams"),
    ]
    assert entries[1]["logo"]["alt_text"] == "Samenwerken"
    plain_name = credential_display({"name": "Teamwork", "description": {"en": "Works in teams"}})
    assert plain_name == [{"name": "Teamwork", "description": "Works in teams"}]


def test_display_from_a_received_credential() -> None:
    achievement = load_vector("ob3/validator/complete.json")["credentialSubject"]["achievement"]
    [entry] = credential_display(achievement)
    assert entry["name"] == "1EdTech University Degree"
    assert entry["logo"] == {
        "uri": "https://1edtech.edu/achievements/degree/image",
        "alt_text": "1EdTech University Degree",
    }
    assert credential_display({"description": "no name"}) == []


def _check_claims(claims: list[dict[str, Any]], credential: dict[str, Any]) -> None:
    paths = [tuple(c["path"]) for c in claims]
    assert len(paths) == len(set(paths)), "App. B: a claim must not be described twice"
    for claim in claims:
        assert claim["path"] and claim["display"][0]["name"]
        assert claim["display"][0].get("locale") in (None, "en")
        values = _select(credential, claim["path"])
        assert values, f"{claim['path']} selects nothing"
        if claim.get("mandatory"):
            assert all(v is not None for v in values)


def test_achievement_claims_select_values_of_a_built_credential(
    full_subject: dict[str, Any], issuer: dict[str, Any]
) -> None:
    for vcdm in ("2.0", "1.1"):
        credential = build_achievement_credential(
            full_subject, credential_id=CREDENTIAL_ID, issuer=issuer, holder_id=HOLDER, valid_from=NOW, vcdm=vcdm
        )
        _check_claims(achievement_claims(vcdm=vcdm), credential)
    assert ["issuanceDate"] in [c["path"] for c in achievement_claims(vcdm="1.1")]
    assert all("locale" not in c["display"][0] for c in achievement_claims(locale=None))


def test_mandatory_claims_are_in_every_built_badge(minimal_subject: dict[str, Any], issuer: dict[str, Any]) -> None:
    credential = build_achievement_credential(
        minimal_subject, credential_id=CREDENTIAL_ID, issuer=issuer, holder_id=HOLDER, valid_from=NOW
    )
    for claim in achievement_claims():
        if claim.get("mandatory"):
            assert _select(credential, claim["path"])


def test_clr_claims(minimal_subject: dict[str, Any], issuer: dict[str, Any]) -> None:
    nested = build_achievement_credential(
        minimal_subject, credential_id=CREDENTIAL_ID, issuer=issuer, holder_id=HOLDER, valid_from=NOW
    )
    clr = build_clr_credential(
        {"credential_subjects": [minimal_subject], "description": "d"},
        credential_id=CREDENTIAL_ID,
        issuer=issuer,
        holder_id=HOLDER,
        valid_from=NOW,
        valid_until=NOW.replace(year=2030),
        signed_achievement_credentials=[nested],
    )
    _check_claims(clr_claims(), clr)
    assert _select(clr, clr_claims()[2]["path"]) == ["Teamwork"]
