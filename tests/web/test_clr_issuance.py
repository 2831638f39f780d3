"""CLR 2.0 over OpenID4VCI: a ClrCredential whose nested AchievementCredentials are each signed (eddsa-rdfc-2022),
issued as ldp_vc or jwt_vc_json through the same offer API."""

from __future__ import annotations

from typing import Any

from oid4vc.crypto.keys import CryptoJwsVerifier
from oid4vc.dids.jwk import did_jwk_from_jwk
from oid4vc.dids.resolve import resolve_offline
from oid4vc.formats.ldp_vc import verify_proof
from oid4vc.jose import parse_compact_jws
from oid4vc.ler import summarize, validate_credential
from tests.conftest import ADMIN, AppClient
from tests.support.wallet import holder_key
from tests.web.flow import credential_request, get_token


def _badge(n: int) -> dict[str, Any]:
    return {"achievement": {"id": f"https://example.edu/achievements/{n}", "type": ["Achievement"],
                            "name": f"Course {n}", "description": f"Course {n}", "criteria": {"narrative": "Passed."},
                            "achievementType": "Course"}}


CLR_SUBJECT = {"name": "Transcript 2026", "credential_subjects": [_badge(1), _badge(2)]}


async def _resolve(url: str) -> dict[str, Any]:
    return resolve_offline(url)


async def _issue(client: AppClient, config_id: str) -> tuple[Any, str]:
    token, _ = await get_token(client, credential_configuration_id=config_id, credential_subject=CLR_SUBJECT)
    key = holder_key()
    resp = await credential_request(client, token, key=key, config_id=config_id)
    assert resp.status == 200, await resp.text()
    return (await resp.json())["credentials"][0]["credential"], did_jwk_from_jwk(key.public_jwk)


async def _check_nested(clr: dict[str, Any], holder_did: str) -> None:
    nested = clr["credentialSubject"]["verifiableCredential"]
    assert [vc["credentialSubject"]["achievement"]["name"] for vc in nested] == ["Course 1", "Course 2"]
    for vc in nested:
        assert vc["credentialSubject"]["id"] == holder_did
        await verify_proof(vc, resolve_key=_resolve, verifier=CryptoJwsVerifier(), executor=None)
    assert len({vc["id"] for vc in nested} | {clr["id"]}) == 3


async def test_clr_as_ldp_vc(client: AppClient) -> None:
    clr, holder_did = await _issue(client, "ClrCredential_ldp_vc")
    assert clr["type"] == ["VerifiableCredential", "ClrCredential"] and clr["name"] == "Transcript 2026"
    assert clr["@context"][1] == "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
    await verify_proof(clr, resolve_key=_resolve, verifier=CryptoJwsVerifier(), executor=None)
    await _check_nested(clr, holder_did)
    validate_credential(clr)
    assert [[a.name for a in s.achievements] for s in summarize(clr).credentials] == [["Course 1"], ["Course 2"]]


async def test_clr_as_jwt_vc_json(client: AppClient) -> None:
    jwt, holder_did = await _issue(client, "ClrCredential_jwt_vc_json")
    jws = parse_compact_jws(jwt)
    CryptoJwsVerifier().verify(jws.signing_input, jws.signature, alg="ES256", jwk=resolve_offline(jws.header["kid"]))
    await _check_nested(jws.payload, holder_did)


async def test_bad_nested_badge_is_400_naming_it(client: AppClient) -> None:
    bad = {"credential_subjects": [_badge(1), {"achievement": {"id": "https://x.example/a", "type": ["Achievement"]}}]}
    resp = await client.post("/admin/offers", json={"credential_configuration_id": "ClrCredential_ldp_vc",
                                                    "credential_subject": bad}, headers=ADMIN)
    assert resp.status == 400
    assert "credential_subjects[1]" in (await resp.json())["error_description"]
