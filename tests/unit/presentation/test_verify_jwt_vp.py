from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from oid4vc.crypto.keys import CryptoJwsVerifier, SigningKey, generate_key
from oid4vc.dids.jwk import did_jwk_from_jwk
from oid4vc.dids.key import did_key_from_jwk
from oid4vc.formats.jwt_vc import JwtVcJson
from oid4vc.jose import JsonObject, Jwk
from oid4vc.presentation.dcql import parse_dcql_query
from oid4vc.presentation.dcql_match import evaluate_dcql
from oid4vc.presentation.errors import InvalidPresentationError
from oid4vc.presentation.verify_jwt_vp import VerifiedJwtVp, verify_jwt_vc, verify_jwt_vp
from tests.support.wallet import unsigned_jwt

VECTORS = Path(__file__).parents[2] / "vectors" / "presentation"
T0 = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
NOW = int(T0.timestamp())
NONCE = "n-0S6_WzA2Mj"
CLIENT_ID = "x509_hash:Uvo3HtuIxuhC92rShpgqcT3YXwrqRxWEviRiA0OZszk"
VERIFIER = CryptoJwsVerifier()
VC1 = "https://www.w3.org/2018/credentials/v1"
VC2 = "https://www.w3.org/ns/credentials/v2"
OB3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"


class Party:
    def __init__(self, kty: str = "EC") -> None:
        self.key = SigningKey(generate_key(kty), kid="k")
        self.did = did_key_from_jwk(self.key.public_jwk)
        self.kid = f"{self.did}#{self.did[8:]}"

    def sign(self, claims: JsonObject, **header: Any) -> str:
        return self.key.sign({"kid": self.kid, "typ": "JWT"} | header, claims)


ISSUER, HOLDER, STRANGER = Party(), Party(), Party()


async def resolve_issuer(header: JsonObject, iss: str) -> Jwk:
    if iss != ISSUER.did:
        raise LookupError("unknown issuer")
    return ISSUER.key.public_jwk


def vc11(subject: str | None = None, **extra: Any) -> JsonObject:
    """A VCDM 1.1 VC-JWT payload shaped like App. B.1.3.1.2 (the spec's example credential)."""
    payload: JsonObject = json.loads((VECTORS / "response" / "jwt_vc_credential_payload.json").read_text())
    payload |= {"iss": ISSUER.did, "sub": subject or HOLDER.did, "nbf": NOW - 3600}
    return payload | extra


def vp11(credentials: list[str], **extra: Any) -> JsonObject:
    """A VP-JWT payload shaped like App. B.1.3.1.5."""
    payload: JsonObject = json.loads((VECTORS / "response" / "jwt_vc_vp_payload.json").read_text())
    payload |= {"iss": HOLDER.did, "aud": CLIENT_ID, "nonce": NONCE, "iat": NOW, "nbf": NOW, "exp": NOW + 600}
    payload["vp"]["verifiableCredential"] = credentials
    return payload | extra


async def verify(vp_jwt: str, **kw: Any) -> VerifiedJwtVp:
    args: dict[str, Any] = {
        "nonce": NONCE,
        "client_id": CLIENT_ID,
        "now": T0,
        "verifier": VERIFIER,
        "resolve_issuer_key": resolve_issuer,
    }
    return await verify_jwt_vp(vp_jwt, **(args | kw))


async def rejected(vp_jwt: str, reason: str, **kw: Any) -> None:
    with pytest.raises(InvalidPresentationError) as info:
        await verify(vp_jwt, **kw)
    assert info.value.reason == reason, info.value.description
    assert info.value.status == 400


# --- happy paths ------------------------------------------------------------------------------------------


async def test_vcdm11_presentation() -> None:
    vp = await verify(HOLDER.sign(vp11([ISSUER.sign(vc11())])))
    assert vp.ok and vp.holder == HOLDER.did
    (credential,) = vp.credentials
    assert credential.signature.ok and credential.validity.ok and credential.holder_binding.ok
    assert credential.issuer == ISSUER.did
    assert credential.credential["credentialSubject"]["id"] == HOLDER.did  # filled in from sub (VCDM 1.1 §6.3.1)
    assert credential.credential["issuer"] == ISSUER.did and credential.credential["issuanceDate"].endswith("Z")
    presented = vp.presented()
    assert presented.format == "jwt_vc_json" and presented.holder_bound
    assert "https://www.w3.org/2018/credentials#VerifiableCredential" in presented.types
    query = parse_dcql_query(json.loads((VECTORS / "dcql" / "dcql_jwt_vc.json").read_text()))
    result = evaluate_dcql(query, {"example_jwt_vc": [presented]})
    assert result.ok
    assert [c.values for c in result.matches[0].claims] == [("Mustermann",), ("Max",)]


