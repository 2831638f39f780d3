"""The admin event stream (``GET /admin/events``, Server-Sent Events per the WHATWG HTML Living Standard §9.2) and
the event detail with its webhook deliveries (``GET /admin/events/{event_id}``).

With the outbox on, the stream reads the store: every process's events, in the store's order, resumable after any
event still kept (``Last-Event-ID``); this process's own events wake it at once, others' are seen within
``poll_interval``. Without the outbox it is live only: the events of the process serving the stream, from the
moment it starts, and ``Last-Event-ID`` cannot be honoured (a ``stream.reset`` item says so).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Callable, Sequence
from dataclasses import dataclass, field

from oid4vc.errors import NotFoundError
from oid4vc.services.events import Event, EventBus
from oid4vc.store.base import DeliveryRecord, OutboxStore
from oid4vc.webhooks.targets import matches

__all__ = ["EventFeed", "FeedItem", "Keepalive", "Reset"]

BATCH = 200
_UNKNOWN = "Last-Event-ID is unknown or no longer kept; events since may be missing"
LIVE_BUFFER = 1000  # events held for a slow reader of the live stream before it is told it missed some


@dataclass(frozen=True, slots=True)
class Reset:
    """Events may be missing between the reader's last event and the next one it gets."""

    reason: str


@dataclass(frozen=True, slots=True)
class Keepalive:
    pass


FeedItem = Event | Reset | Keepalive


@dataclass(slots=True)
class EventFeed:
    bus: EventBus
    store: OutboxStore | None  # None: no outbox, live only
    poll_interval: float = 1.0
    _closed: bool = False
    _wakers: set[Callable[[], None]] = field(default_factory=set)

    def close(self) -> None:
        """End every open stream now (the server is stopping: streams must not hold its shutdown)."""
        self._closed = True
        for wake in list(self._wakers):
            wake()

    async def event(self, event_id: str) -> tuple[Event, list[DeliveryRecord]]:
        """A stored event and its webhook deliveries, each with its attempts (404 without the outbox)."""
        record = await self.store.get_event(event_id) if self.store is not None else None
        if record is None or self.store is None:
            raise NotFoundError("no such event (events are stored only with the outbox on, and for a while)")
        return Event.from_record(record), await self.store.event_deliveries(event_id)

    async def follow(
        self, *, last_event_id: str | None, types: Sequence[str], keepalive: float, duration: float
    ) -> AsyncGenerator[FeedItem, None]:
        """Events whose type matches ``types`` (empty: all) after ``last_event_id`` (None: from now), a ``Keepalive``
        after ``keepalive`` quiet seconds, for ``duration`` seconds. The store is read here first, so an outage is
        an error before the stream starts."""
        if self.store is None:
            return self._live(last_event_id=last_event_id, types=types, keepalive=keepalive, duration=duration)
        cursor = last_event_id
        known = cursor is not None and await self.store.events_after(cursor, limit=0) is not None
        if not known:
            cursor = await self.store.last_event_id()
        return self._stored(
            self.store, cursor, reset=last_event_id is not None and not known, types=types, keepalive=keepalive,
            duration=duration,
        )

    async def _stored(
        self, store: OutboxStore, cursor: str | None, *, reset: bool, types: Sequence[str], keepalive: float,
        duration: float,
    ) -> AsyncGenerator[FeedItem, None]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + duration
        wake = asyncio.Event()
        unsubscribe = self.bus.subscribe(lambda _: wake.set())
        self._wakers.add(wake.set)
        try:
            if reset:
                yield Reset(_UNKNOWN)
            quiet_since = loop.time()
            while loop.time() < deadline and not self._closed:
                wake.clear()
                batch = await store.events_after(cursor, limit=BATCH)
                if batch is None:  # the reader's last event is unknown or was purged
                    yield Reset(_UNKNOWN)
                    cursor = await store.last_event_id()
                    continue
                for record in batch:
                    cursor = record.id
                    if matches(types, record.type):
                        yield Event.from_record(record)
                        quiet_since = loop.time()
                if len(batch) == BATCH:
                    continue
                if loop.time() - quiet_since >= keepalive:
                    yield Keepalive()
                    quiet_since = loop.time()
                wait = min(self.poll_interval, keepalive, max(deadline - loop.time(), 0))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), wait)
        finally:
            unsubscribe()
            self._wakers.discard(wake.set)

    async def _live(
        self, *, last_event_id: str | None, types: Sequence[str], keepalive: float, duration: float
    ) -> AsyncGenerator[FeedItem, None]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + duration
        queue: asyncio.Queue[FeedItem] = asyncio.Queue(LIVE_BUFFER)
        overflow = False

        def put(event: Event) -> None:
            nonlocal overflow
            if not matches(types, event.type):
                return
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:
                overflow = True

        closing: asyncio.Event = asyncio.Event()
        unsubscribe = self.bus.subscribe(put)
        self._wakers.add(closing.set)
        try:
            if last_event_id is not None:
                yield Reset("this server keeps no events (no outbox): the stream is live only")
            while loop.time() < deadline and not self._closed:
                getter = asyncio.ensure_future(queue.get())
                stopper = asyncio.ensure_future(closing.wait())
                done, _ = await asyncio.wait({getter, stopper}, timeout=min(keepalive, max(deadline - loop.time(), 0)),
                                            return_when=asyncio.FIRST_COMPLETED)
                stopper.cancel()
                if getter not in done:
                    getter.cancel()
                    if self._closed:
                        break
                item: FeedItem = getter.result() if getter in done else Keepalive()
                if overflow and queue.empty():
                    overflow = False
                    yield Reset("the reader fell behind; events were dropped")
                yield item
        finally:
            unsubscribe()
            self._wakers.discard(closing.set)
