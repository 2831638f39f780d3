"""The suite's HTTP client: aiohttp underneath, every exchange recorded for evidence and cross-cutting checks.

Redirects are never followed (the specs ask for direct answers, e.g. OpenID4VCI 1.0 §12.2.2 "MUST respond with
HTTP Status Code 200"). Evidence lines never carry secrets: no request bodies, no tokens, and long path segments
(capability URLs such as a ``credential_offer_uri``) are shortened.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from multidict import CIMultiDict, CIMultiDictProxy

__all__ = ["HttpClient", "HttpResponse"]

JsonObject = dict[str, Any]


def _short_path(url: str) -> str:
    parts = urlsplit(url)
    segments = [s if len(s) < 16 else s[:4] + "..." for s in parts.path.split("/")]
    return "/".join(segments) or "/"


@dataclass(frozen=True, slots=True)
class HttpResponse:
    method: str
    url: str
    status: int
    headers: CIMultiDictProxy[str]
    body: bytes
    purpose: str = "protocol"  # "protocol" (wallet-facing) or "admin" (the offer adapter)

    @property
    def content_type(self) -> str:
        """The media type without parameters, lower case ('' when absent)."""
        return self.headers.get("Content-Type", "").split(";")[0].strip().lower()

    @property
    def is_json(self) -> bool:
        return self.content_type == "application/json"

    def json(self) -> Any:
        """The parsed body; ValueError when it is not JSON."""
        return json.loads(self.body.decode("utf-8"))

    def json_object(self) -> JsonObject | None:
        """The body as a JSON object, or None."""
        try:
            value = self.json()
        except (ValueError, UnicodeDecodeError):
            return None
        return value if isinstance(value, dict) else None

    @property
    def error(self) -> str | None:
        """The OAuth ``error`` member of a JSON body, if any."""
        body = self.json_object()
        value = body.get("error") if body else None
        return value if isinstance(value, str) else None

    def cache_control(self) -> set[str]:
        """Directive names of every Cache-Control header, lower case."""
        directives: set[str] = set()
        for value in self.headers.getall("Cache-Control", []):
            directives |= {d.split("=")[0].strip().lower() for d in value.split(",") if d.strip()}
        return directives

    def describe(self) -> str:
        """One evidence line: ``POST /token -> 400 application/json error=invalid_grant``."""
        line = f"{self.method} {_short_path(self.url)} -> {self.status} {self.content_type or '-'}"
        if self.error:
            line += f" error={self.error}"
        return f"[admin] {line}" if self.purpose == "admin" else line


@dataclass(slots=True)
class HttpClient:
    session: aiohttp.ClientSession
    timeout: float = 15.0
    log: list[HttpResponse] = field(default_factory=list)

    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        data: bytes | Mapping[str, str] | list[tuple[str, str]] | None = None,
        json_body: Any = None,
        purpose: str = "protocol",
    ) -> HttpResponse:
        kwargs: dict[str, Any] = {
            "headers": dict(headers or {}),
            "allow_redirects": False,
            "timeout": aiohttp.ClientTimeout(total=self.timeout),
        }
        if json_body is not None:
            kwargs["data"] = json.dumps(json_body).encode("utf-8")
            kwargs["headers"].setdefault("Content-Type", "application/json")
        elif data is not None:
            kwargs["data"] = data
        async with self.session.request(method, url, **kwargs) as resp:
            body = await resp.read()
            response = HttpResponse(method, url, resp.status, CIMultiDictProxy(CIMultiDict(resp.headers)), body,
                                    purpose)
        self.log.append(response)
        return response

    async def get(
        self, url: str, *, headers: Mapping[str, str] | None = None, purpose: str = "protocol"
    ) -> HttpResponse:
        return await self.request("GET", url, headers=headers, purpose=purpose)

    async def post_form(
        self, url: str, form: Mapping[str, str] | list[tuple[str, str]], *, headers: Mapping[str, str] | None = None
    ) -> HttpResponse:
        """An ``application/x-www-form-urlencoded`` POST (RFC 6749 §4.1.3, Appendix B)."""
        return await self.request("POST", url, data=form, headers=headers)

    async def post_json(
        self, url: str, body: Any, *, headers: Mapping[str, str] | None = None, purpose: str = "protocol"
    ) -> HttpResponse:
        return await self.request("POST", url, json_body=body, headers=headers, purpose=purpose)
