"""The pre-authorized code flow end to end through create_app (OpenID4VCI 1.0 §4, §6, §7, §8)."""

from __future__ import annotations

import asyncio
from datetime import datetime

from oid4vc.crypto.keys import CryptoJwsVerifier
from oid4vc.dids.jwk import did_jwk_from_jwk
from oid4vc.dids.resolve import resolve_offline
from oid4vc.jose import parse_compact_jws
from tests.conftest import ADMIN, PUBLIC_URL, T0, AppClient
from tests.support.wallet import holder_key, proof_jwt
from tests.web.flow import (
    create_offer,
    credential_request,
    get_token,
    nonce,
    pre_authorized_code,
    resolve_offer,
    token_request,
)


async def test_issuer_metadata(client: AppClient) -> None:
    resp = await client.get("/.well-known/openid-credential-issuer")
    assert resp.status == 200 and resp.content_type == "application/json"
    md = await resp.json()
    assert md["credential_issuer"] == PUBLIC_URL
    assert md["credential_endpoint"] == f"{PUBLIC_URL}/credential"
    assert md["nonce_endpoint"] == f"{PUBLIC_URL}/nonce"
    cfg = md["credential_configurations_supported"]["OpenBadgeCredential_jwt_vc_json"]
    assert cfg["format"] == "jwt_vc_json"
    assert cfg["credential_definition"]["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert cfg["credential_signing_alg_values_supported"] == ["ES256"]
    assert "jwt" in cfg["proof_types_supported"] and cfg["cryptographic_binding_methods_supported"]
    assert "none" not in cfg["proof_types_supported"]["jwt"]["proof_signing_alg_values_supported"]
    assert md["batch_credential_issuance"]["batch_size"] >= 2


async def test_authorization_server_metadata(client: AppClient) -> None:
    md = await (await client.get("/.well-known/oauth-authorization-server")).json()
    assert md["issuer"] == PUBLIC_URL
    assert md["token_endpoint"] == f"{PUBLIC_URL}/token"
    assert md["pre-authorized_grant_anonymous_access_supported"] is True


async def test_full_flow_issues_a_signed_open_badge_bound_to_the_holder(client: AppClient) -> None:
    access_token, created = await get_token(client)
    key = holder_key()
    resp = await credential_request(client, access_token, key=key)
    assert resp.status == 200, await resp.text()
    assert resp.headers["Cache-Control"] == "no-store"
    body = await resp.json()
    [item] = body["credentials"]
    jws = parse_compact_jws(item["credential"])
    # the issuer key comes from the JOSE kid (a did:jwk DID URL), verified independently of the server
    CryptoJwsVerifier().verify(jws.signing_input, jws.signature, alg=jws.header["alg"],
                               jwk=resolve_offline(jws.header["kid"]))
    assert jws.header["alg"] == "ES256" and jws.header["typ"] == "JWT"
    vc = jws.payload
    assert vc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert vc["@context"][:2] == [
        "https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    holder_did = did_jwk_from_jwk(key.public_jwk)
    assert vc["credentialSubject"]["id"] == holder_did == vc["sub"]
    assert vc["iss"] == vc["issuer"]["id"] and vc["jti"] == vc["id"]
    assert vc["nbf"] == int(T0.timestamp())
    assert vc["credentialSubject"]["achievement"]["name"] == "Nursing Basics"
    state = await (await client.get(f"/admin/offers/{created['id']}", headers=ADMIN)).json()
    assert state["state"] == "issued"
    assert state["credential_ids"] == [vc["id"]]


async def test_vcdm11_profile_wraps_the_credential_in_a_vc_claim(client: AppClient) -> None:
    access_token, _ = await get_token(client, credential_configuration_id="OpenBadgeCredential_jwt_vc_json_vcdm11")
    resp = await credential_request(client, access_token, config_id="OpenBadgeCredential_jwt_vc_json_vcdm11")
    assert resp.status == 200, await resp.text()
    payload = parse_compact_jws((await resp.json())["credentials"][0]["credential"]).payload
    assert payload["vc"]["@context"][0] == "https://www.w3.org/2018/credentials/v1"
    assert payload["vc"]["issuanceDate"] == T0.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert payload["sub"] == payload["vc"]["credentialSubject"]["id"]


async def test_kid_with_did_key_binds_that_did(client: AppClient) -> None:
    from oid4vc.dids.key import did_key_from_jwk

    access_token, _ = await get_token(client)
    key = holder_key("OKP")
    did = did_key_from_jwk(key.public_jwk)
    proof = proof_jwt(key, audience=PUBLIC_URL, nonce=await nonce(client), iat=T0.timestamp(),
                      use_kid=f"{did}#{did.removeprefix('did:key:')}")
    resp = await credential_request(client, access_token, {
        "credential_configuration_id": "OpenBadgeCredential_jwt_vc_json", "proofs": {"jwt": [proof]}})
    assert resp.status == 200, await resp.text()
    payload = parse_compact_jws((await resp.json())["credentials"][0]["credential"]).payload
    assert payload["credentialSubject"]["id"] == did


async def test_batch_issues_one_credential_per_key(client: AppClient) -> None:
    access_token, _ = await get_token(client)
    c_nonce = await nonce(client)
    keys = [holder_key() for _ in range(3)]
    proofs = [proof_jwt(k, audience=PUBLIC_URL, nonce=c_nonce, iat=T0.timestamp()) for k in keys]
    resp = await credential_request(client, access_token, {
        "credential_configuration_id": "OpenBadgeCredential_jwt_vc_json", "proofs": {"jwt": proofs}})
    assert resp.status == 200, await resp.text()
    creds = [parse_compact_jws(c["credential"]).payload for c in (await resp.json())["credentials"]]
    assert [c["sub"] for c in creds] == [did_jwk_from_jwk(k.public_jwk) for k in keys]
    assert len({c["jti"] for c in creds}) == 3


async def test_offer_by_value(client: AppClient) -> None:
    created = await create_offer(client, by_reference=False)
    assert created["credential_offer_uri"] is None
    assert "credential_offer=" in created["offer_uri"] and "credential_offer_uri" not in created["offer_uri"]
    offer = await resolve_offer(client, created["offer_uri"])
    assert offer["credential_issuer"] == PUBLIC_URL
    assert (await token_request(client, pre_authorized_code(offer))).status == 200


async def test_offer_by_reference_object_and_uniqueness(client: AppClient) -> None:
    a, b = await create_offer(client), await create_offer(client)
    assert a["credential_offer_uri"] != b["credential_offer_uri"]
    assert a["offer_uri"].startswith("openid-credential-offer://?credential_offer_uri=")
    offer = await resolve_offer(client, a["offer_uri"])
    assert offer["credential_configuration_ids"] == ["OpenBadgeCredential_jwt_vc_json"]
    assert "tx_code" not in offer["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]


async def test_offer_uri_stops_working_after_redemption_and_expiry(client: AppClient, clock: object) -> None:
    created = await create_offer(client)
    offer = await resolve_offer(client, created["offer_uri"])
    assert (await token_request(client, pre_authorized_code(offer))).status == 200
    path = created["credential_offer_uri"].removeprefix(PUBLIC_URL)
    resp = await client.get(path)
    assert resp.status == 404 and (await resp.json())["error"] == "not_found"
    assert (await client.get("/credential-offer/nope")).status == 404


async def test_qr_codes(client: AppClient) -> None:
    created = await create_offer(client)
    png = await client.get(created["qr_png_url"].removeprefix(PUBLIC_URL))
    assert png.status == 200 and png.content_type == "image/png"
    assert (await png.read()).startswith(b"\x89PNG")
    svg = await client.get(created["qr_svg_url"].removeprefix(PUBLIC_URL))
    assert svg.content_type == "image/svg+xml" and b"<svg" in await svg.read()


async def test_nonce_endpoint_is_fresh_and_not_cached(client: AppClient) -> None:
    resp = await client.post("/nonce")
    assert resp.status == 200 and resp.headers["Cache-Control"] == "no-store"
    assert (await resp.json())["c_nonce"] != await nonce(client)


async def test_fifty_concurrent_redemptions_yield_one_token(client: AppClient) -> None:
    created = await create_offer(client)
    code = pre_authorized_code(await resolve_offer(client, created["offer_uri"]))
    responses = await asyncio.gather(*(token_request(client, code) for _ in range(50)))
    statuses = sorted(r.status for r in responses)
    assert statuses == [200] + [400] * 49
    errors = {(await r.json()).get("error") for r in responses if r.status == 400}
    assert errors == {"invalid_grant"}


async def test_expiry_in_admin_state(client: AppClient, clock: object) -> None:
    created = await create_offer(client, expires_in=60)
    clock.advance(61)  # type: ignore[attr-defined]
    state = await (await client.get(f"/admin/offers/{created['id']}", headers=ADMIN)).json()
    assert state["state"] == "expired"
    assert isinstance(datetime.fromisoformat(state["expires_at"].replace("Z", "+00:00")), datetime)
