"""Response helpers shared by the handlers."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from oid4vc.encoding import json_dumps, json_loads

__all__ = ["NO_STORE", "json_no_store", "read_form", "read_json"]

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
MAX_FORM_FIELDS = 100
# A surrogate written as a JSON escape, or as the bytes of its (CESU-8) encoding, which json.loads also takes.
_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]|\xed[\xa0-\xbf]")


def json_no_store(body: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response(body, status=status, headers=NO_STORE | (headers or {}), dumps=json_dumps)


async def read_json(request: web.Request, error: type[Exception]) -> Any:
    """The JSON body, or ``error`` (a ProtocolError type) for a wrong media type or malformed JSON, including a
    string with an unpaired surrogate (``"\\ud800"``): I-JSON (RFC 7493 §2.1) forbids them, RFC 8259 §8.2 leaves
    them unpredictable, and no UTF-8 text (hashes, databases, logs) can carry one."""
    if request.content_type != "application/json":
        raise error("the request body must be application/json")
    body = await _read(request, error)
    try:
        value = json_loads(body)
    except ValueError:  # UnicodeDecodeError is a ValueError
        raise error("the request body is not valid JSON") from None
    if _SURROGATE.search(body) and not _unicode_text_only(value):
        raise error("the request body is not valid JSON: a string has an unpaired surrogate (RFC 7493 2.1)")
    return value


async def read_form(request: web.Request, error: type[Exception], *, unique: bool = False) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body (HTML, URL Standard §5.1) as text fields, or ``error`` for
    another media type, an unknown charset, bytes that are not Unicode text in that charset, or more than
    ``MAX_FORM_FIELDS`` fields. ``unique``: a repeated parameter is ``error`` too (RFC 6749 §3.1, §3.2); otherwise
    the last one wins."""
    if request.content_type != "application/x-www-form-urlencoded":
        raise error("the request body must be application/x-www-form-urlencoded")
    body = await _read(request, error)
    try:
        text = body.rstrip().decode(request.charset or "utf-8")
        text.encode("utf-8")  # some codecs (utf-7, unicode_escape) decode to lone surrogates, which are not text
        pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS, encoding="utf-8",
                          errors="strict")
    except (LookupError, ValueError):  # UnicodeDecodeError is a ValueError
        raise error("the request body is not a valid form in its charset") from None
    fields = dict(pairs)
    if unique and len(fields) != len(pairs):
        raise error("request parameters must be sent once each")
    return fields


async def _read(request: web.Request, error: type[Exception]) -> bytes:
    """The body, or ``error`` when it cannot be read: a ``Content-Encoding`` (gzip, deflate) whose data does not
    decode, or a broken chunked transfer. aiohttp raises these from ``read()``, not as an HTTP error."""
    try:
        return await request.read()
    except web.RequestPayloadError:
        raise error("the request body could not be read (Content-Encoding or transfer coding)") from None


def _unicode_text_only(value: Any) -> bool:
    """Whether every string (member names included) in a parsed JSON value is Unicode text, i.e. has no unpaired
    surrogate. Iterative: the value may be nested as deeply as the parser allows."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return False
        elif isinstance(item, dict):
            stack += item.keys()
            stack += item.values()
        elif isinstance(item, list):
            stack += item
    return True
