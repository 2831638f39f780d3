"""The real oid4vc app as an OpenID4VP Verifier on a loopback port, as is, with another Client Identifier Prefix,
or deliberately broken, to test the verifier side of the conformance suite.

Each broken variant wraps the real app (no mocks of the protocol):

- ``replayed_nonce``: the SD-JWT Key Binding check takes the KB-JWT's own nonce as the expected one, so a
  presentation made for another request (another nonce) is accepted (§14.1.2 replay detection broken);
- ``kb_aud_unchecked``: the same for the KB-JWT ``aud`` (any audience accepted);
- ``invalid_as_200``: an outer middleware answers every refused response at the Response URI with HTTP 200 ``{}``
  (the admin API still records ``rejected``);
- ``unsigned_request``: an outer middleware re-serves every Request Object unsigned (``alg: none``, no ``typ``,
  no ``kid``).

Identity variants: ``did_web`` (the verifier DID is a did:web served by the app), ``x509_san_dns`` (with a
``localhost`` public URL) and ``x509_hash`` (the server's self-signed development certificate), ``redirect_uri``
(unsigned requests by value).
"""

from __future__ import annotations

import base64
import dataclasses
import json
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from conformance.tests.broken_servers import ADMIN_TOKEN
from oid4vc.config import ServerSettings, Settings, load_settings
from oid4vc.crypto.keystore import KeyRing
from oid4vc.formats.sd_jwt import KeyBindingCheck
from oid4vc.store.memory import MemoryStore
from oid4vc.web.app import create_app
from oid4vc.web.keys import verifier_key

__all__ = ["ADMIN_TOKEN", "KNOWN_SERVER_DEFECTS", "VERIFIER_VARIANTS", "running_verifier"]

JsonObject = dict[str, Any]

# Checks the real oid4vc verifier fails today, with the reason; a test asserts exactly these fail, so fixing the
# server makes that test fail until the entry is removed (like a strict xfail).
KNOWN_SERVER_DEFECTS: dict[str, str] = {}  # none: the unresolvable-issuer-key 500 this suite found is fixed


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _settings(url: str, data_dir: Path, prefix: str, did_method: str | None) -> Settings:
    server: dict[str, Any] = {"public_url": url, "data_dir": str(data_dir), "dev_mode": True}
    if "jsonld_workers" in ServerSettings.model_fields:
        server["jsonld_workers"] = 0
    overrides: dict[str, Any] = {"server": server, "admin": {"token": ADMIN_TOKEN},
                                 "verifier": {"client_id_prefix": prefix}}
    if did_method is not None:
        overrides["issuer"] = {"did_method": did_method}
    return load_settings(overrides=overrides, environ={})


def _segment(data: bytes | str) -> JsonObject:
    text = data if isinstance(data, str) else data.decode("ascii")
    value: JsonObject = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    return value


class _LooseKeyBinding:
    """Wraps the app's CredentialVerifier: the expected KB-JWT nonce and/or aud become whatever the KB-JWT says."""

    def __init__(self, inner: Any, *, nonce: bool = False, aud: bool = False) -> None:
        self._inner = inner
        self._nonce = nonce
        self._aud = aud

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def verify(self, raw: Any, *, key_binding: KeyBindingCheck | None = None,
                     now: datetime | None = None) -> Any:
        if key_binding is not None and isinstance(raw, str) and raw.count("~") and not raw.endswith("~"):
            claims = _segment(raw.rsplit("~", 1)[1].split(".")[1])
            key_binding = dataclasses.replace(
                key_binding,
                nonce=str(claims.get("nonce")) if self._nonce else key_binding.nonce,
                audience=str(claims.get("aud")) if self._aud else key_binding.audience,
            )
        return await self._inner.verify(raw, key_binding=key_binding, now=now)


def _loosen(**which: bool) -> Callable[[web.Application], Any]:
    async def on_startup(app: web.Application) -> None:
        service = app[verifier_key]
        setattr(service, "credentials", _LooseKeyBinding(service.credentials, **which))  # noqa: B010

    return on_startup


def _is_response_uri(request: web.Request) -> bool:
    return request.method == "POST" and request.path.startswith("/presentations/") and request.path.endswith(
        "/response")


@web.middleware
async def _invalid_as_200(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        if _is_response_uri(request) and 400 <= exc.status < 500:
            return web.json_response({})
        raise
    if _is_response_uri(request) and 400 <= response.status < 500:
        return web.json_response({})
    return response


@web.middleware
async def _unsigned_request(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    if request.path.endswith("/request") and response.status == 200 and isinstance(response, web.Response):
        token = (response.body or b"").decode("ascii") if isinstance(response.body, bytes) else ""
        if token.count(".") == 2:
            header = base64.urlsafe_b64encode(b'{"alg":"none"}').rstrip(b"=").decode()
            unsigned = f"{header}.{token.split('.')[1]}."
            return web.Response(text=unsigned, content_type="application/oauth-authz-req+jwt",
                                headers={"Cache-Control": "no-store"})
    return response


def _app(url: str, data_dir: Path, *, prefix: str = "decentralized_identifier", did_method: str | None = None,
         outer: Any = None, startup: Callable[[web.Application], Any] | None = None) -> web.Application:
    app = create_app(_settings(url, data_dir, prefix, did_method), store=MemoryStore(), keys=KeyRing.ephemeral(),
                     admin_token=ADMIN_TOKEN)
    if outer is not None:
        app.middlewares.insert(0, outer)  # outermost: sees what the real app answered
    if startup is not None:
        app.on_startup.append(startup)  # after the app's own services are built
    return app


AppFactory = Callable[[str, Path], web.Application]

VERIFIER_VARIANTS: dict[str, AppFactory] = {
    "good": lambda url, d: _app(url, d),
    "did_web": lambda url, d: _app(url, d, did_method="web"),
    "x509_san_dns": lambda url, d: _app(url, d, prefix="x509_san_dns"),
    "x509_hash": lambda url, d: _app(url, d, prefix="x509_hash"),
    "redirect_uri": lambda url, d: _app(url, d, prefix="redirect_uri"),
    "replayed_nonce": lambda url, d: _app(url, d, startup=_loosen(nonce=True)),
    "kb_aud_unchecked": lambda url, d: _app(url, d, startup=_loosen(aud=True)),
    "invalid_as_200": lambda url, d: _app(url, d, outer=_invalid_as_200),
    "unsigned_request": lambda url, d: _app(url, d, outer=_unsigned_request),
}


@asynccontextmanager
async def running_verifier(variant: str, data_dir: Path) -> AsyncIterator[str]:
    """Serve a variant on a free 127.0.0.1 port; yields its base URL (``http://localhost:PORT`` for
    ``x509_san_dns``, whose client id is the public host name)."""
    port = _free_port()
    host = "localhost" if variant == "x509_san_dns" else "127.0.0.1"
    url = f"http://{host}:{port}"
    runner = web.AppRunner(VERIFIER_VARIANTS[variant](url, data_dir), access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", port).start()
        yield url
    finally:
        await runner.cleanup()
