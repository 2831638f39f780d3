"""Operator API for issued credentials: view, list by offer, revoke / suspend / reinstate with an audit trail, and
every refusal as a JSON error with its status."""

from __future__ import annotations

import hashlib

from oid4vc.jose import jwk_thumbprint
from oid4vc.services.events import Event
from oid4vc.web.keys import issuer_key
from tests.conftest import ADMIN_TOKEN, AppClient
from tests.support.wallet import holder_key
from tests.web.lifecycle import admin_get, admin_post, claims_of, credential_id, issue

ACTOR = "admin:" + hashlib.sha256(ADMIN_TOKEN.encode()).hexdigest()[:12]


async def test_credential_view_and_listing_by_offer(client: AppClient) -> None:
    key = holder_key()
    credential, _ = await issue(client, "OpenBadgeCredential_dc_sd_jwt", key=key)
    cid = credential_id(credential)
    status, view = await admin_get(client, f"/credentials/{cid}")
    assert status == 200
    assert view["id"] == cid and view["state"] == "valid" and view["format"] == "dc+sd-jwt"
    assert view["credential_configuration_id"] == "OpenBadgeCredential_dc_sd_jwt"
    assert view["holder_jkt"] == jwk_thumbprint(key.public_jwk)
    assert view["status"]["kind"] == "token" and view["status"]["entry"] == claims_of(credential)["status"]
    assert view["notification"] is None and view["history"] == []
    offer_id = view["offer_id"]
    status, listed = await admin_get(client, f"/offers/{offer_id}/credentials")
    assert status == 200 and [c["id"] for c in listed["credentials"]] == [cid]
    status, offer = await admin_get(client, f"/offers/{offer_id}")
    assert offer["credential_ids"] == [cid] and offer["credentials_url"] == f"https://issuer.example/admin/offers/{offer_id}/credentials"
    assert set(view) == {"id", "state", "format", "credential_configuration_id", "offer_id", "holder_jkt", "issued_at",
                         "status", "notification", "history"}  # what revocation needs; never the credential body


async def test_changes_are_audited_and_emitted(client: AppClient) -> None:
    seen: list[Event] = []
    client.app[issuer_key].events.subscribe(seen.append)
    credential, _ = await issue(client, "OpenBadgeCredential_dc_sd_jwt")
    cid = credential_id(credential)
    assert (await admin_post(client, f"/credentials/{cid}/suspend", {"reason": "under review"}))[0] == 200
    assert (await admin_post(client, f"/credentials/{cid}/reinstate"))[0] == 200
    status, view = await admin_post(client, f"/credentials/{cid}/revoke", {"reason": "issued in error"})
    assert status == 200 and view["state"] == "revoked"
    assert [(h["action"], h["from"], h["to"], h["reason"]) for h in view["history"]] == [
        ("suspend", "valid", "suspended", "under review"),
        ("reinstate", "suspended", "valid", None),
        ("revoke", "valid", "revoked", "issued in error"),
    ]
    assert {h["actor"] for h in view["history"]} == {ACTOR} and all(h["at"] for h in view["history"])
    assert [e.type for e in seen if e.type.startswith("credential.") and e.type != "credential.issued"] == [
        "credential.suspended", "credential.reinstated", "credential.revoked"]
    assert seen[-1].data["actor"] == ACTOR and seen[-1].data["reason"] == "issued in error"


async def test_refusals(client: AppClient) -> None:
    ldp, _ = await issue(client, "OpenBadgeCredential_ldp_vc")
    sd, _ = await issue(client, "OpenBadgeCredential_dc_sd_jwt")
    ldp_id, sd_id = credential_id(ldp), credential_id(sd)
    cases = [
        (f"/credentials/{ldp_id}/suspend", None, 409, "revocation only"),  # one credentialStatus: revocation
        (f"/credentials/{sd_id}/reinstate", None, 409, "current state"),  # only from suspension
        ("/credentials/urn:uuid:nope/revoke", None, 404, "no such credential"),
        (f"/credentials/{sd_id}/revoke", {"reason": "x" * 501}, 400, "reason"),
        (f"/credentials/{sd_id}/revoke", {"why": "?"}, 400, "why"),
    ]
    for path, body, code, text in cases:
        status, answer = await admin_post(client, path, body)
        assert status == code and text in answer["error_description"], (path, answer)
    resp = await client.post(f"/admin/credentials/{sd_id}/revoke", data=b"{", headers={
        "Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/json"})
    assert resp.status == 400 and (await resp.json())["error"] == "invalid_request"
    resp = await client.post(f"/admin/credentials/{sd_id}/revoke")
    assert resp.status == 401 and resp.headers["Cache-Control"] == "no-store"
    assert (await admin_get(client, "/credentials/urn:uuid:nope"))[0] == 404
    assert (await admin_get(client, "/offers/nope/credentials"))[0] == 404
    assert (await admin_post(client, f"/credentials/{sd_id}/revoke"))[0] == 200
    status, answer = await admin_post(client, f"/credentials/{sd_id}/revoke")
    assert status == 409 and answer["error"] == "conflict"  # final, and not silently repeated
