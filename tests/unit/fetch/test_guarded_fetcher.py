"""The SSRF / size-bomb guard of the outbound fetcher, against a real local HTTP server."""

from __future__ import annotations

import gzip
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from oid4vc.fetch.aiohttp import GuardedFetcher, is_public_address
from oid4vc.fetch.base import FakeFetcher, FetchError


@pytest.fixture
async def server() -> AsyncIterator[TestServer]:
    async def doc(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    async def big(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse()
        await resp.prepare(request)
        for _ in range(64):
            await resp.write(b"x" * 65536)
        return resp

    async def bomb(request: web.Request) -> web.Response:
        body = gzip.compress(b"\0" * (8 * 1024 * 1024))
        return web.Response(body=body, headers={"Content-Encoding": "gzip", "Content-Type": "application/json"})

    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPFound("/doc")

    app = web.Application()
    app.add_routes([web.get("/doc", doc), web.get("/big", big), web.get("/bomb", bomb), web.get("/redirect", redirect)])
    srv = TestServer(app, host="127.0.0.1")
    await srv.start_server()
    yield srv
    await srv.close()


def test_public_address_classification() -> None:
    for private in ("127.0.0.1", "10.1.2.3", "192.168.1.1", "169.254.169.254", "::1", "fe80::1", "::ffff:127.0.0.1",
                    "0.0.0.0", "100.64.0.1", "172.16.5.4"):
        assert not is_public_address(private), private
    for public in ("93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"):
        assert is_public_address(public)


async def test_refuses_http_private_and_credentials(server: TestServer) -> None:
    fetcher = GuardedFetcher()
    for url in (f"http://127.0.0.1:{server.port}/doc", "https://127.0.0.1/doc", "https://[::1]/x",
                "https://user:pw@example.com/", "file:///etc/passwd", "https://169.254.169.254/latest/meta-data"):
        with pytest.raises(FetchError):
            await fetcher.get(url)
    await fetcher.close()


async def test_refuses_names_that_resolve_to_private_addresses() -> None:
    fetcher = GuardedFetcher(allow_http=True)
    with pytest.raises(FetchError, match="could not fetch"):
        await fetcher.get("http://localhost:9/doc")
    await fetcher.close()


async def test_dev_mode_fetch_and_caps(server: TestServer) -> None:
    fetcher = GuardedFetcher(allow_http=True, allow_private=True, max_bytes=1024 * 1024)
    base = f"http://127.0.0.1:{server.port}"
    assert (await fetcher.get(f"{base}/doc")).json() == {"ok": True}
    with pytest.raises(FetchError, match="more than"):
        await fetcher.get(f"{base}/big")
    with pytest.raises(FetchError, match="more than"):
        await fetcher.get(f"{base}/bomb")  # capped on the decompressed size
    with pytest.raises(FetchError, match="HTTP 302"):
        await fetcher.get(f"{base}/redirect")
    await fetcher.close()


async def test_fake_fetcher() -> None:
    fake = FakeFetcher({"https://a.example/x": {"k": 1}})
    assert (await fake.get("https://a.example/x")).json() == {"k": 1}
    with pytest.raises(FetchError):
        await fake.get("https://a.example/y")