async def test_vcdm2_enveloped_open_badge_from_our_issuer_profile() -> None:
    badge = {
        "@context": [VC2, OB3],
        "id": "urn:uuid:4f1a1b1e-1b1e-4f1a-8f1a-1b1e4f1a1b1e",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": ISSUER.did, "type": ["Profile"], "name": "Example University"},
        "validFrom": "2026-01-01T00:00:00Z",
        "validUntil": "2027-01-01T00:00:00Z",
        "credentialSubject": {
            "id": HOLDER.did,
            "type": ["AchievementSubject"],
            "achievement": {"id": "urn:x", "type": ["Achievement"], "name": "Nursing Basics"},
        },
    }
    vc_jwt = ISSUER.sign(JwtVcJson().claims(badge))
    presentation = {
        "@context": [VC2],
        "type": ["VerifiablePresentation"],
        "holder": HOLDER.did,
        "verifiableCredential": [
            {"@context": [VC2], "type": "EnvelopedVerifiableCredential", "id": f"data:application/vc+jwt,{vc_jwt}"}
        ],
        "aud": CLIENT_ID,
        "nonce": NONCE,
        "iat": NOW,
    }
    vp = await verify(HOLDER.sign(presentation, typ="vp+jwt"))
    assert vp.ok
    query = parse_dcql_query(
        {
            "credentials": [
                {
                    "id": "badge",
                    "format": "jwt_vc_json",
                    "meta": {
                        "type_values": [
                            [
                                "https://www.w3.org/2018/credentials#VerifiableCredential",
                                "https://purl.imsglobal.org/spec/vc/ob/vocab.html#OpenBadgeCredential",
                            ]
                        ]
                    },
                    "claims": [{"path": ["credentialSubject", "achievement", "name"]}],
                }
            ]
        }
    )
    result = evaluate_dcql(query, {"badge": [vp.presented()]})
    assert result.ok and result.matches[0].claims[0].values == ("Nursing Basics",)


async def test_holder_by_jwk_header_and_did_jwk_subject() -> None:
    did = did_jwk_from_jwk(HOLDER.key.public_jwk)
    vp_jwt = HOLDER.key.sign(
        {"jwk": HOLDER.key.public_jwk, "kid": "not-a-did"}, vp11([ISSUER.sign(vc11(did))], iss=did)
    )
    vp = await verify(vp_jwt)
    assert vp.ok and vp.holder == did
    # A did:key subject names the same key the did:jwk holder signed with: still bound.
    vp = await verify(HOLDER.key.sign({"jwk": HOLDER.key.public_jwk}, vp11([ISSUER.sign(vc11())], iss=did)))
    assert vp.credentials[0].holder_binding.ok


async def test_holder_binding_by_cnf_jwk() -> None:
    vc = vc11(STRANGER.did, cnf={"jwk": HOLDER.key.public_jwk})
    vp = await verify(HOLDER.sign(vp11([ISSUER.sign(vc)])))
    assert vp.credentials[0].holder_binding.ok


async def test_did_web_holder_through_the_injected_resolver() -> None:
    kid = "did:web:holder.example#k1"

    async def resolve_holder(did_url: str) -> Jwk:
        if did_url != kid:
            raise LookupError(did_url)
        return HOLDER.key.public_jwk

    vp_jwt = HOLDER.key.sign(
        {"kid": kid}, vp11([ISSUER.sign(vc11("did:web:holder.example"))], iss="did:web:holder.example")
    )
    await rejected(vp_jwt, "unresolvable_holder_key")
    vp = await verify(vp_jwt, resolve_holder_key=resolve_holder)
    assert vp.ok and vp.holder == "did:web:holder.example"


