"""Response helpers shared by the handlers."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from oid4vc.encoding import json_dumps, json_loads

__all__ = ["NO_STORE", "json_no_store", "read_json"]

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def json_no_store(body: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response(body, status=status, headers=NO_STORE | (headers or {}), dumps=json_dumps)


async def read_json(request: web.Request, error: type[Exception]) -> Any:
    """The JSON body, or ``error`` (a ProtocolError type) for a wrong media type or malformed JSON."""
    if request.content_type != "application/json":
        raise error("the request body must be application/json")
    try:
        return json_loads(await request.read())
    except (ValueError, UnicodeDecodeError):
        raise error("the request body is not valid JSON") from None
