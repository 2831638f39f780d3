"""Discovery: Credential Issuer Metadata (OpenID4VCI 1.0 §12.2.2), AS Metadata (RFC 8414 §3), DID Document
(did:web), all public, JSON, cacheable for a short while."""

from __future__ import annotations

from aiohttp import web

from oid4vc.web.keys import issuer_key

__all__ = ["routes"]

_CACHE = {"Cache-Control": "public, max-age=300"}


async def credential_issuer_metadata(request: web.Request) -> web.Response:
    # §12.2.2: 200, Content-Type application/json, credential_issuer identical to the URL's identifier
    return web.json_response(request.app[issuer_key].credential_issuer_metadata(), headers=_CACHE)


async def authorization_server_metadata(request: web.Request) -> web.Response:
    return web.json_response(request.app[issuer_key].authorization_server_metadata(), headers=_CACHE)


async def did_document(request: web.Request) -> web.Response:
    document = request.app[issuer_key].did_document()
    if document is None:
        raise web.HTTPNotFound(reason="this issuer is not identified by did:web")
    return web.json_response(document, content_type="application/did+json", headers=_CACHE)


async def type_metadata(request: web.Request) -> web.Response:
    """SD-JWT VC Type Metadata at the https ``vct`` (draft-ietf-oauth-sd-jwt-vc-13 §6.3.1)."""
    return web.json_response(request.app[issuer_key].type_metadata(request.match_info["credential_type"]),
                             headers=_CACHE)


def routes(*, issuer_path: str, as_path: str, did_path: str, prefix: str) -> list[web.RouteDef]:
    return [
        web.get(f"{prefix}/vct/{{credential_type}}", type_metadata),
        web.get(issuer_path, credential_issuer_metadata),
        web.get(as_path, authorization_server_metadata),
        web.get(did_path, did_document),
    ]
