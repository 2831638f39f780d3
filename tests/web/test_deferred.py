"""Deferred issuance (OpenID4VCI 1.0 §8.3, §9) end to end: an offer (or a configuration) that requires approval
answers 202 with transaction_id and interval; the deferred endpoint answers 202 until POST /admin/offers/{id}/approve,
then delivers once (signed for the key proven at the original request); every error code."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from oid4vc.clock import FixedClock
from oid4vc.config import Settings
from oid4vc.crypto.keys import SigningKey
from oid4vc.crypto.keystore import KeyRing
from oid4vc.dids.jwk import did_jwk_from_jwk
from oid4vc.services.events import Event
from oid4vc.store.memory import MemoryStore
from oid4vc.web.app import create_app
from oid4vc.web.keys import issuer_key
from tests.conftest import ACHIEVEMENT_SUBJECT, ADMIN_TOKEN, AppClient
from tests.support.wallet import holder_key
from tests.web.flow import credential_request, get_token
from tests.web.lifecycle import admin_get, admin_post, claims_of, verify

CONFIG = "OpenBadgeCredential_jwt_vc_json"
RENAMED = {"achievement": ACHIEVEMENT_SUBJECT["achievement"] | {"name": "Nursing Basics (with honours)"}}


async def deferred(client: AppClient, key: SigningKey | None = None, **offer: Any
                   ) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """Token, created offer and the 202 body of a credential request on an offer that needs approval."""
    token, created = await get_token(client, **({"approval_required": True} | offer))
    assert created["approval_required"] is True and created["approved_at"] is None
    resp = await credential_request(client, token, key=key)
    assert resp.status == 202, await resp.text()
    assert resp.content_type == "application/json" and resp.headers["Cache-Control"] == "no-store"
    return token, created, dict(await resp.json())


async def poll(client: AppClient, token: str | None, body: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await client.post("/deferred_credential", json=body, headers=headers)


async def test_pending_then_approved_then_delivered_once(client: AppClient, clock: FixedClock) -> None:
    seen: list[Event] = []
    client.app[issuer_key].events.subscribe(seen.append)
    key = holder_key()
    token, created, first = await deferred(client, key)
    assert set(first) == {"transaction_id", "interval"} and first["interval"] == 5  # §8.3: no credentials
    assert (await admin_get(client, f"/offers/{created['id']}"))[1]["state"] == "pending"

    clock.advance(3600)  # the wallet may poll long after the 300 s access token lifetime
    resp = await poll(client, token, {"transaction_id": first["transaction_id"]})
    assert resp.status == 202 and await resp.json() == first  # §9.2: the same transaction_id, and interval

    status, approved = await admin_post(client, f"/offers/{created['id']}/approve", {"credential_subject": RENAMED})
    assert status == 200 and approved["approved_at"] and approved["state"] == "pending"

    resp = await poll(client, token, {"transaction_id": first["transaction_id"], "ignored": True})
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    assert set(body) == {"credentials", "notification_id"}
    [item] = body["credentials"]
    vc = claims_of(item["credential"])
    assert vc["credentialSubject"]["id"] == did_jwk_from_jwk(key.public_jwk)  # the key proven at the request
    assert vc["credentialSubject"]["achievement"]["name"] == "Nursing Basics (with honours)"
    assert vc["credentialStatus"]["type"] == "BitstringStatusListEntry"
    assert (await verify(client, clock, item["credential"])).valid

    again = await poll(client, token, {"transaction_id": first["transaction_id"]})  # §9.2: used up
    assert again.status == 400 and (await again.json())["error"] == "invalid_transaction_id"
    notified = await client.post("/notification", json={"notification_id": body["notification_id"],
                                                         "event": "credential_accepted"},
                                 headers={"Authorization": f"Bearer {token}"})
    assert notified.status == 204
    offer = (await admin_get(client, f"/offers/{created['id']}"))[1]
    assert offer["state"] == "issued" and len(offer["credential_ids"]) == 1
    assert offer["notification_event"] == "credential_accepted"
    status, late = await admin_post(client, f"/offers/{created['id']}/approve", {"credential_subject": RENAMED})
    assert status == 409 and "issued" in late["error_description"]  # nothing left to change
    types = [e.type for e in seen]
    assert types.index("credential.deferred") < types.index("offer.approved") < types.index("credential.issued")


async def test_a_deferred_configuration_needs_approval_for_every_offer(
    aiohttp_client: Callable[..., Awaitable[AppClient]], settings: Settings, clock: FixedClock
) -> None:
    configs = dict(settings.credential_configurations)
    configs[CONFIG] = configs[CONFIG].model_copy(update={"deferred": True})
    app = create_app(settings.model_copy(update={"credential_configurations": configs}), store=MemoryStore(),
                     keys=KeyRing.ephemeral(), clock=clock, admin_token=ADMIN_TOKEN)
    client = await aiohttp_client(app)
    token, created = await get_token(client)
    assert created["approval_required"] is True
    assert (await credential_request(client, token)).status == 202


async def test_approval_before_the_request_issues_at_once(client: AppClient) -> None:
    token, created = await get_token(client, approval_required=True)
    assert (await admin_post(client, f"/offers/{created['id']}/approve"))[0] == 200
    resp = await credential_request(client, token)
    assert resp.status == 200 and "notification_id" in await resp.json()


async def test_deferred_endpoint_errors(client: AppClient, clock: FixedClock) -> None:
    token, _, first = await deferred(client)
    other_token, _, other = await deferred(client)
    cases: list[tuple[str | None, Any, int, str]] = [
        (token, {"transaction_id": "unknown"}, 400, "invalid_transaction_id"),
        (other_token, {"transaction_id": first["transaction_id"]}, 400, "invalid_transaction_id"),  # not its token
        (token, {}, 400, "invalid_credential_request"),
        (token, {"transaction_id": 5}, 400, "invalid_credential_request"),
        (token, {"transaction_id": ""}, 400, "invalid_credential_request"),
        (token, ["x"], 400, "invalid_credential_request"),
        (token, {"transaction_id": first["transaction_id"], "credential_response_encryption": {"enc": "A128GCM"}},
         400, "invalid_encryption_parameters"),
        (None, {"transaction_id": first["transaction_id"]}, 401, "invalid_token"),
        ("bogus", {"transaction_id": first["transaction_id"]}, 401, "invalid_token"),
    ]
    for bearer, body, code, error in cases:
        resp = await poll(client, bearer, body)
        assert resp.status == code and (await resp.json())["error"] == error, (body, await resp.text())
        assert resp.headers["Cache-Control"] == "no-store"
    resp = await client.post("/deferred_credential", data=b"{", headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    assert resp.status == 400 and (await resp.json())["error"] == "invalid_credential_request"
    # one delivery per (token, configuration): a second request with the same token is refused
    again = await credential_request(client, token)
    assert again.status == 400 and (await again.json())["error"] == "credential_request_denied"
    # transactions and their kept-alive token end with deferred_expires_in (30 days)
    clock.advance(30 * 24 * 3600)
    assert (await poll(client, token, {"transaction_id": first["transaction_id"]})).status == 401
    assert other["transaction_id"] != first["transaction_id"]


async def test_approve_errors(client: AppClient) -> None:
    _, plain = await get_token(client)
    _, created, _ = await deferred(client)
    cases = [
        ("/offers/nope/approve", None, 404, "not_found"),
        (f"/offers/{plain['id']}/approve", None, 409, "conflict"),  # needs no approval
        (f"/offers/{created['id']}/approve", {"credential_subject": {"achievement": {"id": "x"}}}, 400,
         "invalid_request"),
        (f"/offers/{created['id']}/approve", {"subject": {}}, 400, "invalid_request"),
    ]
    for path, body, code, error in cases:
        status, answer = await admin_post(client, path, body)
        assert status == code and answer["error"] == error, (path, answer)
    assert (await admin_post(client, f"/offers/{created['id']}/approve"))[0] == 200
    first_time = (await admin_get(client, f"/offers/{created['id']}"))[1]["approved_at"]
    status, again = await admin_post(client, f"/offers/{created['id']}/approve")  # idempotent
    assert status == 200 and again["approved_at"] == first_time
