"""Client Identifier Prefixes (OpenID4VP 1.0 §5.9.3): x509_san_dns and x509_hash requests signed with the leaf of
x5c, redirect_uri requests unsigned and by value; each answered end to end."""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from cryptography import x509

from oid4vc.clock import FixedClock
from oid4vc.config import Settings
from oid4vc.crypto.keys import CryptoJwsVerifier
from oid4vc.crypto.keystore import KeyRing
from oid4vc.encoding import b64url_encode
from oid4vc.jose import parse_compact_jws
from oid4vc.store.memory import MemoryStore
from oid4vc.web.app import create_app
from tests.conftest import ADMIN_TOKEN, AppClient
from tests.support.presenter import fetch_request, post_response, sd_jwt_presentation
from tests.support.wallet import holder_key
from tests.web.test_verifier import create, dcql, issue, status


def _with_prefix(settings: Settings, prefix: str) -> Settings:
    return settings.model_copy(update={"verifier": settings.verifier.model_copy(update={"client_id_prefix": prefix})})


async def _client(
    aiohttp_client: Callable[..., Awaitable[AppClient]], settings: Settings, clock: FixedClock, prefix: str
) -> AppClient:
    app = create_app(
        _with_prefix(settings, prefix),
        store=MemoryStore(),
        keys=KeyRing.ephemeral(),
        clock=clock,
        admin_token=ADMIN_TOKEN,
    )
    return await aiohttp_client(app)


def _leaf_jwk(x5c: list[str]) -> dict[str, Any]:
    numbers = x509.load_der_x509_certificate(base64.b64decode(x5c[0])).public_key().public_numbers()  # type: ignore[union-attr]
    return {
        "kty": "EC",
        "crv": "P-256",
        "x": b64url_encode(numbers.x.to_bytes(32, "big")),
        "y": b64url_encode(numbers.y.to_bytes(32, "big")),
    }


@pytest.mark.parametrize("prefix", ["x509_san_dns", "x509_hash"])
async def test_x509_prefixes(
    aiohttp_client: Callable[..., Awaitable[AppClient]], settings: Settings, clock: FixedClock, prefix: str
) -> None:
    client = await _client(aiohttp_client, settings, clock, prefix)
    key = holder_key()
    credential = await issue(client, "OpenBadgeCredential_dc_sd_jwt", key)
    created = await create(client, dcql("dc+sd-jwt"))
    request = await fetch_request(client, created["request_uri"])
    assert request["client_id"].startswith(f"{prefix}:")
    x5c = request["_header"]["x5c"]
    if prefix == "x509_san_dns":
        assert request["client_id"] == "x509_san_dns:issuer.example"
    # the request object verifies with the leaf certificate's key
    path = created["request_uri"].split("request_uri=")[1]
    from urllib.parse import unquote, urlsplit

    raw = await (await client.get(urlsplit(unquote(path)).path)).text()
    jws = parse_compact_jws(raw)
    CryptoJwsVerifier().verify(jws.signing_input, jws.signature, alg="ES256", jwk=_leaf_jwk(x5c))
    resp = await post_response(client, request, {"badge": [sd_jwt_presentation(credential, key, request)]})
    assert resp.status == 200, await resp.text()
    assert (await status(client, created["id"]))["status"] == "verified"


async def test_redirect_uri_prefix_is_unsigned_and_by_value(
    aiohttp_client: Callable[..., Awaitable[AppClient]], settings: Settings, clock: FixedClock
) -> None:
    client = await _client(aiohttp_client, settings, clock, "redirect_uri")
    key = holder_key()
    credential = await issue(client, "OpenBadgeCredential_dc_sd_jwt", key)
    created = await create(client, dcql("dc+sd-jwt"), response_mode="direct_post")
    assert "request_uri=" not in created["request_uri"] and "dcql_query=" in created["request_uri"]
    request = await fetch_request(client, created["request_uri"])
    assert request["client_id"] == f"redirect_uri:{request['response_uri']}"
    assert (await client.get(f"/presentations/{created['id']}/request")).status == 404
    resp = await post_response(client, request, {"badge": [sd_jwt_presentation(credential, key, request)]})
    assert resp.status == 200, await resp.text()
    assert (await status(client, created["id"]))["status"] == "verified"


async def test_same_device_redirect_with_response_code(
    aiohttp_client: Callable[..., Awaitable[AppClient]], settings: Settings, clock: FixedClock
) -> None:
    template = "https://hr.example/done?response_code={response_code}"
    changed = settings.model_copy(
        update={"verifier": settings.verifier.model_copy(update={"redirect_uri_template": template})}
    )
    app = create_app(changed, store=MemoryStore(), keys=KeyRing.ephemeral(), clock=clock, admin_token=ADMIN_TOKEN)
    client = await aiohttp_client(app)
    key = holder_key()
    credential = await issue(client, "OpenBadgeCredential_dc_sd_jwt", key)
    created = await create(client, dcql("dc+sd-jwt"))
    request = await fetch_request(client, created["request_uri"])
    resp = await post_response(client, request, {"badge": [sd_jwt_presentation(credential, key, request)]})
    redirect = (await resp.json())["redirect_uri"]
    assert redirect.startswith("https://hr.example/done?response_code=")
    code = redirect.split("=", 1)[1]
    result = await client.get(f"/presentations/{created['id']}/result", params={"response_code": code})
    assert result.status == 200 and (await result.json())["status"] == "verified"
    wrong = await client.get(f"/presentations/{created['id']}/result", params={"response_code": "nope"})
    assert wrong.status == 404
