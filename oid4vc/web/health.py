"""Liveness (``/healthz``: the event loop answers) and readiness (``/readyz``: the store answers in time)."""

from __future__ import annotations

import asyncio

from aiohttp import web

from oid4vc.web.keys import issuer_key
from oid4vc.web.metrics import metrics_handler
from oid4vc.web.responses import NO_STORE

__all__ = ["routes"]

READY_TIMEOUT = 2.0


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"}, headers=NO_STORE)


async def readyz(request: web.Request) -> web.Response:
    try:
        await asyncio.wait_for(request.app[issuer_key].store.get_offer("__readyz__"), READY_TIMEOUT)
    except Exception as exc:  # any failure means "not ready"; the reason is for operators, not secrets
        return web.json_response({"status": "unavailable", "store": type(exc).__name__}, status=503, headers=NO_STORE)
    return web.json_response({"status": "ok", "store": "ok"}, headers=NO_STORE)


def routes() -> list[web.RouteDef]:
    return [web.get("/healthz", healthz), web.get("/readyz", readyz), web.get("/metrics", metrics_handler)]
