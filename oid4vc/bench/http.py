"""A lean HTTP/1.1 client for the load generator, which shares the machine's cores with the server it measures.

Each simulated wallet owns one ``HttpClient``: one persistent keep-alive connection per origin, requests written
as bytes, responses read by ``Content-Length`` or ``chunked`` transfer coding (RFC 9112 §6, §7.1). It costs a
fraction of a general-purpose client per request, so the generator's own CPU stays small next to the server's.
Not a general client: no redirects, proxies, compression or pipelining, one request at a time per client.
"""

from __future__ import annotations

import asyncio
import json
import ssl
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

__all__ = ["HttpClient", "HttpError", "HttpResponse"]

_MAX_HEADER_BYTES = 64 * 1024
_MAX_BODY_BYTES = 16 * 1024 * 1024


class HttpError(Exception):
    """The exchange failed below HTTP (connect, reset, timeout, malformed response); ``kind`` names it."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


@dataclass(frozen=True, slots=True)
class HttpResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    def text(self) -> str:
        return self.body.decode()


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.used = False

    def close(self) -> None:
        self.writer.close()


class HttpClient:
    """Sequential requests over kept-alive connections (one per scheme, host and port)."""

    def __init__(self, *, timeout: float = 60.0, ssl_context: ssl.SSLContext | None = None) -> None:
        self._timeout = timeout
        self._ssl = ssl_context
        self._connections: dict[tuple[str, str, int], _Connection] = {}

    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        form: dict[str, str] | None = None,
        json_body: Any = None,
    ) -> HttpResponse:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise HttpError("bad_url")
        origin = (parts.scheme, parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        body = b""
        lines = [f"{method} {target} HTTP/1.1", f"Host: {parts.netloc}"]
        if form is not None:
            body = urlencode(form).encode()
            lines.append("Content-Type: application/x-www-form-urlencoded")
        elif json_body is not None:
            body = json.dumps(json_body, separators=(",", ":")).encode()
            lines.append("Content-Type: application/json")
        if body or method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(body)}")
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        payload = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
        try:
            async with asyncio.timeout(self._timeout):
                return await self._exchange(origin, payload)
        except TimeoutError:
            self._drop(origin)
            raise HttpError("timeout") from None

    async def _exchange(self, origin: tuple[str, str, int], payload: bytes) -> HttpResponse:
        conn = self._connections.get(origin)
        reused = conn is not None
        if conn is None:
            conn = await self._connect(origin)
        try:
            conn.writer.write(payload)
            response = await self._read(conn)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
            self._drop(origin)
            if reused and isinstance(exc, (ConnectionError, asyncio.IncompleteReadError)):
                # the server closed an idle kept-alive connection before reading this request: send it again once
                conn = await self._connect(origin)
                try:
                    conn.writer.write(payload)
                    return self._finish(origin, await self._read(conn))
                except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as again:
                    self._drop(origin)
                    raise HttpError(type(again).__name__) from None
            raise HttpError(type(exc).__name__) from None
        return self._finish(origin, response)

    def _finish(self, origin: tuple[str, str, int], response: HttpResponse) -> HttpResponse:
        if response.headers.get("connection", "").lower() == "close":
            self._drop(origin)
        return response

    async def _connect(self, origin: tuple[str, str, int]) -> _Connection:
        scheme, host, port = origin
        try:
            reader, writer = await asyncio.open_connection(
                host, port, ssl=(self._ssl or ssl.create_default_context()) if scheme == "https" else None,
                limit=_MAX_HEADER_BYTES,
            )
        except OSError as exc:
            raise HttpError(f"connect:{type(exc).__name__}") from None
        conn = _Connection(reader, writer)
        self._connections[origin] = conn
        return conn

    def _drop(self, origin: tuple[str, str, int]) -> None:
        conn = self._connections.pop(origin, None)
        if conn is not None:
            conn.close()

    async def _read(self, conn: _Connection) -> HttpResponse:
        head = await conn.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head[:-4].decode("latin-1").split("\r\n")
        version, _, rest = status_line.partition(" ")
        if not version.startswith("HTTP/1."):
            raise ValueError("not an HTTP/1.x response")
        status = int(rest[:3])
        headers: dict[str, str] = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if "chunked" in headers.get("transfer-encoding", "").lower():
            body = await self._read_chunked(conn.reader)
        elif "content-length" in headers:
            length = int(headers["content-length"])
            if length > _MAX_BODY_BYTES:
                raise ValueError("response body too large")
            body = await conn.reader.readexactly(length) if length else b""
        elif status in (204, 304) or 100 <= status < 200:
            body = b""
        else:
            body = await conn.reader.read(_MAX_BODY_BYTES)  # delimited by the connection's end
            headers["connection"] = "close"
        return HttpResponse(status, headers, body)

    @staticmethod
    async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            size_line = await reader.readuntil(b"\r\n")
            size = int(size_line.split(b";", 1)[0].strip(), 16)
            if size == 0:
                while (await reader.readuntil(b"\r\n")) != b"\r\n":  # trailer fields, then the empty line
                    pass
                return b"".join(chunks)
            total += size
            if total > _MAX_BODY_BYTES:
                raise ValueError("response body too large")
            chunks.append(await reader.readexactly(size))
            await reader.readexactly(2)

    async def close(self) -> None:
        for origin in list(self._connections):
            self._drop(origin)
