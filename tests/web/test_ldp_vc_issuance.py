"""ldp_vc issuance over OpenID4VCI (A.1.2): eddsa-rdfc-2022 (VCDM 2.0) and Ed25519Signature2020 (VCDM 1.1),
verified independently of the signer with the Data Integrity verifier and did:key resolution."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from oid4vc.clock import FixedClock
from oid4vc.config import Settings
from oid4vc.crypto.keys import CryptoJwsVerifier
from oid4vc.crypto.keystore import KeyRing
from oid4vc.dids.jwk import did_jwk_from_jwk
from oid4vc.dids.resolve import resolve_offline
from oid4vc.formats.ldp_vc import DataIntegrityError, verify_proof
from oid4vc.store.memory import MemoryStore
from oid4vc.web.app import create_app
from tests.conftest import ADMIN_TOKEN, AppClient
from tests.support.wallet import holder_key
from tests.web.flow import credential_request, get_token


async def _resolve(url: str) -> dict[str, Any]:
    return resolve_offline(url)


async def _issue(client: AppClient, config_id: str) -> tuple[dict[str, Any], str]:
    token, _ = await get_token(client, credential_configuration_id=config_id)
    key = holder_key()
    resp = await credential_request(client, token, key=key, config_id=config_id)
    assert resp.status == 200, await resp.text()
    [item] = (await resp.json())["credentials"]
    return item["credential"], did_jwk_from_jwk(key.public_jwk)


async def test_metadata_for_ldp_vc(client: AppClient) -> None:
    md = await (await client.get("/.well-known/openid-credential-issuer")).json()
    cfg = md["credential_configurations_supported"]["OpenBadgeCredential_ldp_vc"]
    assert cfg["format"] == "ldp_vc"
    assert cfg["credential_definition"]["@context"] == [
        "https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    assert cfg["credential_signing_alg_values_supported"] == ["eddsa-rdfc-2022"]


async def test_eddsa_rdfc_2022_badge(client: AppClient) -> None:
    vc, holder_did = await _issue(client, "OpenBadgeCredential_ldp_vc")
    assert isinstance(vc, dict)
    proof = vc["proof"]
    assert proof["type"] == "DataIntegrityProof" and proof["cryptosuite"] == "eddsa-rdfc-2022"
    assert proof["proofPurpose"] == "assertionMethod"
    assert proof["verificationMethod"].startswith(vc["issuer"]["id"] + "#z6Mk")
    assert vc["credentialSubject"]["id"] == holder_did
    result = await verify_proof(vc, resolve_key=_resolve, verifier=CryptoJwsVerifier(), executor=None)
    assert result.cryptosuite == "eddsa-rdfc-2022"
    tampered = vc | {"credentialSubject": vc["credentialSubject"] | {"id": "did:example:mallory"}}
    with pytest.raises(DataIntegrityError):
        await verify_proof(tampered, resolve_key=_resolve, verifier=CryptoJwsVerifier(), executor=None)


async def test_ed25519_signature_2020_badge(client: AppClient) -> None:
    vc, _ = await _issue(client, "OpenBadgeCredential_ldp_vc_Ed25519Signature2020")
    assert vc["@context"][0] == "https://www.w3.org/2018/credentials/v1"
    assert "https://w3id.org/security/suites/ed25519-2020/v1" in vc["@context"]
    assert vc["proof"]["type"] == "Ed25519Signature2020" and "issuanceDate" in vc
    await verify_proof(vc, resolve_key=_resolve, verifier=CryptoJwsVerifier(), executor=None)


async def test_signing_through_the_process_pool(
    aiohttp_client: Callable[..., Awaitable[AppClient]], settings: Settings, clock: FixedClock
) -> None:
    pooled = settings.model_copy(update={"server": settings.server.model_copy(update={"jsonld_workers": 1})})
    app = create_app(pooled, store=MemoryStore(), keys=KeyRing.ephemeral(), clock=clock, admin_token=ADMIN_TOKEN)
    client = await aiohttp_client(app)
    vc, _ = await _issue(client, "OpenBadgeCredential_ldp_vc")
    await verify_proof(vc, resolve_key=_resolve, verifier=CryptoJwsVerifier(), executor=None)
    assert vc["issuer"]["id"].startswith("did:key:z6Mk")


async def test_undefined_json_ld_term_is_refused_at_offer_time(client: AppClient) -> None:
    from tests.conftest import ACHIEVEMENT_SUBJECT, ADMIN

    subject = ACHIEVEMENT_SUBJECT | {"favouriteColour": "blue"}
    body = {"credential_configuration_id": "OpenBadgeCredential_ldp_vc", "credential_subject": subject}
    resp = await client.post("/admin/offers", json=body, headers=ADMIN)
    assert resp.status == 400
    assert "favouriteColour" in (await resp.json())["error_description"]


async def test_metadata_claims_paths_select_values_in_issued_credentials(client: AppClient) -> None:
    from oid4vc.presentation.claims_path import select

    md = await (await client.get("/.well-known/openid-credential-issuer")).json()
    for config_id in ("OpenBadgeCredential_ldp_vc", "OpenBadgeCredential_jwt_vc_json"):
        claims = md["credential_configurations_supported"][config_id]["credential_metadata"]["claims"]
        assert all(c["display"][0]["name"] for c in claims)
        vc, _ = await _issue(client, config_id)
        if isinstance(vc, str):
            from oid4vc.jose import parse_compact_jws

            vc = parse_compact_jws(vc).payload
        for claim in claims:
            if claim.get("mandatory"):
                assert select(vc, claim["path"]), claim["path"]
