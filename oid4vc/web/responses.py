"""Response helpers shared by the handlers."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from oid4vc.encoding import json_dumps, json_loads

__all__ = ["NO_STORE", "json_no_store", "read_form", "read_json"]

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
MAX_FORM_FIELDS = 100


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


async def read_form(request: web.Request, error: type[Exception], *, unique: bool = False) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body (HTML, URL Standard §5.1) as text fields, or ``error`` for
    another media type, an unknown charset, bytes that are not in that charset, or more than ``MAX_FORM_FIELDS``
    fields. ``unique``: a repeated parameter is ``error`` too (RFC 6749 §3.1, §3.2); otherwise the last one wins."""
    if request.content_type != "application/x-www-form-urlencoded":
        raise error("the request body must be application/x-www-form-urlencoded")
    body = await request.read()
    try:
        text = body.rstrip().decode(request.charset or "utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS, encoding="utf-8",
                          errors="strict")
    except (LookupError, ValueError):  # UnicodeDecodeError is a ValueError
        raise error("the request body is not a valid form in its charset") from None
    fields = dict(pairs)
    if unique and len(fields) != len(pairs):
        raise error("request parameters must be sent once each")
    return fields