# --- presentation-level negatives (cf. the conformance suite's verifier negatives, specs.md §5.5) ---------


async def test_bad_presentation_signature() -> None:
    forged = STRANGER.key.sign({"kid": HOLDER.kid}, vp11([ISSUER.sign(vc11())]))
    await rejected(forged, "bad_signature")


async def test_wrong_nonce() -> None:
    await rejected(HOLDER.sign(vp11([ISSUER.sign(vc11())], nonce="other")), "nonce_mismatch")
    await rejected(
        HOLDER.sign({k: v for k, v in vp11([ISSUER.sign(vc11())]).items() if k != "nonce"}), "nonce_mismatch"
    )


async def test_wrong_aud() -> None:
    vc = ISSUER.sign(vc11())
    await rejected(HOLDER.sign(vp11([vc], aud="x509_hash:other")), "aud_mismatch")
    await rejected(HOLDER.sign(vp11([vc], aud=CLIENT_ID.split(":", 1)[1])), "aud_mismatch")  # prefix is part of it
    await rejected(HOLDER.sign(vp11([vc], aud=[CLIENT_ID, "someone-else"])), "aud_mismatch")
    assert (await verify(HOLDER.sign(vp11([vc], aud=[CLIENT_ID])))).ok


@pytest.mark.parametrize("offset", [-365 * 86400, 365 * 86400, -3600, 600])
async def test_iat_far_past_or_future(offset: int) -> None:
    vp = vp11([ISSUER.sign(vc11())], iat=NOW + offset)
    vp.pop("exp")
    vp.pop("nbf")
    await rejected(HOLDER.sign(vp), "iat_out_of_window")


async def test_iat_inside_window_and_missing() -> None:
    vc = ISSUER.sign(vc11())
    assert (await verify(HOLDER.sign(vp11([vc], iat=NOW - 240)))).ok
    assert (await verify(HOLDER.sign(vp11([vc], iat=NOW + 30)))).ok  # clock skew
    await rejected(HOLDER.sign({k: v for k, v in vp11([vc]).items() if k != "iat"}), "iat_out_of_window")
    await rejected(HOLDER.sign(vp11([vc], iat="now")), "malformed")
    await rejected(HOLDER.sign(vp11([vc], iat=10**400)), "malformed")  # was an OverflowError
    await rejected(HOLDER.sign(vp11([vc], exp=10**400)), "malformed")


async def test_presentation_exp_and_nbf() -> None:
    vc = ISSUER.sign(vc11())
    await rejected(HOLDER.sign(vp11([vc], exp=NOW - 120)), "expired")
    await rejected(HOLDER.sign(vp11([vc], nbf=NOW + 3600)), "not_yet_valid")


async def test_algorithms() -> None:
    vp = vp11([ISSUER.sign(vc11())])
    await rejected(unsigned_jwt({"alg": "none", "kid": HOLDER.kid}, vp), "disallowed_alg")
    await rejected(unsigned_jwt({"alg": "HS256", "kid": HOLDER.kid}, vp, b"x" * 32), "disallowed_alg")
    await rejected(HOLDER.sign(vp), "disallowed_alg", alg_values=frozenset({"EdDSA"}))
    assert (await verify(HOLDER.sign(vp), alg_values=frozenset({"ES256"}))).ok


async def test_holder_must_be_the_signer() -> None:
    vc = ISSUER.sign(vc11())
    await rejected(HOLDER.sign(vp11([vc], iss=STRANGER.did)), "holder_mismatch")
    payload = vp11([vc])
    payload["vp"]["holder"] = STRANGER.did
    await rejected(HOLDER.sign(payload), "holder_mismatch")
    await rejected(HOLDER.key.sign({"kid": "https://holder.example/key"}, vp11([vc])), "unresolvable_holder_key")
    private = HOLDER.key.public_jwk | {"d": "AAAA"}
    await rejected(HOLDER.key.sign({"jwk": private}, vp11([vc])), "unresolvable_holder_key")


