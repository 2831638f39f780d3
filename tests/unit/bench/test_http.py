"""The load generator's HTTP/1.1 client against a real aiohttp server: framing (Content-Length, chunked, empty),
keep-alive reuse, ``Connection: close``, a server that dropped an idle connection, and failures by kind."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from oid4vc.bench.http import HttpClient, HttpError

pytestmark = pytest.mark.asyncio
PEERS = web.AppKey("peers", list[Any])


async def _echo(request: web.Request) -> web.Response:
    peers: list[Any] = request.app[PEERS]
    peers.append(request.transport.get_extra_info("peername") if request.transport else None)
    body = await request.read()
    return web.json_response(
        {
            "method": request.method,
            "path": request.path_qs,
            "body": body.decode(),
            "content_type": request.headers.get("Content-Type"),
            "auth": request.headers.get("Authorization"),
        }
    )


async def _chunked(request: web.Request) -> web.StreamResponse:
    resp = web.StreamResponse()
    resp.enable_chunked_encoding()
    await resp.prepare(request)
    for part in (b"hello ", b"chunked ", b"world"):
        await resp.write(part)
    await resp.write_eof()
    return resp


async def _close(request: web.Request) -> web.Response:
    return web.Response(text="bye", headers={"Connection": "close"})


async def _empty(request: web.Request) -> web.Response:
    return web.Response(status=204)


async def _slow(request: web.Request) -> web.Response:
    await asyncio.sleep(5)
    return web.Response(text="late")


@pytest.fixture
async def server() -> AsyncIterator[TestServer]:
    app = web.Application()
    app[PEERS] = []
    app.router.add_route("*", "/echo", _echo)
    app.router.add_get("/chunked", _chunked)
    app.router.add_get("/close", _close)
    app.router.add_get("/empty", _empty)
    app.router.add_get("/slow", _slow)
    srv = TestServer(app, host="127.0.0.1")
    await srv.start_server()
    yield srv
    await srv.close()


async def test_json_and_form_bodies_and_headers_reach_the_server(server: TestServer) -> None:
    client = HttpClient()
    try:
        got = (await client.request("POST", str(server.make_url("/echo?x=1")), json_body={"a": [1, 2]},
                                    headers={"Authorization": "Bearer t"})).json()
        assert got == {"method": "POST", "path": "/echo?x=1", "body": '{"a":[1,2]}',
                       "content_type": "application/json", "auth": "Bearer t"}
        got = (await client.request("POST", str(server.make_url("/echo")), form={"grant_type": "a b", "c": "&"})).json()
        assert got["body"] == "grant_type=a+b&c=%26"
        assert got["content_type"] == "application/x-www-form-urlencoded"
        empty_post = (await client.request("POST", str(server.make_url("/echo")))).json()
        assert empty_post["body"] == ""
    finally:
        await client.close()


async def test_one_kept_alive_connection_serves_sequential_requests(server: TestServer) -> None:
    client = HttpClient()
    try:
        for _ in range(5):
            assert (await client.request("GET", str(server.make_url("/echo")))).status == 200
    finally:
        await client.close()
    peers = server.app[PEERS]
    assert len(peers) == 5 and len(set(peers)) == 1


async def test_chunked_and_empty_responses(server: TestServer) -> None:
    client = HttpClient()
    try:
        chunked = await client.request("GET", str(server.make_url("/chunked")))
        assert chunked.status == 200 and chunked.body == b"hello chunked world"
        empty = await client.request("GET", str(server.make_url("/empty")))
        assert empty.status == 204 and empty.body == b"" and empty.json() is None
        assert (await client.request("GET", str(server.make_url("/echo")))).status == 200  # framing stayed in sync
    finally:
        await client.close()


async def test_connection_close_opens_a_new_connection_next_time(server: TestServer) -> None:
    client = HttpClient()
    try:
        assert (await client.request("GET", str(server.make_url("/close")))).text() == "bye"
        await client.request("GET", str(server.make_url("/echo")))
        await client.request("GET", str(server.make_url("/echo")))
    finally:
        await client.close()
    peers = server.app[PEERS]
    assert len(set(peers)) == 1  # the two requests after the close shared one new connection


async def test_a_request_on_a_connection_the_server_dropped_is_sent_again_once(server: TestServer) -> None:
    client = HttpClient()
    try:
        await client.request("GET", str(server.make_url("/echo")))
        await server.runner.shutdown()  # aiohttp closes idle keep-alive connections (a server restart)
        await server.close()
        restarted = TestServer(server.app, host="127.0.0.1", port=server.port)
        await restarted.start_server()
        try:
            assert (await client.request("GET", str(restarted.make_url("/echo")))).status == 200
        finally:
            await restarted.close()
    finally:
        await client.close()


async def test_failures_are_reported_by_kind(server: TestServer) -> None:
    client = HttpClient(timeout=0.3)
    try:
        with pytest.raises(HttpError) as timeout:
            await client.request("GET", str(server.make_url("/slow")))
        assert timeout.value.kind == "timeout"
        with pytest.raises(HttpError) as bad:
            await client.request("GET", "ftp://127.0.0.1/x")
        assert bad.value.kind == "bad_url"
        with pytest.raises(HttpError) as refused:
            await client.request("GET", "http://127.0.0.1:1/x")
        assert refused.value.kind.startswith("connect:")
        assert (await client.request("GET", str(server.make_url("/echo")))).status == 200  # usable after a timeout
    finally:
        await client.close()
