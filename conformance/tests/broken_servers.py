"""The real oid4vc app on a real loopback port, as is or deliberately broken, to test the conformance suite.

Each broken variant wraps or reconfigures the real app (no mocks of the protocol):

- ``nonce_reuse``: the store accepts every authentic, unexpired c_nonce however often (breaks single use, §13.8);
- ``errors_as_200``: an outer middleware turns every JSON error into HTTP 200 with the error still in the body;
- ``tx_code_burns_offer``: ``tx_code_max_attempts = 1``, so one wrong PIN locks the offer (§13.6.3 attempts);
- ``no_store_missing``: an outer middleware strips ``Cache-Control`` / ``Pragma`` from every response
  (token §RFC 6749 5.1, nonce §7.2).
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from oid4vc.config import ServerSettings, Settings, load_settings
from oid4vc.crypto.keystore import KeyRing
from oid4vc.store.memory import MemoryStore
from oid4vc.web.app import create_app

__all__ = ["ADMIN_TOKEN", "VARIANTS", "running_issuer"]

ADMIN_TOKEN = "conformance-suite-admin-token-0123456789"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _settings(url: str, data_dir: Path, **issuance: Any) -> Settings:
    server: dict[str, Any] = {"public_url": url, "data_dir": str(data_dir), "dev_mode": True}
    if "jsonld_workers" in ServerSettings.model_fields:
        server["jsonld_workers"] = 0  # canonicalize inline: no process pool in tests
    return load_settings(
        overrides={"server": server, "admin": {"token": ADMIN_TOKEN}, "issuance": issuance}, environ={}
    )


class NonceReusingStore(MemoryStore):
    """Never records a use: every c_nonce the issuer found authentic and unexpired (its MAC and expiry are checked
    before the store is asked) is accepted however often."""

    async def consume_nonce(self, nonce: str, *, expires_at: datetime, now: datetime) -> bool:
        return now < expires_at


@web.middleware
async def _errors_as_200(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    if response.status >= 400 and isinstance(response, web.Response) and response.content_type == "application/json":
        headers = {k: v for k, v in response.headers.items() if k.lower() not in ("content-length", "content-type")}
        return web.Response(body=response.body, status=200, headers=headers, content_type="application/json")
    return response


@web.middleware
async def _strip_no_store(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    response.headers.popall("Cache-Control", None)
    response.headers.popall("Pragma", None)
    return response


def _app(url: str, data_dir: Path, *, store: MemoryStore | None = None,
         outer: Any = None, **issuance: Any) -> web.Application:
    app = create_app(_settings(url, data_dir, **issuance), store=store or MemoryStore(), keys=KeyRing.ephemeral(),
                     admin_token=ADMIN_TOKEN)
    if outer is not None:
        app.middlewares.insert(0, outer)  # outermost: sees what the real app answered
    return app


AppFactory = Callable[[str, Path], web.Application]

VARIANTS: dict[str, AppFactory] = {
    "good": lambda url, d: _app(url, d),
    "nonce_reuse": lambda url, d: _app(url, d, store=NonceReusingStore()),
    "errors_as_200": lambda url, d: _app(url, d, outer=_errors_as_200),
    "tx_code_burns_offer": lambda url, d: _app(url, d, tx_code_max_attempts=1),
    "no_store_missing": lambda url, d: _app(url, d, outer=_strip_no_store),
}


@asynccontextmanager
async def running_issuer(variant: str, data_dir: Path, *, path: str = "") -> AsyncIterator[str]:
    """Serve a variant on a free 127.0.0.1 port; yields its Credential Issuer Identifier
    (``http://127.0.0.1:PORT`` plus ``path``, e.g. ``/tenant`` for a path-ful identifier)."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}{path}"
    runner = web.AppRunner(VARIANTS[variant](url, data_dir), access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", port).start()
        yield url
    finally:
        await runner.cleanup()
