"""Resolving the public key behind a ``kid`` / ``verificationMethod``: did:key and did:jwk offline; did:web and
https controller documents through the guarded ``Fetcher``, cached for a short while."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from oid4vc.clock import Clock
from oid4vc.dids.document import key_from_document
from oid4vc.dids.resolve import resolve_offline
from oid4vc.dids.web import did_web_url
from oid4vc.fetch.base import Fetcher, FetchError
from oid4vc.jose import Jwk

__all__ = ["KeyResolutionError", "KeyResolver"]


class KeyResolutionError(LookupError):
    """The key could not be resolved; the message is safe to show."""


@dataclass(slots=True)
class KeyResolver:
    fetcher: Fetcher
    clock: Clock
    ttl: timedelta = timedelta(minutes=5)
    _cache: dict[str, tuple[datetime, object]] = field(default_factory=dict)

    async def _document(self, url: str) -> object:
        now = self.clock.now()
        cached = self._cache.get(url)
        if cached and cached[0] > now:
            return cached[1]
        try:
            doc = (
                await self.fetcher.get(url, accept="application/did+json, application/json", max_bytes=256 * 1024)
            ).json()
        except FetchError as exc:
            raise KeyResolutionError(str(exc)) from None
        self._cache[url] = (now + self.ttl, doc)
        return doc

    async def resolve(self, method_id: str) -> Jwk:
        if method_id.startswith(("did:key:", "did:jwk:")):
            try:
                return resolve_offline(method_id)
            except ValueError as exc:
                raise KeyResolutionError(str(exc)) from None
        if method_id.startswith("did:web:"):
            url = did_web_url(method_id)
        elif method_id.startswith("https://"):
            url = method_id.split("#", 1)[0]
        else:
            raise KeyResolutionError("unsupported verification method (did:key, did:jwk, did:web or https)")
        try:
            return key_from_document(await self._document(url), method_id)
        except ValueError as exc:
            raise KeyResolutionError(str(exc)) from None
