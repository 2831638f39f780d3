"""A NUL character in an id that reaches the store (PostgreSQL text cannot hold one) is a 4xx protocol error on
memory, SQLite and PostgreSQL alike, never a 500 (``StoreValueError``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from oid4vc.clock import FixedClock
from oid4vc.config import Settings
from oid4vc.crypto.keystore import KeyRing
from oid4vc.store.base import Store
from oid4vc.web.app import create_app
from tests.conftest import ADMIN, ADMIN_TOKEN, AppClient
from tests.web.flow import get_token


async def test_nul_in_ids_is_a_client_error(
    store: Store, aiohttp_client: Callable[..., Awaitable[AppClient]], settings: Settings, clock: FixedClock
) -> None:
    client = await aiohttp_client(create_app(settings, store=store, keys=KeyRing.ephemeral(), clock=clock,
                                             admin_token=ADMIN_TOKEN))
    for path, headers in [
        ("/credential-offer/a%00b", {}),
        ("/credential-offer/a%00b/qr.png", {}),
        ("/presentations/a%00b/request", {}),
        ("/status/token/a%00b", {}),
        ("/admin/offers/a%00b", ADMIN),
        ("/admin/presentations/a%00b", ADMIN),
    ]:
        resp = await client.get(path, headers=headers)
        assert 400 <= resp.status < 500, (path, resp.status, await resp.text())
        assert resp.content_type == "application/json" and "error" in await resp.json(), path
    token, _ = await get_token(client)
    resp = await client.post("/notification", json={"notification_id": "n\x00", "event": "credential_accepted"},
                             headers={"Authorization": f"Bearer {token}"})
    assert resp.status == 400 and (await resp.json())["error"] == "invalid_notification_id"
