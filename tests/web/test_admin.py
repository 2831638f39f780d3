"""Admin API: bearer auth, offer creation input errors (400 naming the field), offer state."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import ACHIEVEMENT_SUBJECT, ADMIN, AppClient


async def test_admin_requires_the_bearer_token(client: AppClient) -> None:
    body = {"credential_configuration_id": "OpenBadgeCredential_jwt_vc_json", "credential_subject": ACHIEVEMENT_SUBJECT}
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic abc"}):
        resp = await client.post("/admin/offers", json=body, headers=headers)
        assert resp.status == 401
        assert (await resp.json())["error"] == "unauthorized"
    assert (await client.get("/admin/offers/x")).status == 401


async def test_created_offer_shape(client: AppClient) -> None:
    body = {
        "credential_configuration_id": "OpenBadgeCredential_jwt_vc_json",
        "credential_subject": ACHIEVEMENT_SUBJECT,
        "tx_code": True,
        "expires_in": 900,
    }
    resp = await client.post("/admin/offers", json=body, headers=ADMIN)
    assert resp.status == 201
    offer = await resp.json()
    assert set(offer) >= {
        "id",
        "offer_uri",
        "credential_offer_uri",
        "tx_code",
        "expires_at",
        "qr_png_url",
        "qr_svg_url",
    }
    assert resp.headers["Location"] == f"https://issuer.example/admin/offers/{offer['id']}"
    assert offer["expires_at"] == "2026-11-22T12:15:00Z"
    assert offer["state"] == "offered"
    again = await (await client.get(f"/admin/offers/{offer['id']}", headers=ADMIN)).json()
    assert "tx_code" not in again  # the PIN is shown once, at creation


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"credential_configuration_id": "Nope"}, "credential_configuration_id"),
        (
            {
                "credential_subject": {
                    "achievement": {
                        "id": "https://x.example/a",
                        "type": ["Achievement"],
                        "description": "d",
                        "criteria": {"narrative": "n"},
                    }
                }
            },
            "name",
        ),
        ({"credential_subject": {}}, "achievement"),
        ({"tx_code": {"length": 2}}, "tx_code"),
        ({"expires_in": 5}, "expires_in"),
        ({"expires_in": 10**9}, "expires_in"),
        ({"surprise": 1}, "surprise"),
    ],
)
async def test_bad_offer_input_is_400_naming_the_field(client: AppClient, change: dict[str, Any], field: str) -> None:
    body = {"credential_configuration_id": "OpenBadgeCredential_jwt_vc_json", "credential_subject": ACHIEVEMENT_SUBJECT}
    resp = await client.post("/admin/offers", json=body | change, headers=ADMIN)
    assert resp.status == 400
    error = await resp.json()
    assert error["error"] == "invalid_request"
    assert field in error["error_description"]


async def test_unknown_offer_is_404(client: AppClient) -> None:
    resp = await client.get("/admin/offers/nope", headers=ADMIN)
    assert resp.status == 404 and (await resp.json())["error"] == "not_found"


async def test_non_json_is_400(client: AppClient) -> None:
    resp = await client.post("/admin/offers", data="x", headers=ADMIN | {"Content-Type": "text/plain"})
    assert resp.status == 400


async def test_unknown_route_and_method_are_json_errors(client: AppClient) -> None:
    resp = await client.get("/nothing-here")
    assert resp.status == 404 and (await resp.json())["error"] == "not_found"
    resp = await client.get("/token")
    assert resp.status == 405 and (await resp.json())["error"] == "method_not_allowed"
