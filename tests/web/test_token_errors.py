"""Token endpoint errors (OpenID4VCI 1.0 §6.3, RFC 6749 §5.2) and the tx_code rules (§6.1, errata §13.6.3)."""

from __future__ import annotations

import pytest

from oid4vc.clock import FixedClock
from tests.conftest import ADMIN, AppClient
from tests.web.flow import PRE_AUTH, create_offer, pre_authorized_code, resolve_offer, token_request


async def _offer_with_pin(client: AppClient) -> tuple[str, str, str]:
    created = await create_offer(client, tx_code={"length": 6, "input_mode": "numeric", "description": "PIN"})
    assert len(created["tx_code"]) == 6 and created["tx_code"].isdigit()
    offer = await resolve_offer(client, created["offer_uri"])
    assert offer["grants"][PRE_AUTH]["tx_code"] == {"input_mode": "numeric", "length": 6, "description": "PIN"}
    return created["id"], pre_authorized_code(offer), created["tx_code"]


def _wrong(pin: str) -> str:
    return str((int(pin) + 1) % 1_000_000).zfill(6)


async def _error(resp: object) -> tuple[int, str]:
    body = await resp.json()  # type: ignore[attr-defined]
    assert resp.headers["Cache-Control"] == "no-store"  # type: ignore[attr-defined]
    return resp.status, body["error"]  # type: ignore[attr-defined]


async def test_wrong_tx_code_does_not_burn_the_offer(client: AppClient) -> None:
    offer_id, code, pin = await _offer_with_pin(client)
    assert await _error(await token_request(client, code, _wrong(pin))) == (400, "invalid_grant")
    state = await (await client.get(f"/admin/offers/{offer_id}", headers=ADMIN)).json()
    assert state["state"] == "offered" and state["tx_code_attempts"] == 1
    resp = await token_request(client, code, pin)
    assert resp.status == 200
    body = await resp.json()
    assert body["token_type"] == "Bearer" and body["access_token"] and body["expires_in"] > 0


async def test_too_many_wrong_tx_codes_lock_the_offer(client: AppClient) -> None:
    offer_id, code, pin = await _offer_with_pin(client)
    for _ in range(5):
        assert await _error(await token_request(client, code, _wrong(pin))) == (400, "invalid_grant")
    # the 6th try, even with the right PIN, finds the offer locked
    resp = await token_request(client, code, pin)
    status, error = await _error(resp)
    assert (status, error) == (400, "invalid_grant")
    state = await (await client.get(f"/admin/offers/{offer_id}", headers=ADMIN)).json()
    assert state["state"] == "locked"


async def test_missing_tx_code_is_invalid_request_and_counts_nothing(client: AppClient) -> None:
    offer_id, code, pin = await _offer_with_pin(client)
    assert await _error(await token_request(client, code)) == (400, "invalid_request")
    state = await (await client.get(f"/admin/offers/{offer_id}", headers=ADMIN)).json()
    assert state["tx_code_attempts"] == 0
    assert (await token_request(client, code, pin)).status == 200


async def test_unexpected_tx_code_is_invalid_request(client: AppClient) -> None:
    created = await create_offer(client)
    code = pre_authorized_code(await resolve_offer(client, created["offer_uri"]))
    assert await _error(await token_request(client, code, "123456")) == (400, "invalid_request")
    assert (await token_request(client, code)).status == 200


async def test_code_reuse_is_invalid_grant(client: AppClient) -> None:
    created = await create_offer(client)
    code = pre_authorized_code(await resolve_offer(client, created["offer_uri"]))
    assert (await token_request(client, code)).status == 200
    assert await _error(await token_request(client, code)) == (400, "invalid_grant")


async def test_expired_offer_is_invalid_grant(client: AppClient, clock: FixedClock) -> None:
    created = await create_offer(client, expires_in=60)
    code = pre_authorized_code(await resolve_offer(client, created["offer_uri"]))
    clock.advance(61)
    assert await _error(await token_request(client, code)) == (400, "invalid_grant")


async def test_unknown_code_is_invalid_grant(client: AppClient) -> None:
    assert await _error(await token_request(client, "not-a-code")) == (400, "invalid_grant")


async def test_unsupported_grant_type(client: AppClient) -> None:
    resp = await client.post("/token", data={"grant_type": "authorization_code", "code": "x"})
    assert await _error(resp) == (400, "unsupported_grant_type")


async def test_missing_parameters_are_invalid_request(client: AppClient) -> None:
    assert await _error(await client.post("/token", data={"grant_type": PRE_AUTH})) == (400, "invalid_request")
    assert await _error(await client.post("/token", data={})) == (400, "invalid_request")


async def test_json_body_is_invalid_request(client: AppClient) -> None:
    resp = await client.post("/token", json={"grant_type": PRE_AUTH, "pre-authorized_code": "x"})
    assert await _error(resp) == (400, "invalid_request")


async def test_repeated_parameter_is_invalid_request(client: AppClient) -> None:
    resp = await client.post(
        "/token", data="grant_type=a&grant_type=b", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert await _error(resp) == (400, "invalid_request")


async def test_text_tx_code(client: AppClient) -> None:
    created = await create_offer(client, tx_code={"length": 8, "input_mode": "text"})
    assert len(created["tx_code"]) == 8
    code = pre_authorized_code(await resolve_offer(client, created["offer_uri"]))
    assert (await token_request(client, code, created["tx_code"])).status == 200


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"grant_type=\xff\xfe", "application/x-www-form-urlencoded"),  # not UTF-8
        (b"grant_type=%FF", "application/x-www-form-urlencoded"),  # percent-encodes a byte that is not UTF-8
        (b"grant_type=x", "application/x-www-form-urlencoded; charset=no-such-charset"),
        ("&".join(f"p{i}=v" for i in range(101)).encode(), "application/x-www-form-urlencoded"),  # too many fields
    ],
    ids=["raw-bytes", "percent-encoded", "unknown-charset", "too-many-fields"],
)
async def test_undecodable_form_is_invalid_request(client: AppClient, body: bytes, content_type: str) -> None:
    resp = await client.post("/token", data=body, headers={"Content-Type": content_type})
    assert await _error(resp) == (400, "invalid_request")


async def test_form_in_a_declared_charset(client: AppClient) -> None:
    code = pre_authorized_code(await resolve_offer(client, (await create_offer(client))["offer_uri"]))
    body = f"grant_type={PRE_AUTH}&pre-authorized_code={code}".encode("latin-1")
    resp = await client.post("/token", data=body, headers={"Content-Type": "application/x-www-form-urlencoded; "
                                                                        "charset=iso-8859-1"})
    assert resp.status == 200, await resp.text()
