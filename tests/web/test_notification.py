"""Notification Endpoint (OpenID4VCI 1.0 §11) end to end: notification_id in every Credential Response, 204 on
success, idempotent repeats, the admin API reflecting the event, and every error code."""

from __future__ import annotations

from typing import Any

import pytest

from oid4vc.clock import FixedClock
from oid4vc.services.events import Event
from oid4vc.web.keys import issuer_key
from tests.conftest import PUBLIC_URL, T0, AppClient
from tests.support.wallet import holder_key, proof_jwt
from tests.web.flow import get_token, nonce
from tests.web.lifecycle import admin_get, credential_id

CONFIG = "OpenBadgeCredential_jwt_vc_json"


async def issued(client: AppClient, proofs: int = 1) -> tuple[str, dict[str, Any]]:
    token, _ = await get_token(client)
    c_nonce = await nonce(client)
    body = {"credential_configuration_id": CONFIG, "proofs": {"jwt": [
        proof_jwt(holder_key(), audience=PUBLIC_URL, nonce=c_nonce, iat=T0.timestamp()) for _ in range(proofs)]}}
    resp = await client.post("/credential", json=body, headers={"Authorization": f"Bearer {token}"})
    assert resp.status == 200, await resp.text()
    return token, dict(await resp.json())


async def notify(client: AppClient, token: str | None, body: Any, **kwargs: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await client.post("/notification", json=body, headers=headers, **kwargs)


async def test_metadata_advertises_the_endpoints(client: AppClient) -> None:
    md = await (await client.get("/.well-known/openid-credential-issuer")).json()
    assert md["notification_endpoint"] == f"{PUBLIC_URL}/notification"
    assert md["deferred_credential_endpoint"] == f"{PUBLIC_URL}/deferred_credential"


async def test_accepted_then_deleted_is_recorded_and_repeats_succeed(client: AppClient, clock: FixedClock) -> None:
    seen: list[Event] = []
    client.app[issuer_key].events.subscribe(seen.append)
    token, response = await issued(client, proofs=2)
    nid = response["notification_id"]
    assert isinstance(nid, str) and len(nid) >= 16  # one per Credential Response, for the whole batch
    ids = [credential_id(c["credential"]) for c in response["credentials"]]
    for _ in range(2):  # §11.1: an identical repeat succeeds
        resp = await notify(client, token, {"notification_id": nid, "event": "credential_accepted", "x": [1]})
        assert resp.status == 204 and not await resp.read() and resp.headers["Cache-Control"] == "no-store"
    for cid in ids:
        view = (await admin_get(client, f"/credentials/{cid}"))[1]
        assert view["notification"] == {"event": "credential_accepted", "at": "2026-11-22T12:00:00Z"}
    offer_id = view["offer_id"]
    assert (await admin_get(client, f"/offers/{offer_id}"))[1]["notification_event"] == "credential_accepted"
    clock.advance(60)
    resp = await notify(client, token, {"notification_id": nid, "event": "credential_deleted",
                                        "event_description": "Deleted by the holder."})
    assert resp.status == 204
    assert (await admin_get(client, f"/offers/{offer_id}"))[1]["notification_event"] == "credential_deleted"
    received = [e for e in seen if e.type == "notification.received"]
    assert [e.data["event"] for e in received] == ["credential_accepted"] * 2 + ["credential_deleted"]
    assert received[-1].data["credential_ids"] == ids and received[-1].subject_id == offer_id
    assert received[-1].data["event_description"] == "Deleted by the holder."


async def test_failure_event(client: AppClient) -> None:
    token, response = await issued(client)
    resp = await notify(client, token, {"notification_id": response["notification_id"], "event": "credential_failure"})
    assert resp.status == 204


@pytest.mark.parametrize(("body", "error"), [
    ({"event": "credential_accepted"}, "invalid_notification_request"),  # notification_id missing
    ({"notification_id": "NID"}, "invalid_notification_request"),  # event missing
    ({"notification_id": "NID", "event": "Credential_Accepted"}, "invalid_notification_request"),  # case-sensitive
    ({"notification_id": "NID", "event": "credential_revoked"}, "invalid_notification_request"),
    ({"notification_id": 7, "event": "credential_accepted"}, "invalid_notification_request"),
    ({"notification_id": "", "event": "credential_accepted"}, "invalid_notification_request"),
    ({"notification_id": "NID", "event": "credential_failure", "event_description": 'say "hi"'},
     "invalid_notification_request"),
    (["NID"], "invalid_notification_request"),
    ({"notification_id": "unknown", "event": "credential_accepted"}, "invalid_notification_id"),
])
async def test_request_errors(client: AppClient, body: Any, error: str) -> None:
    token, response = await issued(client)
    if isinstance(body, dict) and body.get("notification_id") == "NID":
        body = body | {"notification_id": response["notification_id"]}
    resp = await notify(client, token, body)
    assert resp.status == 400 and resp.content_type == "application/json"
    assert (await resp.json())["error"] == error and resp.headers["Cache-Control"] == "no-store"


async def test_body_must_be_json(client: AppClient) -> None:
    token, _ = await issued(client)
    for data, content_type in ((b"{", "application/json"), (b"notification_id=x", "application/x-www-form-urlencoded")):
        resp = await client.post("/notification", data=data, headers={
            "Authorization": f"Bearer {token}", "Content-Type": content_type})
        assert resp.status == 400 and (await resp.json())["error"] == "invalid_notification_request"


async def test_a_notification_id_belongs_to_its_access_token(client: AppClient) -> None:
    _, response = await issued(client)
    other_token, _ = await issued(client)
    resp = await notify(client, other_token, {"notification_id": response["notification_id"],
                                              "event": "credential_accepted"})
    assert resp.status == 400 and (await resp.json())["error"] == "invalid_notification_id"


async def test_token_errors_are_401(client: AppClient, clock: FixedClock) -> None:
    token, response = await issued(client)
    body = {"notification_id": response["notification_id"], "event": "credential_accepted"}
    for bad in (None, "not-a-token"):
        resp = await notify(client, bad, body)
        assert resp.status == 401 and (await resp.json())["error"] == "invalid_token"
        assert resp.headers["WWW-Authenticate"].startswith('Bearer error="invalid_token"')
    clock.advance(301)  # the access token lived 300 s
    assert (await notify(client, token, body)).status == 401
