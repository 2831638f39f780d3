"""OpenID4VP 1.0 verifier end to end through create_app: our issuer issues, a test wallet presents, the admin API
reports exactly what was proven (§5, §6, §8; App. B), and every negative case is rejected with a reason."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest

from oid4vc.crypto.keys import SigningKey
from oid4vc.dids.jwk import did_jwk_from_jwk
from oid4vc.dids.key import did_key_from_jwk
from tests.conftest import ADMIN, PUBLIC_URL, T0, AppClient
from tests.support.presenter import fetch_request, ldp_vp, post_response, sd_jwt_presentation, vp_jwt
from tests.support.wallet import holder_key, proof_jwt
from tests.web.flow import credential_request, get_token, nonce

OB = "https://purl.imsglobal.org/spec/vc/ob/vocab.html#OpenBadgeCredential"
VC = "https://www.w3.org/2018/credentials#VerifiableCredential"
NAME = ["credentialSubject", "achievement", "name"]


async def issue(
    client: AppClient,
    config_id: str,
    key: SigningKey,
    holder_did: str | None = None,
    subject: dict[str, Any] | None = None,
) -> Any:
    extra = {"credential_subject": subject} if subject else {}
    token, _ = await get_token(client, credential_configuration_id=config_id, **extra)
    kid = None
    if holder_did is not None:
        kid = f"{holder_did}#{holder_did.removeprefix('did:key:')}"
    proof = proof_jwt(key, audience=PUBLIC_URL, nonce=await nonce(client), iat=T0.timestamp(), use_kid=kid)
    resp = await credential_request(
        client, token, {"credential_configuration_id": config_id, "proofs": {"jwt": [proof]}}
    )
    assert resp.status == 200, await resp.text()
    return (await resp.json())["credentials"][0]["credential"]


def dcql(fmt: str, **meta: Any) -> dict[str, Any]:
    if not meta:
        meta = (
            {"vct_values": [f"{PUBLIC_URL}/vct/OpenBadgeCredential"]}
            if fmt == "dc+sd-jwt"
            else {"type_values": [[VC, OB]]}
        )
    return {"credentials": [{"id": "badge", "format": fmt, "meta": meta, "claims": [{"path": NAME}]}]}


async def create(client: AppClient, query: dict[str, Any], **extra: Any) -> dict[str, Any]:
    resp = await client.post("/admin/presentations", json={"dcql_query": query} | extra, headers=ADMIN)
    assert resp.status == 201, await resp.text()
    return dict(await resp.json())


async def status(client: AppClient, pid: str) -> dict[str, Any]:
    return dict(await (await client.get(f"/admin/presentations/{pid}", headers=ADMIN)).json())


@pytest.mark.parametrize("mode", ["direct_post", "direct_post.jwt"])
async def test_sd_jwt_presentation_is_verified_with_exactly_the_disclosed_claims(client: AppClient, mode: str) -> None:
    key = holder_key()
    credential = await issue(client, "OpenBadgeCredential_dc_sd_jwt", key)
    created = await create(client, dcql("dc+sd-jwt"), response_mode=mode)
    assert created["request_uri"].startswith("openid4vp://?client_id=decentralized_identifier%3Adid%3Akey")
    assert created["status"] == "pending"
    request = await fetch_request(client, created["request_uri"])
    assert request["response_mode"] == mode and len(request["nonce"]) >= 22
    assert request["_header"]["kid"].startswith(request["client_id"].removeprefix("decentralized_identifier:"))
    resp = await post_response(client, request, {"badge": [sd_jwt_presentation(credential, key, request)]})
    assert resp.status == 200, await resp.text()
    result = await status(client, created["id"])
    assert result["status"] == "verified", result
    [entry] = result["credentials"]
    assert entry["format"] == "dc+sd-jwt" and entry["query_id"] == "badge"
    assert entry["requested_claims"] == [{"id": None, "path": NAME, "values": ["Nursing Basics"]}]
    assert "result" not in entry["claims"]["credentialSubject"]  # nothing the holder did not disclose
    assert {k: v["outcome"] for k, v in entry["checks"].items()} | {} == {
        "signature": "passed",
        "holder_binding": "passed",
        "validity": "passed",
        "trust": "skipped",
        "schema": "skipped",
        "status": "passed",  # our own Token Status List, read locally (LocalStatusFetcher)
    }
    assert entry["summary"]["achievements"][0]["name"] == "Nursing Basics"


async def test_jwt_vc_json_presentation(client: AppClient) -> None:
    key = holder_key()
    credential = await issue(client, "OpenBadgeCredential_jwt_vc_json", key)
    created = await create(client, dcql("jwt_vc_json"), response_mode="direct_post")
    request = await fetch_request(client, created["request_uri"])
    holder = did_jwk_from_jwk(key.public_jwk)
    resp = await post_response(client, request, {"badge": [vp_jwt(credential, key, holder, request)]})
    assert resp.status == 200, await resp.text()
    result = await status(client, created["id"])
    assert result["status"] == "verified", result
    entry = result["credentials"][0]
    assert entry["holder"] == holder and entry["checks"]["schema"]["outcome"] == "passed"


async def test_ldp_vc_presentation_by_post_request_uri(client: AppClient) -> None:
    key = holder_key("OKP")
    holder = did_key_from_jwk(key.public_jwk)
    credential = await issue(client, "OpenBadgeCredential_ldp_vc", key, holder)
    created = await create(client, dcql("ldp_vc"), request_uri_method="post")
    assert "request_uri_method=post" in created["request_uri"]
    request = await fetch_request(client, created["request_uri"], post=True)
    assert request["wallet_nonce"] == "wn-123"
    resp = await post_response(client, request, {"badge": [await ldp_vp(credential, key, holder, request)]})
    assert resp.status == 200, await resp.text()
    result = await status(client, created["id"])
    assert result["status"] == "verified", result
    assert result["credentials"][0]["holder"] == holder


async def _rejected(client: AppClient, created: dict[str, Any], resp: Any, reason_part: str) -> None:
    assert resp.status == 400, await resp.text()
    assert (await resp.json())["error"] == "invalid_request"
    result = await status(client, created["id"])
    assert result["status"] == "rejected"
    assert reason_part in f"{result['error']} {result.get('error_description')}", result


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"nonce": "another-nonce-value-0123456789"}, "holder_binding"),
        ({"audience": "decentralized_identifier:did:example:other"}, "holder_binding"),
        ({"iat": T0 - timedelta(days=365)}, "holder_binding"),
    ],
)
async def test_sd_jwt_negative_cases(client: AppClient, change: dict[str, Any], reason: str) -> None:
    key = holder_key()
    credential = await issue(client, "OpenBadgeCredential_dc_sd_jwt", key)
    created = await create(client, dcql("dc+sd-jwt"))
    request = await fetch_request(client, created["request_uri"])
    presentation = sd_jwt_presentation(credential, key, request, **change)
    await _rejected(client, created, await post_response(client, request, {"badge": [presentation]}), reason)


async def test_bad_issuer_signature_and_bad_kb_signature(client: AppClient) -> None:
    key = holder_key()
    credential = await issue(client, "OpenBadgeCredential_dc_sd_jwt", key)
    jwt, rest = credential.split("~", 1)
    h, p, sig = jwt.split(".")
    forged = f"{h}.{p}.{sig[:-6]}AAAAAA~{rest}"
    created = await create(client, dcql("dc+sd-jwt"))
    request = await fetch_request(client, created["request_uri"])
    await _rejected(
        client,
        created,
        await post_response(client, request, {"badge": [sd_jwt_presentation(forged, key, request)]}),
        "signature",
    )
    created = await create(client, dcql("dc+sd-jwt"))
    request = await fetch_request(client, created["request_uri"])
    wrong_key = sd_jwt_presentation(credential, holder_key(), request)
    await _rejected(client, created, await post_response(client, request, {"badge": [wrong_key]}), "holder_binding")


async def test_tampered_sd_hash_is_rejected(client: AppClient) -> None:
    from tests.web.test_sd_jwt_issuance import ACHIEVEMENT_WITH_RESULT

    key = holder_key()
    credential = await issue(client, "OpenBadgeCredential_dc_sd_jwt", key, subject=ACHIEVEMENT_WITH_RESULT)
    created = await create(client, dcql("dc+sd-jwt"))
    request = await fetch_request(client, created["request_uri"])
    presentation = sd_jwt_presentation(credential, key, request, [["credentialSubject", "result"]])
    parts = presentation.split("~")
    assert len(parts) >= 3
    without = "~".join([parts[0], *parts[2:]])  # drop a disclosure the KB-JWT's sd_hash covers
    await _rejected(client, created, await post_response(client, request, {"badge": [without]}), "sd_hash")


async def test_presentation_replayed_into_another_request_is_rejected(client: AppClient) -> None:
    key = holder_key()
    credential = await issue(client, "OpenBadgeCredential_dc_sd_jwt", key)
    first = await create(client, dcql("dc+sd-jwt"))
    request = await fetch_request(client, first["request_uri"])
    presentation = sd_jwt_presentation(credential, key, request)
    assert (await post_response(client, request, {"badge": [presentation]})).status == 200
    # the same response again, to the same request: already answered
    again = await post_response(client, request, {"badge": [presentation]})
    assert again.status == 400
    assert (await status(client, first["id"]))["status"] == "verified"
    second = await create(client, dcql("dc+sd-jwt"))
    other = await fetch_request(client, second["request_uri"])
    await _rejected(client, second, await post_response(client, other, {"badge": [presentation]}), "nonce")


async def test_jwt_vp_negative_cases(client: AppClient) -> None:
    key = holder_key()
    credential = await issue(client, "OpenBadgeCredential_jwt_vc_json", key)
    holder = did_jwk_from_jwk(key.public_jwk)
    for kwargs, reason in (
        ({"nonce": "x" * 30}, "nonce"),
        ({"audience": "x509_hash:abc"}, "aud"),
        ({"iat": T0.timestamp() + 86400 * 365}, "iat"),
    ):
        created = await create(client, dcql("jwt_vc_json"))
        request = await fetch_request(client, created["request_uri"])
        vp = vp_jwt(credential, key, holder, request, **kwargs)
        await _rejected(client, created, await post_response(client, request, {"badge": [vp]}), reason)


async def test_missing_required_claim_is_rejected(client: AppClient) -> None:
    key = holder_key()
    credential = await issue(client, "OpenBadgeCredential_dc_sd_jwt", key)
    query = dcql("dc+sd-jwt")
    query["credentials"][0]["claims"] = [{"path": ["credentialSubject", "result"]}]
    created = await create(client, query)
    request = await fetch_request(client, created["request_uri"])
    presentation = sd_jwt_presentation(credential, key, request)  # discloses nothing selectively
    await _rejected(client, created, await post_response(client, request, {"badge": [presentation]}), "unsatisfied")


async def test_wallet_error_response(client: AppClient) -> None:
    created = await create(client, dcql("dc+sd-jwt"))
    request = await fetch_request(client, created["request_uri"])
    path = request["response_uri"].removeprefix(PUBLIC_URL)
    resp = await client.post(path, data={"error": "access_denied", "state": request["state"]})
    assert resp.status == 200
    result = await status(client, created["id"])
    assert result["status"] == "rejected" and result["error"] == "access_denied"


async def test_plaintext_answer_to_an_encrypted_request_and_bad_dcql(client: AppClient) -> None:
    created = await create(client, dcql("dc+sd-jwt"), response_mode="direct_post.jwt")
    request = await fetch_request(client, created["request_uri"])
    path = request["response_uri"].removeprefix(PUBLIC_URL)
    resp = await client.post(path, data={"vp_token": '{"badge": ["x"]}', "state": request["state"]})
    assert resp.status == 400
    bad = await client.post("/admin/presentations", json={"dcql_query": {"credentials": []}}, headers=ADMIN)
    assert bad.status == 400 and "dcql_query" in (await bad.json())["error_description"]
    bad = await client.post(
        "/admin/presentations", json={"dcql_query": dcql("mso_mdoc", doctype_value="x")}, headers=ADMIN
    )
    assert bad.status == 400


async def test_expiry_long_poll_and_events(client: AppClient, clock: Any) -> None:
    created = await create(client, dcql("dc+sd-jwt"), expires_in=60)
    resp = await client.get(f"/admin/presentations/{created['id']}?wait=0.3", headers=ADMIN)
    assert (await resp.json())["status"] == "pending"
    clock.advance(61)
    assert (await status(client, created["id"]))["status"] == "expired"
    resp = await client.get(f"/admin/presentations/{created['id']}/events", headers=ADMIN)
    assert resp.content_type == "text/event-stream"
    text = await resp.text()
    assert text.startswith("event: status\ndata: ") and '"status": "expired"' in text
    request_path = f"/presentations/{created['id']}/request"
    assert (await client.get(request_path)).status == 404
    assert (await client.get("/admin/presentations/nope", headers=ADMIN)).status == 404


async def test_open_badge_preset_with_issuer_list_and_age(client: AppClient, clock: Any) -> None:
    key = holder_key()
    credential = await issue(client, "OpenBadgeCredential_dc_sd_jwt", key)
    md = await (await client.get("/.well-known/openid-credential-issuer")).json()
    assert md  # the issuer DID is the credential's iss
    from oid4vc.formats.sd_jwt import parse_sd_jwt

    issuer = parse_sd_jwt(credential).payload["iss"]
    preset = {
        "preset": "open_badge",
        "achievement_name": "Nursing Basics",
        "issuers": [issuer],
        "max_age_days": 30,
        "formats": ["dc+sd-jwt"],
    }
    resp = await client.post("/admin/presentations", json={"preset": preset}, headers=ADMIN)
    assert resp.status == 201, await resp.text()
    created = await resp.json()
    assert created["dcql_query"]["credentials"][0]["claims"][0]["values"] == ["Nursing Basics"]
    request = await fetch_request(client, created["request_uri"])
    presentation = sd_jwt_presentation(credential, key, request)
    qid = request["dcql_query"]["credentials"][0]["id"]
    assert (await post_response(client, request, {qid: [presentation]})).status == 200
    entry = (await status(client, created["id"]))["credentials"][0]
    assert entry["checks"]["trust"]["outcome"] == "passed" and entry["checks"]["age"]["outcome"] == "passed"
    # another issuer list, and a badge that does not match the name
    preset |= {"issuers": ["did:web:other.example"]}
    created = await (await client.post("/admin/presentations", json={"preset": preset}, headers=ADMIN)).json()
    request = await fetch_request(client, created["request_uri"])
    resp = await post_response(client, request, {qid: [sd_jwt_presentation(credential, key, request)]})
    await _rejected(client, created, resp, "trust")
    preset |= {"issuers": [issuer], "achievement_name": "Welding"}
    created = await (await client.post("/admin/presentations", json={"preset": preset}, headers=ADMIN)).json()
    request = await fetch_request(client, created["request_uri"])
    resp = await post_response(client, request, {qid: [sd_jwt_presentation(credential, key, request)]})
    await _rejected(client, created, resp, "unsatisfied")
    bad = await client.post(
        "/admin/presentations", json={"preset": {"preset": "open_badge", "max_age_days": 0}}, headers=ADMIN
    )
    assert bad.status == 400


async def test_unresolvable_issuer_key_is_a_rejection_not_a_500(client: AppClient) -> None:
    """Regression (found by the conformance suite): a VC-JWT whose issuer DID cannot be resolved is refused."""
    issuer = holder_key()
    did = "did:web:unresolvable.invalid"
    holder = holder_key()
    holder_did = did_jwk_from_jwk(holder.public_jwk)
    vc = {"@context": ["https://www.w3.org/ns/credentials/v2",
                       "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
          "type": ["VerifiableCredential", "OpenBadgeCredential"], "issuer": {"id": did, "type": ["Profile"]},
          "credentialSubject": {"id": holder_did}, "iss": did, "sub": holder_did, "id": "urn:uuid:x"}
    credential = issuer.sign({"typ": "JWT", "kid": f"{did}#k1"}, vc)
    created = await create(client, dcql("jwt_vc_json"))
    request = await fetch_request(client, created["request_uri"])
    resp = await post_response(client, request, {"badge": [vp_jwt(credential, holder, holder_did, request)]})
    await _rejected(client, created, resp, "")


async def test_undecodable_response_form_is_invalid_request_and_leaves_the_request_pending(client: AppClient) -> None:
    created = await create(client, dcql("dc+sd-jwt"))
    request = await fetch_request(client, created["request_uri"])
    resp = await client.post(urlsplit(request["response_uri"]).path, data=b"vp_token=\xff&state=x",
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert resp.status == 400 and (await resp.json())["error"] == "invalid_request"
    assert (await status(client, created["id"]))["status"] == "pending"
