"""Events: one for each outcome of each step (offer created / fetched, token issued / failed, credential issued /
failed, ...), each stamped with the request id that also appears in the logs. The catalogue is docs/events.md.

``EventBus.publish`` first hands the event to the durable sink, when there is one (the outbox of
``services.webhooks``, present when webhooks or the outbox are configured), and only then to the in-process
subscribers (metrics, the live admin event stream). Services await it before they answer, so an outcome a client
was told about always has its event stored. Without a sink nothing is written. A subscriber that raises is logged
and never breaks the request that emitted the event; a sink that fails fails the request (503 when the store is
unreachable): the client is never told of an outcome whose event was lost.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from oid4vc.context import request_id
from oid4vc.errors import InvalidRequestError
from oid4vc.services.randomness import uuid4_str
from oid4vc.store.base import EventRecord
from oid4vc.webhooks.targets import WebhookInput

__all__ = ["Event", "EventBus", "EventSink", "Subscriber"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Event:
    type: str  # e.g. "offer.created", "token.failed", "credential.issued"
    at: datetime
    data: dict[str, Any]
    subject_id: str | None = None  # the offer / presentation request the event is about
    id: str = field(default_factory=uuid4_str)
    request_id: str = field(default_factory=request_id.get)

    def to_json(self) -> dict[str, Any]:
        """The wire form (webhook body, event stream ``data``); Standard Webhooks 1.0 payload structure."""
        return {
            "id": self.id,
            "type": self.type,
            "timestamp": self.at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "subject_id": self.subject_id,
            "request_id": self.request_id,
            "data": self.data,
        }

    def record(self) -> EventRecord:
        return EventRecord(self.id, self.type, self.at, self.subject_id, self.request_id, self.data)

    @classmethod
    def from_record(cls, record: EventRecord) -> Event:
        return cls(record.type, record.at, record.data, record.subject_id, record.id, record.request_id)


Subscriber = Callable[[Event], None]


class EventSink(Protocol):
    async def record(self, event: Event) -> None:
        """Store ``event`` durably (with its webhook deliveries) or raise."""
        ...

    async def watch(self, subject_id: str, webhook: WebhookInput) -> None:
        """Register ``webhook`` for the events of ``subject_id`` (an offer or a presentation request)."""
        ...


class EventBus:
    def __init__(self, sink: EventSink | None = None) -> None:
        self._subscribers: list[Subscriber] = []
        self.sink = sink

    @property
    def durable(self) -> bool:
        return self.sink is not None

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        self._subscribers.append(subscriber)
        return lambda: self._subscribers.remove(subscriber)

    async def publish(self, event: Event) -> None:
        """Durably first (when there is a sink), then to the in-process subscribers."""
        if self.sink is not None:
            await self.sink.record(event)
        self.emit(event)

    async def watch(self, subject_id: str, webhook: WebhookInput) -> None:
        if self.sink is None:
            raise InvalidRequestError(
                "webhook: per-object webhooks need the event outbox ([events] outbox = true, or a [[webhooks]] entry)"
            )
        await self.sink.watch(subject_id, webhook)

    def emit(self, event: Event) -> None:
        """To the in-process subscribers only (never stored)."""
        for subscriber in list(self._subscribers):
            try:
                subscriber(event)
            except Exception:
                log.exception("event subscriber failed for %s", event.type)
