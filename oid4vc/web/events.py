"""Operator event API under ``/admin`` (docs/events.md).

``GET /admin/events`` -> ``text/event-stream`` (Server-Sent Events, WHATWG HTML §9.2): one event per outcome, ``id:``
the event id, ``event:`` its type, ``data:`` its JSON (the webhook body); ``?types=`` filters
(``credential.issued,token.*``), ``Last-Event-ID`` (or ``?last_event_id=``) resumes after an event the outbox still
keeps, ``?timeout=`` ends the stream (browsers' EventSource reconnects by itself, resuming); a comment line every
``keepalive`` quiet seconds keeps proxies from closing it. ``event: stream.reset`` says events may be missing.
``GET /admin/events/{event_id}`` -> the stored event and its webhook deliveries, every attempt included.
"""

from __future__ import annotations

import contextlib
import json
from datetime import datetime

from aiohttp import web

from oid4vc.errors import InvalidRequestError
from oid4vc.services.event_feed import Keepalive, Reset
from oid4vc.services.events import Event
from oid4vc.store.base import DeliveryRecord
from oid4vc.web.keys import event_feed_key
from oid4vc.web.responses import json_no_store
from oid4vc.webhooks.targets import EVENT_FILTER

__all__ = ["KEEPALIVE", "MAX_TIMEOUT", "admin_routes", "sse_frame"]

KEEPALIVE = 15.0
MAX_TIMEOUT = 3600.0
RECONNECT_MS = 3000


def sse_frame(item: Event | Reset | Keepalive) -> bytes:
    if isinstance(item, Keepalive):
        return b": keepalive\n\n"
    if isinstance(item, Reset):
        return f"event: stream.reset\ndata: {json.dumps({'type': 'stream.reset', 'reason': item.reason})}\n\n".encode()
    data = json.dumps(item.to_json(), separators=(",", ":"), ensure_ascii=False)
    return f"id: {item.id}\nevent: {item.type}\ndata: {data}\n\n".encode()


def _types(value: str | None) -> list[str]:
    types = [t.strip() for t in (value or "").split(",") if t.strip()]
    if any(not EVENT_FILTER.match(t) for t in types):
        raise InvalidRequestError("types: a comma-separated list of event types, prefixes ending in .* or *")
    return types


def _timeout(value: str | None) -> float:
    try:
        seconds = float(value) if value is not None else MAX_TIMEOUT
    except ValueError:
        raise InvalidRequestError("timeout must be a number of seconds") from None
    if not 0 < seconds <= MAX_TIMEOUT:  # also refuses nan
        raise InvalidRequestError(f"timeout must be more than 0 and at most {MAX_TIMEOUT:g} seconds")
    return seconds


async def stream(request: web.Request) -> web.StreamResponse:
    last = request.headers.get("Last-Event-ID") or request.query.get("last_event_id") or None
    items = await request.config_dict[event_feed_key].follow(
        last_event_id=last, types=_types(request.query.get("types")), keepalive=KEEPALIVE,
        duration=_timeout(request.query.get("timeout")),
    )
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    )
    async with contextlib.aclosing(items):  # a reader that goes away ends the subscription at once
        await response.prepare(request)
        await response.write(f"retry: {RECONNECT_MS}\n: oid4vc events\n\n".encode())
        async for item in items:
            await response.write(sse_frame(item))
    await response.write_eof()
    return response


def _iso(at: datetime | None) -> str | None:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ") if at is not None else None


def _delivery(record: DeliveryRecord) -> dict[str, object]:
    return {
        "target_id": record.target_id,
        "state": record.state.value,
        "attempts": record.attempts,
        "next_attempt_at": _iso(record.next_attempt_at),
        "delivered_at": _iso(record.delivered_at),
        "last_status": record.last_status,
        "last_error": record.last_error,
        "history": [
            {"attempt": a.attempt, "at": _iso(a.at), "status": a.status, "error": a.error,
             "duration_ms": a.duration_ms}
            for a in record.history
        ],
    }


async def get_event(request: web.Request) -> web.Response:
    event, deliveries = await request.config_dict[event_feed_key].event(request.match_info["event_id"])
    return json_no_store({"event": event.to_json(), "deliveries": [_delivery(d) for d in deliveries]})


def admin_routes() -> list[web.RouteDef]:
    return [web.get("/events", stream), web.get("/events/{event_id}", get_event)]
