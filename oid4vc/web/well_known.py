"""Discovery: Credential Issuer Metadata (OpenID4VCI 1.0 §12.2.2), AS Metadata (RFC 8414 §3), DID Document
(did:web), all public, JSON, cacheable for a short while."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

from aiohttp import web

from oid4vc.services.issuance import IssuerService
from oid4vc.web.keys import issuer_key

__all__ = ["routes"]

_CACHE = {"Cache-Control": "public, max-age=300"}


def _serialized_once(build: Callable[[IssuerService], object]) -> Callable[[web.Request], Awaitable[web.Response]]:
    """A handler for a document that is a function of the settings and formats alone (fixed for the app's life):
    built and serialized on first use, then served as bytes. A wallet reads the issuer and AS metadata for every
    offer it redeems, and building them costs more than the rest of such a request."""
    body: list[bytes] = []

    async def handler(request: web.Request) -> web.Response:
        if not body:
            body.append(json.dumps(build(request.app[issuer_key])).encode())
        return web.Response(body=body[0], content_type="application/json", headers=_CACHE)

    return handler


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
        # §12.2.2: 200, Content-Type application/json, credential_issuer identical to the URL's identifier
        web.get(issuer_path, _serialized_once(IssuerService.credential_issuer_metadata)),
        web.get(as_path, _serialized_once(IssuerService.authorization_server_metadata)),
        web.get(did_path, did_document),
    ]
