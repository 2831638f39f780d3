"""The offer page for a learner (OpenID4VCI 1.0 §4.1 Credential Offer, shown to a person).

``GET /offers/{reference}`` shows the badge (name, image, description, criteria), who issues it, and while the offer
can be redeemed the QR code of its ``openid-credential-offer://`` link, the same link for a wallet on this device
and, when a ``tx_code`` is required, a hint that a PIN will be asked (never the PIN: only its hash is stored).
``GET /offers/{reference}/state`` answers ``{"state": ...}`` and nothing else; ``static/live.js`` polls it and swaps
in the freshly rendered state when it changes, so the page follows offered -> redeemed -> issued without a reload.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from aiohttp import web

from oid4vc.config import Settings
from oid4vc.errors import NotFoundError
from oid4vc.services.issuance import IssuerService
from oid4vc.store.base import OfferRecord, OfferState
from oid4vc.web.keys import issuer_key, settings_key
from oid4vc.web.pages.html import Markup, el, render, safe_url
from oid4vc.web.pages.site import Site
from oid4vc.web.pages.text import OFFER_STATES, date_html
from oid4vc.web.pages.widgets import qr_figure, same_device_link
from oid4vc.web.responses import json_no_store

__all__ = ["OfferPages", "offer_main"]

_KINDS = {"ClrCredential": "Comprehensive Learner Record", "AchievementCredential": "Achievement"}


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):  # a JSON-LD language map
        return next((v for v in value.values() if isinstance(v, str)), None)
    return None


def _achievement(subject: Mapping[str, Any]) -> Mapping[str, Any]:
    value = subject.get("achievement")
    if isinstance(value, list):
        value = next((a for a in value if isinstance(a, Mapping)), None)
    return value if isinstance(value, Mapping) else {}


def _image(achievement: Mapping[str, Any], name: str) -> Markup:
    image = achievement.get("image")
    src = safe_url(image.get("id") if isinstance(image, Mapping) else image, images=True)
    if src is None:
        return Markup("")
    caption = _text(image.get("caption")) if isinstance(image, Mapping) else None
    return el("img", class_="badge-image", src=src, alt=caption or f"Badge image: {name}", width=160, height=160)


def _pin_hint(offer: OfferRecord) -> Markup:
    spec = offer.tx_code
    if spec is None:
        return Markup("")
    kind = "digit" if spec.input_mode == "numeric" else "character"
    parts = [
        el("strong", "A PIN is needed. "),
        f"Your wallet will ask for a {spec.length}-{kind} PIN; the issuer gives it to you separately "
        f"(for example by e-mail or text message). Nobody else should see it.",
    ]
    if spec.description:
        parts += [el("br"), el("span", f"The issuer says: {spec.description}")]
    return el("p", *parts, class_="pin-hint")


def _offered(offer: OfferRecord, link: str | None, qr_url: str, name: str) -> Markup:
    qr = qr_figure(qr_url, f"QR code of the offer for {name}: scan it with your wallet app")
    steps = el(
        "ol",
        el("li", "Open your digital wallet app and choose to scan a QR code."),
        el("li", "Scan the code and accept the badge."),
        el("li", "This page updates on its own when the badge is delivered."),
        class_="steps",
    )
    expires = el("p", "This offer expires on ", date_html(offer.expires_at, with_time=True), ".", class_="hint")
    return el("div", qr, steps, same_device_link(link), _pin_hint(offer), expires, class_="offer-grid")


def _settled(state: str) -> Markup:
    text = {
        OfferState.REDEEMED.value: "Your wallet has accepted the offer and is receiving the badge. Keep it open.",
        OfferState.PENDING.value: "Your wallet asked for the badge; it is delivered once the issuer approves it.",
        OfferState.ISSUED.value: "Done: the badge is in your wallet. You can close this page.",
        OfferState.EXPIRED.value: "It can no longer be used. Ask the issuer for a new offer.",
        OfferState.LOCKED.value: "A wrong PIN was entered too many times. Ask the issuer for a new offer.",
    }[state]
    return el("p", text, class_="message")


def offer_main(
    offer: OfferRecord, *, settings: Settings, service: IssuerService, prefix: str, now: datetime
) -> tuple[str, Markup]:
    """(title, the page's main content) for ``offer`` in its current state."""
    state = offer.state_at(now).value
    subject = offer.credential_subject
    achievement = _achievement(subject)
    config = settings.credential_configurations.get(offer.credential_configuration_ids[0])
    credential_type = config.credential_type if config else "OpenBadgeCredential"
    name = _text(achievement.get("name")) or (config.display_name if config else None) or "Your badge"
    label, heading = OFFER_STATES[state]
    criteria = achievement.get("criteria")
    narrative = _text(criteria.get("narrative")) if isinstance(criteria, Mapping) else None
    body = (
        _offered(offer, service.offer_uri(offer), f"{prefix}/credential-offer/{offer.reference}/qr.svg", name)
        if state == OfferState.OFFERED.value
        else _settled(state)
    )
    main = render(
        "offer.html",
        image=_image(achievement, name),
        kind=_KINDS.get(credential_type, "Open Badge"),
        name=name,
        description=el("p", _text(achievement.get("description")), class_="description")
        if achievement.get("description") else None,
        criteria=el("p", el("strong", "How it was earned: "), narrative, class_="criteria") if narrative else None,
        issuer=settings.issuer.name,
        issuer_description=el("p", settings.issuer.description, class_="hint") if settings.issuer.description else None,
        state=state,
        state_label=label,
        state_url=f"{prefix}/offers/{offer.reference}/state",
        heading=heading,
        body=body,
    )
    return f"{name} \u2013 {label}", main


class OfferPages:
    def __init__(self, site: Site) -> None:
        self.site = site

    async def _offer(self, request: web.Request) -> OfferRecord | None:
        service = request.config_dict[issuer_key]
        return await service.store.get_offer_by_reference(request.match_info["reference"])

    async def page(self, request: web.Request) -> web.Response:
        offer = await self._offer(request)
        if offer is None:
            return self.site.not_found(request, "There is no badge offer at this address. Check the link you got.")
        service = request.config_dict[issuer_key]
        title, main = offer_main(
            offer,
            settings=request.config_dict[settings_key],
            service=service,
            prefix=self.site.prefix,
            now=service.clock.now(),
        )
        return self.site.page(request, title, main, scripts=["live.js"])

    async def state(self, request: web.Request) -> web.Response:
        offer = await self._offer(request)
        if offer is None:
            raise NotFoundError("no such offer")
        return json_no_store({"state": offer.state_at(request.config_dict[issuer_key].clock.now()).value})
