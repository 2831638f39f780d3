"""Notification Endpoint (OpenID4VCI 1.0 §11): the Notification Request and its errors.

- ``notification_id`` (REQUIRED) is the value the Credential Response carried; ``event`` (REQUIRED) is one of
  ``credential_accepted``, ``credential_failure``, ``credential_deleted``, compared case-sensitively (§11.1);
- ``event_description`` (OPTIONAL) is limited to the ``%x20-21 / %x23-5B / %x5D-7E`` ASCII subset (§11.1);
- unknown parameters are ignored; errors are ``invalid_notification_id`` and ``invalid_notification_request``
  (HTTP 400, §11.3), token problems are RFC 6750 errors (401).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from oid4vc.errors import ProtocolError
from oid4vc.model import Message, parse_message

__all__ = [
    "EVENTS",
    "InvalidNotificationIdError",
    "InvalidNotificationRequestError",
    "NotificationEvent",
    "NotificationRequest",
    "ValidNotification",
    "parse_notification_request",
]

NotificationEvent = Literal["credential_accepted", "credential_failure", "credential_deleted"]
EVENTS: tuple[NotificationEvent, ...] = ("credential_accepted", "credential_failure", "credential_deleted")
_DESCRIPTION = re.compile(r"[\x20-\x21\x23-\x5b\x5d-\x7e]*")


class InvalidNotificationIdError(ProtocolError):
    """§11.3: the ``notification_id`` was not issued to this access token, or is unknown."""

    error = "invalid_notification_id"


class InvalidNotificationRequestError(ProtocolError):
    """§11.3: the Notification Request is missing a parameter, or one is malformed."""

    error = "invalid_notification_request"


class NotificationRequest(Message):
    notification_id: str
    event: str
    event_description: str | None = None


@dataclass(frozen=True, slots=True)
class ValidNotification:
    notification_id: str
    event: NotificationEvent
    event_description: str | None


def parse_notification_request(body: Any) -> ValidNotification:
    request = parse_message(NotificationRequest, body, error=InvalidNotificationRequestError)
    if not request.notification_id:
        raise InvalidNotificationRequestError("notification_id must not be empty")
    if "\x00" in request.notification_id:  # never one we issued (URL-safe), and no store could look it up
        raise InvalidNotificationIdError("the notification_id is unknown")
    event = next((e for e in EVENTS if e == request.event), None)
    if event is None:  # §11.1: case-sensitive
        raise InvalidNotificationRequestError("event must be credential_accepted, credential_failure or "
                                              "credential_deleted")
    description = request.event_description
    if description is not None and not _DESCRIPTION.fullmatch(description):
        raise InvalidNotificationRequestError("event_description must use printable ASCII without quote or backslash")
    return ValidNotification(request.notification_id, event, description)
