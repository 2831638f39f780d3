"""A minimal test wallet for OpenID4VP: fetches the request, builds presentations in every format, posts the
response (encrypted for direct_post.jwt). Built on the library's holder-side helpers, not on the verifier."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from oid4vc.crypto.jwcrypto import encrypt_for_test
from oid4vc.crypto.keys import SigningKey
from oid4vc.formats.ldp_vc import add_proof
from oid4vc.formats.sd_jwt import create_presentation, parse_sd_jwt
from oid4vc.jose import parse_compact_jws
from tests.conftest import T0, AppClient


async def fetch_request(client: AppClient, link: str, *, post: bool = False) -> dict[str, Any]:
    """The Authorization Request parameters behind an openid4vp:// link (by reference or by value)."""
    query = {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}
    if "request_uri" not in query:
        params = dict(query)
        for name in ("dcql_query", "client_metadata"):
            params[name] = json.loads(params[name])
        return params
    path = urlsplit(query["request_uri"]).path
    resp = await (client.post(path, data={"wallet_nonce": "wn-123"}) if post else client.get(path))
    assert resp.status == 200, await resp.text()
    assert resp.content_type == "application/oauth-authz-req+jwt"
    jws = parse_compact_jws(await resp.text())
    assert jws.header["typ"] == "oauth-authz-req+jwt"
    assert jws.payload["client_id"] == query["client_id"]
    return jws.payload | {"_header": jws.header}


def sd_jwt_presentation(
    credential: str,
    key: SigningKey,
    request: dict[str, Any],
    disclose: list[list[Any]] | None = None,
    *,
    nonce: str | None = None,
    audience: str | None = None,
    iat: datetime | None = None,
) -> str:
    parsed = parse_sd_jwt(credential)
    return create_presentation(
        parsed,
        disclose or [],
        holder=key,
        audience=audience or request["client_id"],
        nonce=nonce or request["nonce"],
        now=iat or T0,
    )


def vp_jwt(
    credential: str,
    key: SigningKey,
    holder_did: str,
    request: dict[str, Any],
    *,
    nonce: str | None = None,
    audience: str | None = None,
    iat: float | None = None,
) -> str:
    claims = {
        "iss": holder_did,
        "aud": audience or request["client_id"],
        "nonce": nonce or request["nonce"],
        "iat": int(iat or T0.timestamp()),
        "vp": {
            "@context": ["https://www.w3.org/2018/credentials/v1"],
            "type": ["VerifiablePresentation"],
            "holder": holder_did,
            "verifiableCredential": [credential],
        },
    }
    return key.sign(
        {
            "typ": "JWT",
            "kid": f"{holder_did}#0"
            if holder_did.startswith("did:jwk:")
            else f"{holder_did}#{holder_did.removeprefix('did:key:')}",
        },
        claims,
    )


async def ldp_vp(
    credential: dict[str, Any],
    key: SigningKey,
    holder_did: str,
    request: dict[str, Any],
    *,
    challenge: str | None = None,
) -> dict[str, Any]:
    vp = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": holder_did,
        "verifiableCredential": [credential],
    }
    return await add_proof(
        vp,
        signer=key,
        verification_method=f"{holder_did}#{holder_did.removeprefix('did:key:')}",
        created=T0.strftime("%Y-%m-%dT%H:%M:%SZ"),
        executor=None,
        proof_purpose="authentication",
        challenge=challenge or request["nonce"],
        domain=request["client_id"],
    )


async def post_response(
    client: AppClient, request: dict[str, Any], vp_token: dict[str, list[Any]], *, state: str | None = None
) -> Any:
    params = {"vp_token": vp_token, "state": state or request["state"]}
    path = urlsplit(request["response_uri"]).path
    if request["response_mode"] == "direct_post.jwt":
        jwk = request["client_metadata"]["jwks"]["keys"][0]
        return await client.post(path, data={"response": encrypt_for_test(params, jwk)})
    return await client.post(path, data={"vp_token": json.dumps(vp_token), "state": params["state"]})
