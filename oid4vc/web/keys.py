"""Every ``AppKey`` of the application (STYLE rule 8)."""

from __future__ import annotations

from aiohttp import web

from oid4vc.config import Settings
from oid4vc.services.event_feed import EventFeed
from oid4vc.services.issuance import IssuerService
from oid4vc.services.lifecycle import LifecycleService
from oid4vc.services.status import StatusService
from oid4vc.services.verification import VerifierService

__all__ = [
    "admin_token_key",
    "event_feed_key",
    "issuer_key",
    "lifecycle_key",
    "settings_key",
    "status_key",
    "verifier_key",
]

settings_key = web.AppKey("settings", Settings)
issuer_key = web.AppKey("issuer", IssuerService)
admin_token_key = web.AppKey("admin_token", str)
status_key = web.AppKey("status", StatusService)
lifecycle_key = web.AppKey("lifecycle", LifecycleService)
verifier_key = web.AppKey("verifier", VerifierService)
event_feed_key = web.AppKey("event_feed", EventFeed)
