"""SD-JWT VC (draft-ietf-oauth-sd-jwt-vc-13): issuing, verifying, Type Metadata and the Open Badges mapping."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from oid4vc.crypto.keys import CryptoJwsVerifier, SigningKey, generate_key, private_jwk
from oid4vc.formats.sd_jwt import (
    KeyBindingCheck,
    SdJwtError,
    create_presentation,
    issue_sd_jwt,
    parse_sd_jwt,
    random_salt,
)
from oid4vc.formats.sd_jwt_vc import (
    OPEN_BADGE_SD_PATHS,
    ClaimMetadata,
    TypeDisplay,
    issue_sd_jwt_vc,
    open_badge_claims,
    open_badge_type_metadata,
    sri_sha256,
    type_metadata,
    verify_sd_jwt_vc,
)
from oid4vc.jose import public_jwk

VECTORS = Path(__file__).parents[2] / "vectors"
SD_JWT = VECTORS / "sd-jwt"
SETTINGS = json.loads((SD_JWT / "settings.json").read_text())
RFC_ISSUER_JWK = public_jwk(SETTINGS["key_settings"]["issuer_key"])
VERIFIER = CryptoJwsVerifier()
NOW = datetime(2026, 12, 1, tzinfo=UTC)
ISSUER_DID = "did:web:issuer.example"
VCT = "https://issuer.example/vct/OpenBadgeCredential"
ISSUER = SigningKey(generate_key("EC"), kid=f"{ISSUER_DID}#key-1")
HOLDER = SigningKey(generate_key("EC"), kid="holder")
KB = KeyBindingCheck(audience="x509_san_dns:verifier.example", nonce="n-0S6_WzA2Mj")
STATUS = {"status_list": {"idx": 4711, "uri": "https://issuer.example/status/1"}}

BASIC: dict[
    str, Any
] = {  # OB 3.0 spec example basicOpenBadgeCredential.json (1EdTech), see tests/vectors/sd-jwt/SOURCES.md
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ],
    "id": "http://example.com/credentials/3527",
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "issuer": {"id": "https://example.com/issuers/876543", "type": ["Profile"], "name": "Example Corp"},
    "validFrom": "2010-01-01T00:00:00Z",
    "name": "Teamwork Badge",
    "credentialSubject": {
        "id": "did:example:ebfeb1f712ebc6f1c276e12ec21",
        "type": ["AchievementSubject"],
        "achievement": {
            "id": "https://example.com/achievements/21st-century-skills/teamwork",
            "type": ["Achievement"],
            "criteria": {
                "narrative": "Team members are nominated for this badge by their peers and recognized upon "
                "review by Example Corp management."
            },
            "description": "This badge recognizes the development of the capacity to collaborate within a "
            "group environment.",
            "name": "Teamwork",
        },
    },
}
RICH: dict[str, Any] = BASIC | {
    "validUntil": "2030-01-01T00:00:00Z",
    "credentialSchema": [{"id": "https://example.com/schema.json", "type": "1EdTechJsonSchemaValidator2019"}],
    "credentialStatus": {"type": "BitstringStatusListEntry", "statusListIndex": "7"},
    "proof": [{"type": "DataIntegrityProof"}],
    "evidence": [{"type": ["Evidence"], "narrative": "Led the project"}],
    "credentialSubject": BASIC["credentialSubject"]
    | {
        "identifier": [
            {"type": "IdentityObject", "hashed": True, "identityHash": "sha256$ab", "identityType": "emailAddress"}
        ],
        "result": [{"type": ["Result"], "value": "A"}],
    },
}


@contextmanager
def _reason(reason: str) -> Iterator[None]:
    with pytest.raises(SdJwtError) as info:
        yield
    assert info.value.reason == reason, info.value.reason


def _issue(claims: dict[str, Any], **kwargs: Any) -> str:
    options: dict[str, Any] = {
        "signer": ISSUER,
        "vct": VCT,
        "now": NOW,
        "salt": random_salt,
        "issuer": ISSUER_DID,
        "holder_jwk": HOLDER.public_jwk,
        "kid": ISSUER.kid,
    }
    return issue_sd_jwt_vc(claims, **(options | kwargs))


def _verify(token: str, kb: KeyBindingCheck | None = KB, **kwargs: Any) -> Any:
    options: dict[str, Any] = {"issuer_jwk": ISSUER.public_jwk, "verifier": VERIFIER, "now": NOW, "key_binding": kb}
    return verify_sd_jwt_vc(parse_sd_jwt(token), **(options | kwargs))


def _present(token: str, disclose: list[list[Any]], **kwargs: Any) -> str:
    options: dict[str, Any] = {"holder": HOLDER, "audience": KB.audience, "nonce": KB.nonce, "now": NOW} | kwargs
    return create_presentation(parse_sd_jwt(token), disclose, **options)


# --- Open Badges mapping ----------------------------------------------------------------------------------


def test_open_badge_claims_basic() -> None:
    assert open_badge_claims(BASIC) == {
        "jti": "http://example.com/credentials/3527",
        "nbf": 1262304000,
        "issuer": {"id": "https://example.com/issuers/876543", "type": ["Profile"], "name": "Example Corp"},
        "name": "Teamwork Badge",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "achievement": BASIC["credentialSubject"]["achievement"],
        },
    }


def test_open_badge_claims_drop_and_map() -> None:
    claims = open_badge_claims(RICH)
    assert claims["exp"] == 1893456000
    assert not {"@context", "type", "id", "validFrom", "validUntil", "proof"} & claims.keys()
    assert not {"credentialSchema", "credentialStatus"} & claims.keys()
    assert claims["evidence"] == RICH["evidence"]
    assert "id" not in claims["credentialSubject"] and claims["credentialSubject"]["result"]


@pytest.mark.parametrize(
    "credential",
    [
        {"credentialSubject": "x"},
        {"credentialSubject": {}, "validFrom": 2010},
        {"credentialSubject": {}, "validFrom": "yesterday"},
        {"credentialSubject": {}, "validUntil": "2030-01-01T00:00:00"},
    ],
)
def test_open_badge_claims_rejects(credential: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        open_badge_claims(credential)


# --- Issue and verify -------------------------------------------------------------------------------------


def test_open_badge_round_trip() -> None:
    token = _issue(open_badge_claims(RICH), sd_paths=OPEN_BADGE_SD_PATHS, status=STATUS)
    issued = parse_sd_jwt(token)
    assert issued.header == {"alg": "ES256", "kid": f"{ISSUER_DID}#key-1", "typ": "dc+sd-jwt"}
    payload = issued.payload
    assert payload["iss"] == ISSUER_DID and payload["vct"] == VCT and payload["iat"] == int(NOW.timestamp())
    assert payload["cnf"] == {"jwk": HOLDER.public_jwk} and payload["status"] == STATUS
    assert payload["nbf"] == 1262304000 and payload["exp"] == 1893456000
    assert len(issued.disclosures) == 3 and "evidence" not in payload and len(payload["_sd"]) == 1
    assert len(payload["credentialSubject"]["_sd"]) == 2

    verified = _verify(_present(token, [["credentialSubject", "result"]]))
    assert (verified.issuer, verified.vct, verified.holder_jwk) == (ISSUER_DID, VCT, HOLDER.public_jwk)
    assert verified.status == STATUS and verified.disclosed_paths == (("credentialSubject", "result"),)
    assert verified.claims["credentialSubject"]["result"] == RICH["credentialSubject"]["result"]
    assert "identifier" not in verified.claims["credentialSubject"] and "evidence" not in verified.claims
    assert verified.key_binding["aud"] == KB.audience
    assert verified.claims["credentialSubject"]["achievement"]["name"] == "Teamwork"


def test_everything_disclosed_matches_the_mapping() -> None:
    claims = open_badge_claims(RICH)
    token = _issue(claims, sd_paths=OPEN_BADGE_SD_PATHS)
    verified = _verify(_present(token, [["credentialSubject"], ["evidence"]]))
    expected = claims | {"iss": ISSUER_DID, "iat": int(NOW.timestamp()), "vct": VCT, "cnf": {"jwk": HOLDER.public_jwk}}
    assert verified.claims == expected


def test_no_disclosable_claims_has_no_sd() -> None:  # §3.2.2.4
    sd_jwt = parse_sd_jwt(_issue(open_badge_claims(BASIC), holder_jwk=None))
    assert sd_jwt.disclosures == () and "_sd" not in sd_jwt.payload and "_sd_alg" not in sd_jwt.payload
    verified = _verify(sd_jwt.without_kb(), None)
    assert verified.holder_jwk is None and verified.key_binding is None and verified.status is None


def test_x5c_and_vct_integrity_in_the_credential() -> None:
    doc = json.dumps(type_metadata(VCT)).encode()
    token = _issue({"sub": "x"}, x5c=["MIIB..."], vct_integrity=sri_sha256(doc), kid=None)
    sd_jwt = parse_sd_jwt(token)
    assert sd_jwt.header["x5c"] == ["MIIB..."] and sd_jwt.header["kid"] == ISSUER.kid  # signer default kid
    assert sd_jwt.payload["vct#integrity"] == sri_sha256(doc)


def test_eddsa_issuer() -> None:
    issuer = SigningKey(generate_key("OKP"), kid=f"{ISSUER_DID}#key-2")
    token = _issue({"sub": "x"}, signer=issuer, sd_paths=[["sub"]])
    assert _verify(_present(token, [["sub"]]), issuer_jwk=issuer.public_jwk).claims["sub"] == "x"


@pytest.mark.parametrize(
    ("kwargs", "claims"),
    [
        ({"vct": ""}, {}),
        ({}, {"iss": "x"}),
        ({}, {"vct": "x"}),
        ({}, {"cnf": {}}),
        ({}, {"status": {}}),
        ({}, {"iat": 1}),
        ({}, {"exp": "2030"}),
        ({}, {"nbf": True}),
        ({"sd_paths": [["iss"]]}, {}),
        ({"sd_paths": [["vct"]]}, {}),
        ({"sd_paths": [["cnf", "jwk"]]}, {}),
        ({"sd_paths": [["status"]]}, {}),
        ({"sd_paths": [["iat"]]}, {}),
        ({"sd_paths": [["exp"]]}, {"exp": 1}),
        ({"sd_paths": [["nbf"]]}, {"nbf": 1}),
        ({"holder_jwk": private_jwk(generate_key("EC"))}, {}),
        ({"status": {"status_list": {"idx": -1, "uri": "https://x"}}}, {}),
        ({"status": {"status_list": {"idx": True, "uri": "https://x"}}}, {}),
        ({"status": {"status_list": {"idx": 1}}}, {}),
        ({"status": {"other": 1}}, {}),
    ],
)
def test_issue_rejects_configuration_mistakes(kwargs: dict[str, Any], claims: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        _issue(claims, **kwargs)


# --- Verifier rejections ----------------------------------------------------------------------------------


def _generic(payload: dict[str, Any], sd_paths: list[list[Any]], typ: str = "dc+sd-jwt") -> str:
    """An SD-JWT our SD-JWT VC builder refuses to make."""
    payload = {"cnf": {"jwk": HOLDER.public_jwk}} | payload
    return issue_sd_jwt(payload, signer=ISSUER, sd_paths=sd_paths, salt=random_salt, header={"typ": typ})


@pytest.mark.parametrize("typ", ["example+sd-jwt", "JWT", None])
def test_typ_mismatch(typ: str | None) -> None:
    header = {"typ": typ} if typ else {}
    token = issue_sd_jwt({"vct": VCT}, signer=ISSUER, sd_paths=[], salt=random_salt, header=header)
    with _reason("typ_mismatch"):
        _verify(token, None)


def test_legacy_typ() -> None:
    token = _generic({"vct": VCT}, [], typ="vc+sd-jwt")
    assert _verify(token, None).vct == VCT
    with _reason("typ_mismatch"):
        _verify(token, None, accept_legacy_typ=False)


@pytest.mark.parametrize("payload", [{}, {"vct": ""}, {"vct": 7}])
def test_missing_vct(payload: dict[str, Any]) -> None:
    with _reason("missing_vct"):
        _verify(_generic(payload, []), None)


@pytest.mark.parametrize("claim", ["iss", "nbf", "exp", "vct", "vct#integrity", "status", "cnf"])
def test_forbidden_disclosure(claim: str) -> None:
    values = {"iss": ISSUER_DID, "nbf": 1, "exp": 2_000_000_000, "vct": VCT, "vct#integrity": "sha256-x"}
    token = _generic({"vct": VCT, claim: values.get(claim, STATUS)}, [[claim]])
    if claim == "cnf":
        token = issue_sd_jwt(
            {"vct": VCT, "cnf": {"jwk": HOLDER.public_jwk}},
            signer=ISSUER,
            sd_paths=[["cnf"]],
            salt=random_salt,
            header={"typ": "dc+sd-jwt"},
        )
    with _reason("forbidden_disclosure"):
        _verify(token, None)


def test_disclosed_iat_and_sub_are_accepted() -> None:  # §3.2.2.2: MAY be selectively disclosed
    token = _generic({"vct": VCT, "iat": 1, "sub": "s"}, [["iat"], ["sub"]])
    assert set(_verify(token, None).disclosed_paths) == {("iat",), ("sub",)}


@pytest.mark.parametrize("payload", [{"vct": VCT, "iss": 1}, {"vct": VCT, "status": "revoked"}])
def test_malformed_registered_claims(payload: dict[str, Any]) -> None:
    with _reason("malformed"):
        _verify(_generic(payload, []), None)


def test_sd_jwt_rules_still_apply() -> None:
    token = _issue({"sub": "x"}, sd_paths=[["sub"]])
    with _reason("kb_missing"):
        _verify(token)
    with _reason("bad_signature"):
        _verify(token, None, issuer_jwk=HOLDER.public_jwk)
    with _reason("expired"):
        _verify(_issue({"exp": int(NOW.timestamp()) - 3600}), None)
    with _reason("nonce_mismatch"):
        _verify(_present(token, [["sub"]], nonce="other"))
    with _reason("iat_out_of_window"):
        _verify(_present(token, [["sub"]], now=NOW - timedelta(hours=1)))


# --- Recorded SD-JWT VC vectors ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["vc-01", "vc-02", "vc-03-pid", "rfc-arf-pid"])
def test_vectors_verify(case: str) -> None:
    spec = json.loads((SD_JWT / case / "case.json").read_text())
    kb = KeyBindingCheck(SETTINGS["identifiers"]["verifier"], SETTINGS["key_binding_nonce"], None)
    presentation = (SD_JWT / case / "sd_jwt_presentation.txt").read_text().strip()
    verified = _verify(presentation, kb if spec["key_binding"] else None, issuer_jwk=RFC_ISSUER_JWK)
    assert verified.claims == json.loads((SD_JWT / case / "verified_contents.json").read_text())
    assert verified.vct == verified.claims["vct"] and verified.issuer == verified.claims["iss"]


def test_rfc_example_is_not_an_sd_jwt_vc() -> None:
    with _reason("typ_mismatch"):
        _verify((SD_JWT / "rfc-simple" / "sd_jwt_issuance.txt").read_text().strip(), None, issuer_jwk=RFC_ISSUER_JWK)


# --- Type Metadata ----------------------------------------------------------------------------------------


def test_type_metadata_document() -> None:
    display = TypeDisplay(
        "en-US",
        "Betelgeuse Education Credential",
        "An education credential",
        logo_uri="https://betelgeuse.example.com/public/education-logo.png",
        logo_alt_text="logo",
        background_color="#12107c",
        text_color="#FFFFFF",
    )
    claims = [
        ClaimMetadata(("name",), {"en-US": "Name", "de-DE": "Vorname"}, mandatory=True, sd="always"),
        ClaimMetadata(("degrees", None, "type"), {"en-US": "Degree"}),
    ]
    doc = type_metadata(VCT, name="Education", description="dev", display=[display], claims=claims)
    assert doc == {
        "vct": VCT,
        "name": "Education",
        "description": "dev",
        "display": [
            {
                "locale": "en-US",
                "name": "Betelgeuse Education Credential",
                "description": "An education credential",
                "rendering": {
                    "simple": {
                        "logo": {"uri": "https://betelgeuse.example.com/public/education-logo.png", "alt_text": "logo"},
                        "background_color": "#12107c",
                        "text_color": "#FFFFFF",
                    }
                },
            }
        ],
        "claims": [
            {
                "path": ["name"],
                "display": [{"locale": "en-US", "label": "Name"}, {"locale": "de-DE", "label": "Vorname"}],
                "mandatory": True,
                "sd": "always",
            },
            {"path": ["degrees", None, "type"], "display": [{"locale": "en-US", "label": "Degree"}]},
        ],
    }
    assert type_metadata(VCT) == {"vct": VCT}


@pytest.mark.parametrize(
    ("display", "claims"),
    [
        ([], [ClaimMetadata(("a",)), ClaimMetadata(("a",))]),
        ([TypeDisplay("en", "A"), TypeDisplay("en", "B")], []),
        ([], [ClaimMetadata(())]),
    ],
)
def test_type_metadata_rejects(display: list[TypeDisplay], claims: list[ClaimMetadata]) -> None:
    with pytest.raises(ValueError):
        type_metadata(VCT, display=display, claims=claims)


def test_open_badge_type_metadata() -> None:
    doc = open_badge_type_metadata(VCT, sd_paths=[*OPEN_BADGE_SD_PATHS, ("credentialSubject", "source")])
    assert doc["vct"] == VCT and doc["display"] == [
        {"locale": "en-US", "name": "Open Badge", "description": "An Open Badges 3.0 achievement"}
    ]
    by_path = {tuple(c["path"]): c for c in doc["claims"]}
    assert by_path[("name",)] == {"path": ["name"], "display": [{"locale": "en-US", "label": "Badge"}], "sd": "never"}
    assert by_path[("credentialSubject", "result")]["sd"] == "always"
    assert by_path[("credentialSubject", "identifier")] == {"path": ["credentialSubject", "identifier"], "sd": "always"}
    assert by_path[("credentialSubject", "source")]["sd"] == "always"


def test_sri_sha256() -> None:
    assert sri_sha256(b"") == "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
