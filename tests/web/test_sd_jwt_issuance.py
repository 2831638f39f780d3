"""dc+sd-jwt issuance over OpenID4VCI (A.3): SD-JWT VC with cnf.jwk holder binding, disclosures, Type Metadata."""

from __future__ import annotations

from oid4vc.crypto.keys import CryptoJwsVerifier
from oid4vc.dids.resolve import resolve_offline
from oid4vc.formats.sd_jwt import parse_sd_jwt
from oid4vc.formats.sd_jwt_vc import verify_sd_jwt_vc
from tests.conftest import PUBLIC_URL, T0, AppClient
from tests.support.wallet import holder_key, proof_jwt
from tests.web.flow import credential_request, get_token, nonce

CONFIG = "OpenBadgeCredential_dc_sd_jwt"
ACHIEVEMENT_WITH_RESULT = {
    "achievement": {
        "id": "https://example.edu/achievements/nursing-101", "type": ["Achievement"], "name": "Nursing Basics",
        "description": "Foundations of patient care.", "criteria": {"narrative": "Completed the practicum."},
    },
    "result": [{"type": ["Result"], "value": "A"}],
}


async def test_metadata_and_type_metadata(client: AppClient) -> None:
    md = await (await client.get("/.well-known/openid-credential-issuer")).json()
    cfg = md["credential_configurations_supported"][CONFIG]
    assert cfg["format"] == "dc+sd-jwt" and cfg["vct"] == f"{PUBLIC_URL}/vct/OpenBadgeCredential"
    resp = await client.get("/vct/OpenBadgeCredential")
    assert resp.status == 200
    meta = await resp.json()
    assert meta["vct"] == cfg["vct"] and meta["claims"]
    assert (await client.get("/vct/Unknown")).status == 404


async def test_issued_sd_jwt_vc_verifies_and_binds_the_holder(client: AppClient) -> None:
    token, _ = await get_token(client, credential_configuration_id=CONFIG, credential_subject=ACHIEVEMENT_WITH_RESULT)
    key = holder_key()
    resp = await credential_request(client, token, key=key, config_id=CONFIG)
    assert resp.status == 200, await resp.text()
    sd_jwt = (await resp.json())["credentials"][0]["credential"]
    parsed = parse_sd_jwt(sd_jwt)
    assert parsed.header["typ"] == "dc+sd-jwt"
    issuer_jwk = resolve_offline(parsed.header["kid"])
    verified = verify_sd_jwt_vc(parsed, issuer_jwk=issuer_jwk, verifier=CryptoJwsVerifier(), now=T0, key_binding=None)
    assert verified.vct == f"{PUBLIC_URL}/vct/OpenBadgeCredential"
    assert verified.holder_jwk == key.public_jwk
    assert verified.issuer == parsed.header["kid"].split("#")[0]
    assert verified.claims["credentialSubject"]["achievement"]["name"] == "Nursing Basics"
    assert verified.claims["credentialSubject"]["result"][0]["value"] == "A"  # disclosed by default issuance
    assert ("credentialSubject", "result") in verified.disclosed_paths
    assert "result" not in parsed.payload["credentialSubject"]  # hidden behind a digest in the signed payload


async def test_batch_copies_are_unlinkable(client: AppClient) -> None:
    token, _ = await get_token(client, credential_configuration_id=CONFIG, credential_subject=ACHIEVEMENT_WITH_RESULT)
    c_nonce = await nonce(client)
    proofs = [proof_jwt(holder_key(), audience=PUBLIC_URL, nonce=c_nonce, iat=T0.timestamp()) for _ in range(2)]
    resp = await credential_request(client, token, {"credential_configuration_id": CONFIG, "proofs": {"jwt": proofs}})
    a, b = [parse_sd_jwt(c["credential"]) for c in (await resp.json())["credentials"]]
    assert a.payload["cnf"] != b.payload["cnf"]
    assert {d.salt for d in a.disclosures}.isdisjoint({d.salt for d in b.disclosures})
    assert a.payload["jti"] != b.payload["jti"]
