"""The outbound fetch port (STYLE rule 10). Every fetch of someone else's document -- did:web DID documents,
status lists, JWKS, request objects -- goes through it, so https-only, timeouts, size caps and the private-address
guard are enforced in one place. ``Poster`` is the same guard for the one kind of outbound POST: webhook deliveries.

``FakeFetcher`` serves a dict of URL -> document for tests (and for offline verification of known documents).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from oid4vc.encoding import json_loads

__all__ = ["FakeFetcher", "FetchError", "Fetched", "Fetcher", "Posted", "Poster"]


class FetchError(Exception):
    """The document could not be fetched; the message is safe to show (it names the URL's host, not secrets)."""


@dataclass(frozen=True, slots=True)
class Fetched:
    url: str
    status: int
    content_type: str
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)

    def json(self) -> object:
        try:
            return json_loads(self.body)
        except ValueError as exc:
            raise FetchError(f"{self.url} did not answer JSON") from exc


class Fetcher(Protocol):
    async def get(self, url: str, *, accept: str = "application/json", max_bytes: int | None = None) -> Fetched:
        """GET ``url``; raises FetchError for refused URLs, network errors, non-2xx answers and oversize bodies."""
        ...


@dataclass(frozen=True, slots=True)
class Posted:
    status: int
    headers: Mapping[str, str] = field(default_factory=dict)


class Poster(Protocol):
    async def post(self, url: str, body: bytes, *, headers: Mapping[str, str]) -> Posted:
        """POST ``body``; the receiver's answer whatever its status (redirects are not followed). Raises FetchError
        for refused URLs and when no answer came (refused, reset, timeout)."""
        ...


class FakeFetcher:
    def __init__(self, documents: Mapping[str, object | bytes | str]) -> None:
        self.documents = dict(documents)
        self.requests: list[str] = []

    async def get(self, url: str, *, accept: str = "application/json", max_bytes: int | None = None) -> Fetched:
        self.requests.append(url)
        if url not in self.documents:
            raise FetchError(f"{url} is not available")
        doc = self.documents[url]
        if isinstance(doc, bytes):
            return Fetched(url, 200, accept, doc)
        if isinstance(doc, str):
            return Fetched(url, 200, accept, doc.encode())
        return Fetched(url, 200, "application/json", json.dumps(doc).encode())
