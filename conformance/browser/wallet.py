"""A minimal Python wallet over real HTTP for the browser tests: receives a credential through the
pre-authorized code flow (OpenID4VCI 1.0 §4.1.3 offer by reference, §6 token with ``tx_code``, §7 nonce, §8
credential with a ``jwt`` proof per App. F.1) and presents it (OpenID4VP 1.0 §5.10 request by reference,
App. B.3 VP-JWT over ``jwt_vc_json``, §8.2 ``direct_post`` / §8.3 ``direct_post.jwt``).

It plays the person's phone while a browser shows the page; it checks nothing the server's own tests check.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp

from oid4vc.crypto.jwcrypto import encrypt_for_test
from oid4vc.crypto.keys import SigningKey, generate_key
from oid4vc.dids.jwk import did_jwk_from_jwk
from oid4vc.encoding import b64url_encode
from oid4vc.jose import encode_segment, parse_compact_jws

__all__ = ["PRE_AUTH", "Wallet"]

PRE_AUTH = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
JsonObject = dict[str, Any]


def _query(link: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}


async def _json(resp: aiohttp.ClientResponse, expected: int = 200) -> JsonObject:
    body = await resp.text()
    if resp.status != expected:
        raise AssertionError(f"{resp.method} {resp.url} -> {resp.status}: {body[:500]}")
    return dict(json.loads(body)) if body else {}


@dataclass
class Wallet:
    session: aiohttp.ClientSession
    key: SigningKey = field(default_factory=lambda: SigningKey(generate_key("EC"), kid="holder"))

    @property
    def did(self) -> str:
        return did_jwk_from_jwk(self.key.public_jwk)

    # -- OpenID4VCI ----------------------------------------------------------------------------------------

    async def resolve_offer(self, offer_uri: str) -> JsonObject:
        query = _query(offer_uri)
        if "credential_offer" in query:
            return dict(json.loads(query["credential_offer"]))
        async with self.session.get(query["credential_offer_uri"]) as resp:
            return await _json(resp)

    async def token(self, offer: JsonObject, tx_code: str | None) -> JsonObject:
        grant = offer["grants"][PRE_AUTH]
        form = {"grant_type": PRE_AUTH, "pre-authorized_code": grant["pre-authorized_code"]}
        if tx_code is not None:
            form["tx_code"] = tx_code
        async with self.session.post(f"{offer['credential_issuer']}/token", data=form) as resp:
            return await _json(resp)

    def proof(self, audience: str, nonce: str) -> str:
        header = {"alg": self.key.alg, "typ": "openid4vci-proof+jwt", "jwk": self.key.public_jwk}
        claims = {"aud": audience, "iat": int(time.time()), "nonce": nonce}
        signing_input = f"{encode_segment(header)}.{encode_segment(claims)}"
        return f"{signing_input}.{b64url_encode(self.key.sign_bytes(signing_input.encode()))}"

    async def credential(self, offer: JsonObject, access_token: str) -> str:
        issuer = offer["credential_issuer"]
        async with self.session.post(f"{issuer}/nonce") as resp:
            nonce = (await _json(resp))["c_nonce"]
        body = {
            "credential_configuration_id": offer["credential_configuration_ids"][0],
            "proofs": {"jwt": [self.proof(issuer, nonce)]},
        }
        headers = {"Authorization": f"Bearer {access_token}"}
        async with self.session.post(f"{issuer}/credential", json=body, headers=headers) as resp:
            return str((await _json(resp))["credentials"][0]["credential"])

    # -- OpenID4VP -----------------------------------------------------------------------------------------

    async def request(self, link: str) -> JsonObject:
        """The Authorization Request behind an ``openid4vp://`` link whose request is passed by reference."""
        query = _query(link)
        async with self.session.get(query["request_uri"]) as resp:
            assert resp.status == 200, await resp.text()
            return dict(parse_compact_jws(await resp.text()).payload)

    def vp_jwt(self, credential: str, request: JsonObject) -> str:
        claims = {
            "iss": self.did,
            "aud": request["client_id"],
            "nonce": request["nonce"],
            "iat": int(time.time()),
            "vp": {
                "@context": ["https://www.w3.org/2018/credentials/v1"],
                "type": ["VerifiablePresentation"],
                "holder": self.did,
                "verifiableCredential": [credential],
            },
        }
        return self.key.sign({"typ": "JWT", "kid": f"{self.did}#0"}, claims)

    async def present(self, request: JsonObject, query_id: str, credential: str) -> JsonObject:
        vp_token = {query_id: [self.vp_jwt(credential, request)]}
        state = {"state": request["state"]} if request.get("state") else {}
        if request["response_mode"] == "direct_post.jwt":
            jwk = request["client_metadata"]["jwks"]["keys"][0]
            form = {"response": encrypt_for_test({"vp_token": vp_token, **state}, jwk)}
        else:
            form = {"vp_token": json.dumps(vp_token), **state}
        async with self.session.post(request["response_uri"], data=form) as resp:
            return await _json(resp)
