"""Health, readiness, metrics, request ids and events (issue #7 observability)."""

from __future__ import annotations

from oid4vc.services.events import Event
from oid4vc.web.keys import issuer_key
from tests.conftest import AppClient
from tests.web.flow import create_offer, credential_request, get_token, token_request


async def test_health_and_ready(client: AppClient) -> None:
    assert (await (await client.get("/healthz")).json()) == {"status": "ok"}
    resp = await client.get("/readyz")
    assert resp.status == 200 and (await resp.json())["store"] == "ok"


async def test_request_id_is_echoed_and_generated(client: AppClient) -> None:
    resp = await client.get("/healthz", headers={"X-Request-Id": "abc-123"})
    assert resp.headers["X-Request-Id"] == "abc-123"
    resp = await client.get("/healthz", headers={"X-Request-Id": "bad id with spaces"})
    assert resp.headers["X-Request-Id"] != "bad id with spaces" and len(resp.headers["X-Request-Id"]) == 16


async def test_events_for_each_step_carry_the_request_id(client: AppClient) -> None:
    seen: list[Event] = []
    assert client.app is not None
    client.app[issuer_key].events.subscribe(seen.append)
    token, created = await get_token(client)
    assert (await credential_request(client, "wrong")).status == 401
    resp = await client.post("/credential", json={"credential_configuration_id": "x", "proofs": {"jwt": ["x"]}},
                             headers={"Authorization": f"Bearer {token}", "X-Request-Id": "req-42"})
    assert resp.status == 400
    assert (await credential_request(client, token)).status == 200
    types = [e.type for e in seen]
    assert types[:3] == ["offer.created", "offer.fetched", "token.issued"]
    failed = next(e for e in seen if e.type == "credential.failed")
    assert failed.data["error"] == "unknown_credential_configuration" and failed.request_id == "req-42"
    issued = next(e for e in seen if e.type == "credential.issued")
    assert issued.subject_id == created["id"] and issued.data["format"] == "jwt_vc_json"
    assert all(e.request_id != "-" for e in seen)


async def test_metrics_exposition(client: AppClient) -> None:
    token, _ = await get_token(client)
    assert (await credential_request(client, token)).status == 200
    await create_offer(client)
    text = await (await client.get("/metrics")).text()
    assert 'oid4vc_http_requests_total{route="/token",method="POST",status="200"} 1' in text
    assert 'oid4vc_issued_credentials_total{format="jwt_vc_json"} 1' in text
    assert 'oid4vc_http_request_seconds_bucket{route="/credential",le="+Inf"} 1' in text
    assert 'oid4vc_events_total{type="token.issued",error=""} 1' in text


async def test_store_outage_is_503_with_retry_after(client: AppClient) -> None:
    from oid4vc.store.base import StoreUnavailableError

    assert client.app is not None
    store = client.app[issuer_key].store

    async def down(*args: object, **kwargs: object) -> None:
        raise StoreUnavailableError("connection refused")

    store.redeem_pre_authorized_code = down  # type: ignore[method-assign]
    resp = await token_request(client, "some-pre-authorized-code")
    assert resp.status == 503 and resp.headers["Retry-After"] == "2"
    assert (await resp.json())["error"] == "temporarily_unavailable"
    assert (await client.post("/nonce")).status == 200  # c_nonces are stateless: no store involved
    store.get_offer = down  # type: ignore[method-assign]
    assert (await client.get("/readyz")).status == 503
