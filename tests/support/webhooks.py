"""A real webhook receiver for tests: an aiohttp server on 127.0.0.1 that checks each request's Standard Webhooks
signature with its own HMAC code (independent of oid4vc.webhooks), keeps every raw delivery, de-duplicates by
``webhook-id`` the way a receiver should, and can be told to fail, stall or refuse."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

SECRET = "whsec_" + base64.b64encode(b"test-webhook-secret-0123456789abcdef").decode()


def expected_signature(secret: str, msg_id: str, timestamp: str, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix("whsec_")) if secret.startswith("whsec_") else secret.encode()
    digest = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


@dataclass
class Delivery:
    id: str
    timestamp: str
    body: dict[str, Any]
    signed: bool
    answered: int


@dataclass
class Receiver:
    secret: str = SECRET
    fail_first: int = 0  # answer 500 to the first N attempts of each event id
    status: int = 200  # the answer once an event has failed ``fail_first`` times
    stall: float = 0.0  # seconds to sit on each request before answering (cut short by ``release``)
    raw: list[Delivery] = field(default_factory=list)
    events: dict[str, dict[str, Any]] = field(default_factory=dict)  # de-duplicated by webhook-id
    url: str = ""
    release: asyncio.Event = field(default_factory=asyncio.Event)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        msg_id = request.headers.get("webhook-id", "")
        stamp = request.headers.get("webhook-timestamp", "")
        signatures = request.headers.get("webhook-signature", "").split(" ")
        signed = (
            request.content_type == "application/json"
            and stamp.isdigit()  # the app's clock is the test's (fixed) clock: the tests compare it themselves
            and any(hmac.compare_digest(expected_signature(self.secret, msg_id, stamp, body), s) for s in signatures)
        )
        tries = sum(1 for d in self.raw if d.id == msg_id)
        answer = 401 if not signed else 500 if tries < self.fail_first else self.status
        self.raw.append(Delivery(msg_id, stamp, json.loads(body), signed, answer))
        self.arrived.set()
        if self.stall:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.release.wait(), self.stall)
        if 200 <= answer < 300 and msg_id not in self.events:
            self.events[msg_id] = json.loads(body)  # a real receiver would act here, once per id
        return web.Response(status=answer)

    def attempts(self, msg_id: str) -> list[int]:
        return [d.answered for d in self.raw if d.id == msg_id]


@contextlib.asynccontextmanager
async def running(receiver: Receiver, path: str = "/hook") -> AsyncIterator[Receiver]:
    app = web.Application()
    app.router.add_post(path, receiver.handle)
    runner = web.AppRunner(app, shutdown_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    receiver.url = f"http://127.0.0.1:{port}{path}"
    try:
        yield receiver
    finally:
        receiver.release.set()
        await runner.cleanup()


async def eventually(check: Callable[[], bool | Awaitable[bool]], *, within: float = 10.0, step: float = 0.02) -> None:
    """Wait (real time) until ``check()`` holds."""
    deadline = time.monotonic() + within
    while True:
        result = check()
        if not isinstance(result, bool):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(step)
