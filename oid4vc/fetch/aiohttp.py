"""``Fetcher`` and ``Poster`` over the aiohttp client (the only home of aiohttp's client), guarded against SSRF and
size bombs.

- https only, unless ``allow_http`` (dev mode);
- every address a host name resolves to must be public (no loopback, private, link-local, multicast, reserved,
  unspecified, or IPv4-mapped equivalents), unless ``allow_private`` (dev mode); the check runs in the resolver the
  connection itself uses, so a DNS rebinding between check and connect is not possible;
- no redirects are followed (a redirect is an answer we refuse), total timeout, and a body size cap enforced while
  reading (a compressed bomb is capped on its decompressed size too, since aiohttp decompresses while streaming).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

from oid4vc.fetch.base import Fetched, FetchError, Posted

__all__ = ["GuardedFetcher", "is_public_address"]

DEFAULT_MAX_BYTES = 1024 * 1024


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or (isinstance(ip, ipaddress.IPv4Address) and ip in ipaddress.ip_network("100.64.0.0/10"))
    )


class _PublicOnlyResolver(AbstractResolver):
    def __init__(self) -> None:
        self._inner = DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        public = [r for r in results if is_public_address(r["host"])]
        if not public:
            raise OSError(f"{host} resolves only to non-public addresses")
        return public

    async def close(self) -> None:
        await self._inner.close()


class GuardedFetcher:
    def __init__(
        self,
        *,
        allow_http: bool = False,
        allow_private: bool = False,
        timeout: float = 5.0,
        max_bytes: int = DEFAULT_MAX_BYTES,
        user_agent: str = "oid4vc",
    ) -> None:
        self._allow_http = allow_http
        self._allow_private = allow_private
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._max_bytes = max_bytes
        self._headers = {"User-Agent": user_agent}
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            resolver: Any = None if self._allow_private else _PublicOnlyResolver()
            connector = aiohttp.TCPConnector(resolver=resolver, limit=100, ttl_dns_cache=60)
            self._session = aiohttp.ClientSession(connector=connector, timeout=self._timeout, headers=self._headers)
        return self._session

    def _check_url(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme != "https" and not (self._allow_http and parts.scheme == "http"):
            raise FetchError(f"refusing to fetch a non-https URL ({parts.scheme or 'no scheme'})")
        if not parts.hostname or parts.username or parts.password:
            raise FetchError("refusing to fetch a URL without a host or with credentials")
        if not self._allow_private:
            try:
                literal = ipaddress.ip_address(parts.hostname)
            except ValueError:
                return
            if not is_public_address(str(literal)):
                raise FetchError(f"refusing to fetch a non-public address ({parts.hostname})")

    async def get(self, url: str, *, accept: str = "application/json", max_bytes: int | None = None) -> Fetched:
        self._check_url(url)
        cap = max_bytes or self._max_bytes
        host = urlsplit(url).hostname
        try:
            async with self._client().get(url, headers={"Accept": accept}, allow_redirects=False) as resp:
                if not 200 <= resp.status < 300:
                    raise FetchError(f"{host} answered HTTP {resp.status}")
                if resp.content_length is not None and resp.content_length > cap:
                    raise FetchError(f"{host} answered more than {cap} bytes")
                body = bytearray()
                async for chunk in resp.content.iter_chunked(65536):
                    body += chunk
                    if len(body) > cap:
                        raise FetchError(f"{host} answered more than {cap} bytes")
                return Fetched(url, resp.status, resp.content_type, bytes(body), dict(resp.headers))
        except FetchError:
            raise
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise FetchError(f"could not fetch from {host}: {type(exc).__name__}") from None

    async def post(self, url: str, body: bytes, *, headers: Mapping[str, str]) -> Posted:
        """POST under the same guard; the answer's body is read up to the size cap and dropped."""
        self._check_url(url)
        host = urlsplit(url).hostname
        try:
            async with self._client().post(url, data=body, headers=dict(headers), allow_redirects=False) as resp:
                await resp.content.read(self._max_bytes)
                return Posted(resp.status, dict(resp.headers))
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise FetchError(f"no answer from {host}: {type(exc).__name__}") from None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
