"""Notification Request parsing (OpenID4VCI 1.0 §11.1) and its error codes (§11.3)."""

from __future__ import annotations

from typing import Any

import pytest

from oid4vc.issuance.notification import (
    InvalidNotificationIdError,
    InvalidNotificationRequestError,
    parse_notification_request,
)


def test_valid_requests_and_unknown_members() -> None:
    parsed = parse_notification_request({"notification_id": "n", "event": "credential_deleted", "extra": {"a": 1}})
    assert (parsed.notification_id, parsed.event, parsed.event_description) == ("n", "credential_deleted", None)
    with_text = parse_notification_request(
        {"notification_id": "n", "event": "credential_failure", "event_description": "Could not store it."})
    assert with_text.event_description == "Could not store it."


@pytest.mark.parametrize("body", [
    None, [], {"event": "credential_accepted"}, {"notification_id": "n"}, {"notification_id": "n", "event": "ACCEPTED"},
    {"notification_id": "n", "event": "credential_Accepted"}, {"notification_id": 1, "event": "credential_accepted"},
    {"notification_id": "", "event": "credential_accepted"},
    {"notification_id": "n", "event": "credential_failure", "event_description": "back\\slash"},
    {"notification_id": "n", "event": "credential_failure", "event_description": "caf\u00e9"},
])
def test_invalid_requests(body: Any) -> None:
    with pytest.raises(InvalidNotificationRequestError) as caught:
        parse_notification_request(body)
    assert caught.value.to_body()["error"] == "invalid_notification_request" and caught.value.status == 400


def test_error_codes() -> None:
    assert InvalidNotificationIdError("x").to_body() == {"error": "invalid_notification_id", "error_description": "x"}
