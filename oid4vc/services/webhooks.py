"""Webhook delivery from the event outbox (Standard Webhooks 1.0): the durable sink the ``EventBus`` writes to, and
the dispatcher that makes the attempts.

- ``Outbox.record`` stores each event with one delivery per matching configured target (``[[webhooks]]``, filtered
  by type) and per target registered for the event's object (``webhook`` of an offer or presentation request),
  before the request that produced it is answered. Events of concurrent requests share one transaction (group
  commit): each caller still waits for the commit that holds its own event;
- ``WebhookDispatcher`` runs in every server process, off the request path: it claims due deliveries (one claimer
  per delivery at a time, across processes), POSTs each signed with the target's secret (``webhook-id`` = the
  event id, the same on every attempt, so receivers de-duplicate by it), and records every attempt. A failure is
  retried after the configured schedule plus jitter (default 5 s, 30 s, 2 min, 10 min, 1 h, 6 h), then given up;
  ``410 Gone`` gives up at once. A receiver that is slow or down only occupies its own attempts (at most
  ``concurrency`` at a time per process, each cut at ``timeout``); wallet requests never wait for it. Outcomes
  finished together are recorded together;
- delivery is at least once: an attempt whose process dies before recording it is made again when its lease ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from oid4vc.clock import Clock
from oid4vc.config import EventsSettings, Settings
from oid4vc.errors import InvalidRequestError
from oid4vc.fetch.base import FetchError, Poster
from oid4vc.services.events import Event
from oid4vc.services.randomness import Randomness
from oid4vc.store.base import (
    ClaimedDelivery,
    DeliveryAttempt,
    DeliveryState,
    EventRecord,
    FinishedAttempt,
    OutboxStore,
    WebhookTarget,
)
from oid4vc.webhooks.retry import Outcome, classify, next_delay, parse_retry_after
from oid4vc.webhooks.signature import secret_key, signature_headers
from oid4vc.webhooks.targets import WebhookInput, check_url, matches

__all__ = ["ConfiguredTarget", "Outbox", "WebhookDispatcher", "configured_targets", "webhook_body"]

log = logging.getLogger(__name__)
PURGE_EVERY = timedelta(hours=1)
SHUTDOWN_GRACE = 2.0  # seconds attempts in flight may finish when the server stops


@dataclass(frozen=True, slots=True)
class ConfiguredTarget:
    id: str
    url: str
    key: bytes = field(repr=False)
    events: tuple[str, ...] = ()


def configured_targets(settings: Settings) -> dict[str, ConfiguredTarget]:
    out = {}
    for hook in settings.webhooks:
        assert hook.secret is not None  # WebhookSettings requires it
        out[hook.target_id] = ConfiguredTarget(hook.target_id, hook.url, secret_key(hook.secret), tuple(hook.events))
    return out


def webhook_body(event: Event) -> bytes:
    """The exact bytes signed and sent (compact JSON of ``Event.to_json``)."""
    return json.dumps(event.to_json(), separators=(",", ":"), ensure_ascii=False).encode("utf-8")


@dataclass(slots=True)
class Outbox:
    """The ``EventSink`` of ``services.events``."""

    store: OutboxStore
    targets: Mapping[str, ConfiguredTarget]
    clock: Clock
    random: Randomness
    allow_http: bool = False  # development mode: http receivers
    wake: Callable[[], None] | None = None  # nudges this process's dispatcher after a write
    _waiting: list[tuple[EventRecord, list[str], asyncio.Future[None]]] = field(default_factory=list)
    _writer: asyncio.Task[None] | None = None

    async def record(self, event: Event) -> None:
        """Returns once ``event`` is committed (raises if its transaction failed)."""
        ids = [t.id for t in self.targets.values() if matches(t.events, event.type)]
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((event.record(), ids, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write())  # its own task: a caller that goes away stops nothing
        await asyncio.shield(done)

    async def _write(self) -> None:
        """Commit what is waiting, one transaction per round, until nothing is."""
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                await self.store.record_events([(record, ids) for record, ids, _ in batch], now=self.clock.now())
            except Exception as exc:
                for *_, done in batch:
                    if not done.done():
                        done.set_exception(exc)
                continue
            for *_, done in batch:
                if not done.done():
                    done.set_result(None)
            if self.wake is not None:
                self.wake()

    async def watch(self, subject_id: str, webhook: WebhookInput) -> None:
        try:
            check_url(webhook.url, allow_http=self.allow_http)
        except ValueError as exc:
            raise InvalidRequestError(f"webhook.url: {exc}") from None
        target = WebhookTarget(self.random.token(12), subject_id, webhook.url, webhook.secret, self.clock.now())
        await self.store.add_webhook_target(target)
        log.info("webhook target registered subject=%s target=%s", subject_id, target.id)


@dataclass(slots=True)
class WebhookDispatcher:
    store: OutboxStore
    poster: Poster
    targets: Mapping[str, ConfiguredTarget]
    clock: Clock
    random: Randomness
    settings: EventsSettings
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    _in_flight: set[asyncio.Task[None]] = field(default_factory=set)
    _finished: list[FinishedAttempt] = field(default_factory=list)  # outcomes not yet recorded

    @property
    def lease(self) -> timedelta:
        """How long a claim hides a delivery from other claimers: well past the attempt's own timeout."""
        return timedelta(seconds=self.settings.timeout * 3 + 5)

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        """Claim and attempt until cancelled; then give attempts in flight a moment and cancel the rest (their
        leases run out and another process, or the next start, makes them again)."""
        next_purge = self.clock.now()
        try:
            while True:
                self._wake.clear()
                await self._record()
                free = self.settings.concurrency - len(self._in_flight)
                claimed = await self._claim(free) if free > 0 else []
                for delivery in claimed:
                    task = asyncio.create_task(self.attempt(delivery))
                    self._in_flight.add(task)
                    task.add_done_callback(self._done)
                if self.clock.now() >= next_purge:
                    next_purge = self.clock.now() + PURGE_EVERY
                    await self._purge()
                if claimed and len(claimed) == free:
                    continue  # there may be more due; the slots freed by finished attempts wake us
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.settings.poll_interval)
        finally:
            if self._in_flight:
                await asyncio.wait(set(self._in_flight), timeout=SHUTDOWN_GRACE)
            for task in list(self._in_flight):
                task.cancel()
            await self._record()

    def _done(self, task: asyncio.Task[None]) -> None:
        self._in_flight.discard(task)
        self._wake.set()

    async def _record(self) -> None:
        """Record the outcomes finished since the last round, in one transaction."""
        if not self._finished:
            return
        batch, self._finished = self._finished, []
        try:
            kept = await self.store.finish_deliveries(batch)
        except Exception:
            log.exception("recording %d webhook attempts failed; their leases will run out", len(batch))
            return
        for finished, ok in zip(batch, kept, strict=True):
            if not ok:
                log.warning("webhook attempt not recorded (lease lost) event=%s target=%s attempt=%d",
                            finished.event_id, finished.target_id, finished.attempt.attempt)

    async def _claim(self, limit: int) -> list[ClaimedDelivery]:
        now = self.clock.now()
        try:
            return await self.store.claim_deliveries(
                now=now, lease_until=now + self.lease, limit=limit, claim=self.random.token(12)
            )
        except Exception:
            log.exception("claiming webhook deliveries failed; will retry")
            return []

    async def _purge(self) -> None:
        try:
            before = self.clock.now() - timedelta(seconds=self.settings.retention)
            removed = await self.store.purge_events(before=before)
            if removed:
                log.info("purged %d old events", removed)
        except Exception:
            log.exception("purging old events failed; will retry")

    def _receiver(self, delivery: ClaimedDelivery) -> tuple[str, bytes] | None:
        """(url, HMAC key) of the delivery's target; None when a configured target was removed from the settings."""
        if delivery.target is not None:
            return delivery.target.url, secret_key(delivery.target.secret)
        configured = self.targets.get(delivery.target_id)
        return (configured.url, configured.key) if configured is not None else None

    async def attempt(self, delivery: ClaimedDelivery) -> None:
        """One attempt: POST, then queue its outcome for ``_record``."""
        event = Event.from_record(delivery.event)
        receiver = self._receiver(delivery)
        started = self.clock.now()
        t0 = asyncio.get_running_loop().time()
        status: int | None = None
        retry_after = None
        error: str | None = "the target is no longer configured"
        if receiver is not None:
            url, key = receiver
            body = webhook_body(event)
            headers = signature_headers(key, event.id, int(started.timestamp()), body)
            headers |= {"Content-Type": "application/json", "User-Agent": "oid4vc-webhooks"}
            try:
                answer = await self.poster.post(url, body, headers=headers)
                status, error = answer.status, None if 200 <= answer.status < 300 else f"HTTP {answer.status}"
                retry_after = parse_retry_after(answer.headers.get("Retry-After"))
            except FetchError as exc:
                error = str(exc)
        duration = int((asyncio.get_running_loop().time() - t0) * 1000)
        state, due = self._next(delivery.attempt, status, retry_after, gone=receiver is None)
        record = DeliveryAttempt(delivery.attempt, started, status, error, duration)
        self._finished.append(FinishedAttempt(event.id, delivery.target_id, delivery.claim, record, state, due))
        level = logging.DEBUG if state is DeliveryState.DELIVERED else logging.INFO
        log.log(level, "webhook %s event=%s type=%s target=%s attempt=%d status=%s ms=%d", state.value, event.id,
                event.type, delivery.target_id, delivery.attempt, status, duration)

    def _next(
        self, attempts: int, status: int | None, retry_after: float | None, *, gone: bool
    ) -> tuple[DeliveryState, datetime | None]:
        outcome = Outcome.GONE if gone else classify(status)
        if outcome is Outcome.DELIVERED:
            return DeliveryState.DELIVERED, None
        delay = None
        if outcome is Outcome.RETRY:
            draw = int.from_bytes(self.random.bytes(4), "big") / 2**32  # the jitter: uniform in [0, 1)
            delay = next_delay(attempts, self.settings.retry_schedule, draw=draw, retry_after=retry_after)
        if delay is None:
            return DeliveryState.FAILED, None
        return DeliveryState.PENDING, self.clock.now() + timedelta(seconds=delay)
