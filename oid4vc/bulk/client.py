"""Admin API client for bulk issuance: ``POST /admin/offers`` (creates one OpenID4VCI 1.0 §4.1 Credential Offer)
with retries.

- 201: the offer (``id``, ``offer_uri``, ``tx_code``?, ``expires_at``).
- 400 and other 4xx (except the three below): the server refused this row; its ``error_description`` is kept.
- 401 / 403 / 404: the token or the server URL is wrong; no row can succeed (:class:`AdminApiError`).
- 429, 5xx, timeouts and connection errors: retried with exponential backoff and jitter, honouring
  ``Retry-After`` (seconds); after ``retries`` retries, :class:`ServerUnavailableError`.

A retry after an *ambiguous* failure (the request may have reached the server: a timeout, a dropped connection,
a 500/502/504) can leave one extra offer that nobody receives, because the admin API has no idempotency key;
these are counted. 429, 503 and a refused connection are not ambiguous (nothing was created).
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import aiohttp

from oid4vc.jose import JsonObject

__all__ = ["AdminApiError", "AdminClient", "Created", "Refused", "RetryPolicy", "ServerUnavailableError"]

_NOT_PROCESSED = frozenset({429, 503})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    retries: int = 5
    backoff: float = 0.5
    max_backoff: float = 30.0

    def delay(self, attempt: int, retry_after: float | None, jitter: float) -> float:
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_backoff)
        return min(self.max_backoff, self.backoff * 2.0**attempt) * (0.5 + jitter / 2)


@dataclass(frozen=True, slots=True)
class Created:
    offer: JsonObject
    ambiguous_retries: int


@dataclass(frozen=True, slots=True)
class Refused:
    status: int
    error: str
    error_description: str
    ambiguous_retries: int


class AdminApiError(Exception):
    """401/403/404 from the admin API: wrong token or wrong server; stop the run."""


class ServerUnavailableError(Exception):
    def __init__(self, last: str, ambiguous_retries: int) -> None:
        super().__init__(last)
        self.last = last
        self.ambiguous_retries = ambiguous_retries


def _error_body(raw: bytes, status: int) -> tuple[str, str]:
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    if isinstance(body, dict):
        return str(body.get("error", status)), str(body.get("error_description", ""))
    return str(status), raw[:200].decode("utf-8", errors="replace")


def _retry_after(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class AdminClient:
    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        server: str,
        admin_token: str,
        policy: RetryPolicy,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._session = session
        self._url = f"{server.rstrip('/')}/admin/offers"
        self._headers = {"Authorization": f"Bearer {admin_token}"}
        self._policy = policy
        self._sleep = sleep
        self._jitter = jitter

    async def create_offer(self, body: JsonObject) -> Created | Refused:
        ambiguous = 0
        for attempt in range(self._policy.retries + 1):
            retry_after: float | None = None
            try:
                async with self._session.post(self._url, json=body, headers=self._headers) as resp:
                    raw = await resp.read()
                    status, retry_after = resp.status, _retry_after(resp.headers.get("Retry-After"))
            except aiohttp.ClientConnectorError as exc:  # never connected: nothing sent
                last = f"connection: {type(exc).__name__}"
            except (aiohttp.ClientError, TimeoutError) as exc:
                ambiguous += 1
                last = f"connection: {type(exc).__name__}"
            else:
                if status == 201:
                    try:
                        offer = json.loads(raw)
                        if isinstance(offer, dict) and all(k in offer for k in ("id", "offer_uri", "expires_at")):
                            return Created(offer, ambiguous)
                    except ValueError:
                        pass
                    ambiguous += 1  # created, but the answer is unusable: the offer cannot be delivered
                    last = "201 without an offer"
                elif status in (401, 403, 404):
                    error, description = _error_body(raw, status)
                    raise AdminApiError(f"{status} {error} {description}".strip())
                elif status in _NOT_PROCESSED or status >= 500:
                    ambiguous += status not in _NOT_PROCESSED
                    last = f"{status} {_error_body(raw, status)[0]}"
                else:
                    error, description = _error_body(raw, status)
                    return Refused(status, error, description, ambiguous)
            if attempt < self._policy.retries:
                await self._sleep(self._policy.delay(attempt, retry_after, self._jitter()))
        raise ServerUnavailableError(last, ambiguous)