async def test_malformed_presentations() -> None:
    await rejected("not.a.jwt", "malformed")
    await rejected(HOLDER.sign(vp11([])), "no_credentials")
    payload = vp11([ISSUER.sign(vc11())])
    payload["vp"]["type"] = ["VerifiableCredential"]
    await rejected(HOLDER.sign(payload), "malformed")
    await rejected(HOLDER.sign(vp11([{"type": "VerifiableCredential", "proof": {}}])), "malformed")  # type: ignore[list-item]
    await rejected(HOLDER.sign(vp11(["data:application/ld+json,{}"])), "malformed")
    await rejected(HOLDER.sign(vp11([ISSUER.sign(vc11())] * 33)), "malformed")


# --- credential-level outcomes --------------------------------------------------------------------------------


async def _credential_failure(vc_jwt: str) -> str | None:
    vp = await verify(HOLDER.sign(vp11([vc_jwt])))
    (credential,) = vp.credentials
    assert not vp.ok and credential.failure is not None
    with pytest.raises(InvalidPresentationError) as info:
        vp.presented()
    assert info.value.reason == credential.failure.reason
    return credential.failure.reason


async def test_credential_signature_corrupted() -> None:
    forged = STRANGER.key.sign({"kid": ISSUER.kid}, vc11())
    assert await _credential_failure(forged) == "credential_bad_signature"


async def test_credential_issuer_key() -> None:
    assert await _credential_failure(STRANGER.sign(vc11(iss=STRANGER.did))) == "unresolvable_issuer_key"
    assert await _credential_failure(STRANGER.sign(vc11())) == "issuer_key_mismatch"  # kid of another DID
    assert await _credential_failure(ISSUER.sign({"vc": {"type": ["VerifiableCredential"]}})) == "credential_malformed"
    assert await _credential_failure("garbage") == "credential_malformed"
    assert await _credential_failure(ISSUER.sign(vc11(), alg="none")) == "credential_disallowed_alg"


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ({"exp": NOW - 3600}, "credential_expired"),
        ({"nbf": NOW + 3600}, "credential_not_yet_valid"),
        ({"exp": "tomorrow"}, "credential_malformed"),
        # not RFC 7519 NumericDates (these were OverflowError / OSError, a 500 at the Response URI)
        ({"exp": 10**400}, "credential_malformed"),
        ({"nbf": -(10**400)}, "credential_malformed"),
        ({"exp": 2**63 - 1}, "credential_malformed"),
    ],
)
async def test_credential_validity_from_jwt_claims(extra: dict[str, Any], reason: str) -> None:
    assert await _credential_failure(ISSUER.sign(vc11(**extra))) == reason


@pytest.mark.parametrize(
    ("member", "value", "reason"),
    [
        ("validUntil", "2026-01-01T00:00:00Z", "credential_expired"),
        ("validFrom", "2027-01-01T00:00:00Z", "credential_not_yet_valid"),
        ("expirationDate", "2026-11-22T11:00:00Z", "credential_expired"),
        ("issuanceDate", "2026-11-22T13:00:00", "credential_not_yet_valid"),
        ("validFrom", "not a date", "credential_malformed"),
    ],
)
async def test_credential_validity_from_vc_members(member: str, value: str, reason: str) -> None:
    payload = vc11()
    payload["vc"][member] = value
    assert await _credential_failure(ISSUER.sign(payload)) == reason


async def test_holder_binding_mismatch() -> None:
    assert await _credential_failure(ISSUER.sign(vc11(STRANGER.did))) == "holder_binding_mismatch"
    no_subject = vc11()
    no_subject.pop("sub")
    assert await _credential_failure(ISSUER.sign(no_subject)) == "holder_binding_mismatch"


async def test_unbound_credential_presented_on_its_own() -> None:
    """require_cryptographic_holder_binding=false: a bare VC-JWT, checked without a holder (App. B.1)."""
    vc = await verify_jwt_vc(
        ISSUER.sign(vc11(STRANGER.did)), now=T0, verifier=VERIFIER, resolve_issuer_key=resolve_issuer
    )
    assert vc.ok and vc.holder_binding.ok
    data = json.loads((VECTORS / "dcql" / "dcql_jwt_vc.json").read_text())
    presented = vc.presented(holder_bound=False)
    assert not evaluate_dcql(parse_dcql_query(data), {"example_jwt_vc": [presented]}).ok
    data["credentials"][0]["require_cryptographic_holder_binding"] = False
    assert evaluate_dcql(parse_dcql_query(data), {"example_jwt_vc": [presented]}).ok
