"""Stateless c_nonces through the app (OpenID4VCI 1.0 §7, §8.3.1.2, §13.8): the Nonce Endpoint writes nothing,
forged, tampered, expired and reused c_nonces are ``invalid_nonce``, every worker sharing the admin token accepts
the others' c_nonces, and a new admin token retires the outstanding ones."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from aiohttp import web

from oid4vc.clock import FixedClock
from oid4vc.config import Settings
from oid4vc.crypto.keystore import KeyRing
from oid4vc.encoding import b64url_decode, b64url_encode
from oid4vc.issuance.nonce import check_nonce, issue_nonce, nonce_key
from oid4vc.store.memory import MemoryStore
from oid4vc.web.app import create_app
from tests.conftest import ADMIN_TOKEN, PUBLIC_URL, T0, AppClient
from tests.support.wallet import holder_key, proof_jwt
from tests.web.flow import credential_request, get_token, nonce

CONFIG = "OpenBadgeCredential_jwt_vc_json"


async def _use(client: AppClient, access_token: str, c_nonce: str, *, at: float = T0.timestamp()) -> tuple[int, str]:
    proof = proof_jwt(holder_key(), audience=PUBLIC_URL, nonce=c_nonce, iat=at)
    resp = await credential_request(client, access_token, {"credential_configuration_id": CONFIG,
                                                           "proofs": {"jwt": [proof]}})
    body = await resp.json()
    return int(resp.status), str(body.get("error", "ok"))


async def test_the_nonce_endpoint_writes_nothing(client: AppClient, store: MemoryStore) -> None:
    nonces = {await nonce(client) for _ in range(25)}
    assert len(nonces) == 25
    assert store._nonces == {}  # nothing stored per c_nonce issued
    access_token, _ = await get_token(client)
    used = nonces.pop()
    assert await _use(client, access_token, used) == (200, "ok")
    assert store._nonces == {used: T0 + timedelta(seconds=300)}  # only the used one, until its expiry


async def test_the_c_nonce_is_a_mac_under_the_admin_token_key(client: AppClient) -> None:
    assert check_nonce(nonce_key(ADMIN_TOKEN), await nonce(client), now=T0) == T0 + timedelta(seconds=300)


async def test_forged_and_tampered_nonces_are_invalid_nonce(client: AppClient) -> None:
    access_token, _ = await get_token(client)
    forged = issue_nonce(nonce_key("not-the-admin-token"), random16=bytes(16), expires_at=T0 + timedelta(minutes=5))
    assert await _use(client, access_token, forged) == (400, "invalid_nonce")
    raw = bytearray(b64url_decode(await nonce(client)))
    raw[20] ^= 0x01  # a later (or earlier) expiry
    assert await _use(client, access_token, b64url_encode(bytes(raw))) == (400, "invalid_nonce")
    good = await nonce(client)
    other_spelling = good[:-1] + ("B" if good[-1] == "A" else "A")  # same or different bytes: never accepted
    assert await _use(client, access_token, other_spelling) == (400, "invalid_nonce")
    assert await _use(client, access_token, good) == (200, "ok")  # the refusals used up nothing


async def test_expired_and_reused_nonces_are_invalid_nonce(client: AppClient, clock: FixedClock) -> None:
    c_nonce = await nonce(client)
    clock.advance(200)
    token_a, _ = await get_token(client)
    token_b, _ = await get_token(client)
    clock.advance(100)  # exactly at the c_nonce's expiry
    now = clock.now().timestamp()
    assert await _use(client, token_a, c_nonce, at=now) == (400, "invalid_nonce")
    fresh = await nonce(client)
    assert await _use(client, token_a, fresh, at=now) == (200, "ok")
    assert await _use(client, token_b, fresh, at=now) == (400, "invalid_nonce")  # single use, across tokens


async def test_workers_share_c_nonces_and_a_new_admin_token_retires_them(
    aiohttp_client: Callable[..., Awaitable[AppClient]], settings: Settings, store: MemoryStore, keys: KeyRing,
    clock: FixedClock,
) -> None:
    def worker(admin_token: str) -> web.Application:
        return create_app(settings, store=store, keys=keys, clock=clock, admin_token=admin_token)

    first, second = await aiohttp_client(worker(ADMIN_TOKEN)), await aiohttp_client(worker(ADMIN_TOKEN))
    rotated = await aiohttp_client(worker("a-new-admin-token-9876543210"))
    token_1, _ = await get_token(first)
    token_2, _ = await get_token(first)
    assert await _use(second, token_1, await nonce(first)) == (200, "ok")  # another worker, same key
    outstanding = await nonce(first)
    assert await _use(rotated, token_2, outstanding) == (400, "invalid_nonce")  # §8.3.1.2: the wallet fetches anew
    assert await _use(rotated, token_2, await nonce(rotated)) == (200, "ok")
