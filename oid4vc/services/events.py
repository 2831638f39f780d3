"""Events: one for each outcome of each step (offer created / fetched, token issued / failed, credential issued /
failed, ...), each stamped with the request id that also appears in the logs.

``EventBus`` fans an event out to in-process subscribers (metrics, the admin SSE stream, the webhook outbox).
A subscriber that raises is logged and never breaks the request that emitted the event.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from oid4vc.context import request_id

__all__ = ["Event", "EventBus", "Subscriber"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Event:
    type: str  # e.g. "offer.created", "token.failed", "credential.issued"
    at: datetime
    data: dict[str, Any]
    subject_id: str | None = None  # the offer / presentation / credential id the event is about
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    request_id: str = field(default_factory=request_id.get)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "at": self.at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "subject_id": self.subject_id,
            "request_id": self.request_id,
            "data": self.data,
        }


Subscriber = Callable[[Event], None]


class EventBus:
    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        self._subscribers.append(subscriber)
        return lambda: self._subscribers.remove(subscriber)

    def emit(self, event: Event) -> None:
        for subscriber in list(self._subscribers):
            try:
                subscriber(event)
            except Exception:
                log.exception("event subscriber failed for %s", event.type)
