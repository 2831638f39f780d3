"""Helpers that walk the pre-authorized code flow through the test client."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from oid4vc.crypto.keys import SigningKey
from tests.conftest import ACHIEVEMENT_SUBJECT, ADMIN, PUBLIC_URL, T0, AppClient
from tests.support.wallet import holder_key, proof_jwt

PRE_AUTH = "urn:ietf:params:oauth:grant-type:pre-authorized_code"


async def create_offer(client: AppClient, **overrides: Any) -> dict[str, Any]:
    body = {"credential_configuration_id": "OpenBadgeCredential_jwt_vc_json", "credential_subject": ACHIEVEMENT_SUBJECT}
    body |= overrides
    resp = await client.post("/admin/offers", json=body, headers=ADMIN)
    assert resp.status == 201, await resp.text()
    return dict(await resp.json())


async def resolve_offer(client: AppClient, offer_uri: str) -> dict[str, Any]:
    query = parse_qs(urlsplit(offer_uri).query)
    if "credential_offer_uri" in query:
        path = urlsplit(query["credential_offer_uri"][0]).path
        resp = await client.get(path)
        assert resp.status == 200
        assert resp.content_type == "application/json"
        return dict(await resp.json())
    import json

    return dict(json.loads(query["credential_offer"][0]))


def pre_authorized_code(offer: dict[str, Any]) -> str:
    return str(offer["grants"][PRE_AUTH]["pre-authorized_code"])


async def token_request(client: AppClient, code: str, tx_code: str | None = None) -> Any:
    form = {"grant_type": PRE_AUTH, "pre-authorized_code": code}
    if tx_code is not None:
        form["tx_code"] = tx_code
    return await client.post("/token", data=form)


async def get_token(client: AppClient, **offer_overrides: Any) -> tuple[str, dict[str, Any]]:
    created = await create_offer(client, **offer_overrides)
    offer = await resolve_offer(client, created["offer_uri"])
    resp = await token_request(client, pre_authorized_code(offer), created.get("tx_code"))
    assert resp.status == 200, await resp.text()
    return str((await resp.json())["access_token"]), created


async def nonce(client: AppClient) -> str:
    resp = await client.post("/nonce")
    assert resp.status == 200
    return str((await resp.json())["c_nonce"])


async def credential_request(
    client: AppClient, access_token: str, body: dict[str, Any] | None = None, *, key: SigningKey | None = None,
    config_id: str = "OpenBadgeCredential_jwt_vc_json",
) -> Any:
    if body is None:
        proof = proof_jwt(key or holder_key(), audience=PUBLIC_URL, nonce=await nonce(client), iat=T0.timestamp())
        body = {"credential_configuration_id": config_id, "proofs": {"jwt": [proof]}}
    return await client.post("/credential", json=body, headers={"Authorization": f"Bearer {access_token}"})
