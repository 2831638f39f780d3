"""Webhook targets: which events a target wants (type filters), what URL is acceptable, and the ``webhook`` member
of ``POST /admin/offers`` and ``POST /admin/presentations`` (a receiver for that one object's events).

Event types are full-stop delimited (Standard Webhooks 1.0 "Event types"): ``credential.issued``. A filter is a type,
a prefix ending in ``.*`` (``credential.*``) or ``*``; an empty filter list means every event.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

from oid4vc.webhooks.signature import secret_key

__all__ = ["EVENT_FILTER", "WebhookInput", "check_url", "check_url_syntax", "matches"]

EVENT_FILTER = re.compile(r"^(\*|[a-z][a-z_]*(\.[a-z][a-z_]*)*(\.\*)?)$")


def matches(filters: Sequence[str], event_type: str) -> bool:
    if not filters:
        return True
    for pattern in filters:
        if pattern == "*" or pattern == event_type:
            return True
        if pattern.endswith(".*") and event_type.startswith(pattern[:-1]):
            return True
    return False


def check_url_syntax(url: str) -> str:
    """An absolute http(s) URL with a host, without credentials or fragment; returns it. ValueError otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValueError("a webhook URL must be an absolute http(s) URL")
    if parts.username or parts.password or parts.fragment:
        raise ValueError("a webhook URL must not carry credentials or a fragment")
    return url


def check_url(url: str, *, allow_http: bool) -> None:
    """``check_url_syntax``, and https unless ``allow_http`` (development mode)."""
    check_url_syntax(url)
    if urlsplit(url).scheme != "https" and not allow_http:
        raise ValueError("a webhook URL must be https (http only in development mode)")


class WebhookInput(BaseModel):
    """A receiver for one offer's or presentation request's events, signed with ``secret``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = Field(max_length=2000)
    secret: str = Field(min_length=24, max_length=1000, repr=False)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return check_url_syntax(value)

    @field_validator("secret")
    @classmethod
    def _secret(cls, value: str) -> str:
        secret_key(value)
        return value
