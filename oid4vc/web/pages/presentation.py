"""The verifier's page for a presentation request (OpenID4VP 1.0 §5 request, §8.6 result, shown to a person).

``GET /presentations/{id}/page/{token}`` shows, while the request is pending, what it asks for, the QR code of its
``openid4vp://`` link and the same link for a wallet on this device; once answered, a readable result (issuer,
achievement, holder, dates, alignments, results) and every check's outcome, or why it was refused.
``.../state`` answers ``{"state": ...}`` only. ``token`` is the page capability from ``links.py``: the id alone
is in the QR code, and the result is about a person.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from oid4vc.errors import NotFoundError
from oid4vc.services.verification import VerifierService
from oid4vc.store.base import PresentationRecord, PresentationStatus
from oid4vc.web.keys import admin_token_key, settings_key, verifier_key
from oid4vc.web.pages.html import Markup, el, join, render
from oid4vc.web.pages.links import page_key, presentation_page_token
from oid4vc.web.pages.result_html import credential_html, requested_html
from oid4vc.web.pages.site import Site
from oid4vc.web.pages.text import PRESENTATION_STATES, date_html
from oid4vc.web.pages.widgets import qr_figure, same_device_link
from oid4vc.web.responses import json_no_store

__all__ = ["PresentationPages", "presentation_main"]


def _pending(record: PresentationRecord, link: str, qr_url: str) -> Markup:
    qr = qr_figure(qr_url, "QR code of the request: scan it with your wallet app")
    expires = el("p", "Your wallet shows what will be shared and asks you first. This request expires on ",
                 date_html(record.expires_at, with_time=True), ".", class_="hint")
    return el("div", qr, el("div", requested_html(record.request)), same_device_link(link), expires,
              class_="offer-grid")


def _outcome(record: PresentationRecord, state: str) -> Markup:
    result: Mapping[str, Any] = record.result or {}
    credentials = [c for c in result.get("credentials") or [] if isinstance(c, Mapping)]
    if state == PresentationStatus.EXPIRED.value:
        return el("p", "No wallet answered in time. Start a new request.", class_="message")
    parts: list[Markup | None] = []
    if state == PresentationStatus.REJECTED.value:
        reason = result.get("error_description") or result.get("error") or "the presentation was refused"
        parts.append(el("p", el("strong", "Reason: "), str(reason), class_="message error-reason"))
    else:
        done = date_html(record.completed_at, with_time=True) if record.completed_at else None
        parts.append(el("p", "Presented and checked", join([" on ", done]) if done else None, ".", class_="message"))
    parts += [credential_html(c) for c in credentials]
    return join(parts)


def presentation_main(record: PresentationRecord, *, service: VerifierService, verifier: str, prefix: str,
                      state_url: str) -> tuple[str, Markup]:
    """(title, main content) of the page for ``record`` in its current state."""
    state = record.status_at(service.clock.now()).value
    label, heading = PRESENTATION_STATES[state]
    body = (
        _pending(record, service.link(record), f"{prefix}/presentations/{record.id}/qr.svg")
        if state == PresentationStatus.PENDING.value
        else _outcome(record, state)
    )
    main = render(
        "presentation.html",
        verifier=verifier,
        heading=heading,
        state=state,
        state_label=label,
        state_url=state_url,
        body=body,
    )
    return f"{heading} \u2013 {label}", main


class PresentationPages:
    def __init__(self, site: Site) -> None:
        self.site = site

    async def _record(self, request: web.Request) -> PresentationRecord | None:
        pid, token = request.match_info["pid"], request.match_info["token"]
        expected = presentation_page_token(page_key(request.config_dict[admin_token_key]), pid)
        if not hmac.compare_digest(token.encode(), expected.encode()):
            return None
        service = request.config_dict[verifier_key]
        return await service.store.get_presentation(pid)

    async def page(self, request: web.Request) -> web.Response:
        record = await self._record(request)
        if record is None:
            return self.site.not_found(request, "There is no presentation request at this address.")
        main = presentation_main(
            record,
            service=request.config_dict[verifier_key],
            verifier=request.config_dict[settings_key].issuer.name,
            prefix=self.site.prefix,
            state_url=f"{self.site.prefix}/presentations/{record.id}/page/{request.match_info['token']}/state",
        )
        return self.site.page(request, main[0], main[1], scripts=["live.js"])

    async def state(self, request: web.Request) -> web.Response:
        record = await self._record(request)
        if record is None:
            raise NotFoundError("no such presentation request")
        now = request.config_dict[verifier_key].clock.now()
        return json_no_store({"state": record.status_at(now).value})
