"""Helpers for the credential lifecycle tests: issue through the app, fetch status lists through the test client,
verify with our verifier, and decode lists with decoders written from the specs (independent of oid4vc.status)."""

from __future__ import annotations

import base64
import gzip
import json
import zlib
from typing import Any

from oid4vc.clock import FixedClock
from oid4vc.crypto.keys import CryptoJwsVerifier, SigningKey
from oid4vc.fetch.base import Fetched, FetchError
from oid4vc.formats.sd_jwt import parse_sd_jwt
from oid4vc.jose import parse_compact_jws
from oid4vc.services.credential_verification import CredentialVerifier, VerifiedCredential
from oid4vc.services.key_resolution import KeyResolver
from oid4vc.services.status_check import StatusListChecker
from tests.conftest import ADMIN, PUBLIC_URL, AppClient
from tests.support.wallet import holder_key
from tests.web.flow import credential_request, get_token


class ClientFetcher:
    """A ``Fetcher`` that serves https://issuer.example/... from the aiohttp test client."""

    def __init__(self, client: AppClient) -> None:
        self.client = client
        self.requests: list[str] = []

    async def get(self, url: str, *, accept: str = "application/json", max_bytes: int | None = None) -> Fetched:
        self.requests.append(url)
        if not url.startswith(PUBLIC_URL):
            raise FetchError(f"{url} is not served by the test app")
        resp = await self.client.get(url.removeprefix(PUBLIC_URL), headers={"Accept": accept})
        if resp.status != 200:
            raise FetchError(f"{url} answered {resp.status}")
        return Fetched(url, resp.status, resp.content_type, await resp.read(), dict(resp.headers))


def verifier(client: AppClient, clock: FixedClock) -> tuple[CredentialVerifier, StatusListChecker]:
    fetcher = ClientFetcher(client)
    keys = KeyResolver(fetcher, clock)
    crypto = CryptoJwsVerifier()
    checker = StatusListChecker(fetcher=fetcher, keys=keys, jws=crypto, raw=crypto, clock=clock)
    return CredentialVerifier(keys=keys, jws=crypto, raw=crypto, clock=clock, status=checker), checker


async def issue(client: AppClient, config_id: str, *, key: SigningKey | None = None, **offer: Any
                ) -> tuple[Any, dict[str, Any]]:
    """One credential of ``config_id``; returns it and the Credential Response."""
    token, _ = await get_token(client, credential_configuration_id=config_id, **offer)
    resp = await credential_request(client, token, key=key or holder_key(), config_id=config_id)
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    return body["credentials"][0]["credential"], body


def claims_of(credential: Any) -> dict[str, Any]:
    """The document a status entry lives in: the VC (ldp_vc), the JWT claims (jwt_vc_json) or the SD-JWT payload."""
    if isinstance(credential, dict):
        return credential
    if "~" in credential:
        return dict(parse_sd_jwt(credential).payload)
    payload = parse_compact_jws(credential).payload
    return dict(payload["vc"]) if isinstance(payload.get("vc"), dict) else dict(payload)


def credential_id(credential: Any) -> str:
    return str(claims_of(credential).get("id") or claims_of(credential).get("jti"))


async def admin_get(client: AppClient, path: str) -> tuple[int, Any]:
    resp = await client.get(f"/admin{path}", headers=ADMIN)
    return resp.status, await resp.json()


async def admin_post(client: AppClient, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    resp = await client.post(f"/admin{path}", headers=ADMIN, **({"json": body} if body is not None else {}))
    return resp.status, await resp.json()


async def verify(client: AppClient, clock: FixedClock, credential: Any) -> VerifiedCredential:
    return await verifier(client, clock)[0].verify(credential)


# -- independent decoders, written from the specs ------------------------------------------------------------


def b64url(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)


def bitstring_bits(encoded_list: str) -> str:
    """Bitstring Status List §3.4: multibase 'u' + base64url (no padding) of GZIP; bit 0 is the left-most bit."""
    assert encoded_list[0] == "u"
    return "".join(format(byte, "08b") for byte in gzip.decompress(b64url(encoded_list[1:])))


def token_values(lst: str, bits: int) -> dict[int, int]:
    """Token Status List §4.1: ZLIB; statuses packed from the least significant bit of each byte."""
    out: dict[int, int] = {}
    for byte_no, byte in enumerate(zlib.decompress(b64url(lst))):
        text = format(byte, "08b")[::-1]
        for k in range(8 // bits):
            value = int(text[k * bits : (k + 1) * bits][::-1], 2)
            if value:
                out[byte_no * 8 // bits + k] = value
    return out


def jws_payload(token: str) -> dict[str, Any]:
    return dict(json.loads(b64url(token.split(".")[1])))


def jws_header(token: str) -> dict[str, Any]:
    return dict(json.loads(b64url(token.split(".")[0])))
