"""Public status list endpoints: W3C Bitstring Status List v1.0 credentials (§2.2, Data Integrity or VC-JWT) and
IETF Token Status List -14 Status List Tokens (§8.1-§8.2).

No authentication, cacheable (``Cache-Control: public, max-age=<ttl>``, an ``ETag`` answered with 304), CORS-open
(§8.2: SHOULD), and cheap: the signed artefact comes from ``StatusService``'s cache, re-signed only when a status
changed or the validity window requires it. Verifiers never tell the issuer which credential they check.
"""

from __future__ import annotations

from aiohttp import web

from oid4vc.formats.base import StatusForm
from oid4vc.web.keys import status_key

__all__ = ["routes"]


async def _serve(request: web.Request, form: StatusForm) -> web.Response:
    artefact = await request.app[status_key].published(request.match_info["list_id"], form)
    headers = {
        "Cache-Control": f"public, max-age={artefact.max_age}",
        "ETag": artefact.etag,
        "Access-Control-Allow-Origin": "*",
    }
    if artefact.etag in request.headers.get("If-None-Match", ""):
        return web.Response(status=304, headers=headers)
    return web.Response(body=artefact.body, content_type=artefact.content_type, headers=headers)


async def bitstring_di(request: web.Request) -> web.Response:
    return await _serve(request, "di")


async def bitstring_jwt(request: web.Request) -> web.Response:
    return await _serve(request, "jwt")


async def token_status_list(request: web.Request) -> web.Response:
    return await _serve(request, "token")


def routes(prefix: str) -> list[web.RouteDef]:
    return [
        web.get(f"{prefix}/status/bitstring/{{list_id}}", bitstring_di),
        web.get(f"{prefix}/status/bitstring/{{list_id}}/jwt", bitstring_jwt),
        web.get(f"{prefix}/status/token/{{list_id}}", token_status_list),
    ]
