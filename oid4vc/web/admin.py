"""Operator API under ``/admin`` (not a wallet protocol): bearer-token protected JSON.

``POST /admin/offers`` -> 201 with the offer link, optional tx_code (shown once) and QR URLs;
``GET /admin/offers/{id}`` -> the offer's state and the ids of the credentials issued from it;
``POST /admin/offers/{id}/approve`` -> releases an offer that requires approval (deferred issuance);
issued credentials (status changes, audit trail): ``web.admin_credentials``; the event stream and event detail
with webhook deliveries: ``web.events``;
``GET /admin/openapi.json`` -> the OpenAPI 3.1 description of all of it (``web.openapi``), served without the token:
it holds no secret, and tooling can read it.
"""

from __future__ import annotations

import hmac

from aiohttp import web
from aiohttp.typedefs import Handler
from pydantic import ValidationError

from oid4vc.errors import AdminUnauthorizedError, InvalidRequestError
from oid4vc.issuance.offer import OfferApproval, OfferCreate
from oid4vc.model import describe_validation_error
from oid4vc.services.issuance import CreatedOffer
from oid4vc.store.base import OfferRecord
from oid4vc.web import admin_credentials, events, verifier
from oid4vc.web.admin_credentials import read_optional_json
from oid4vc.web.keys import admin_token_key, issuer_key, settings_key
from oid4vc.web.openapi import admin_openapi
from oid4vc.web.pages.links import offer_page_path
from oid4vc.web.responses import json_no_store, read_json

__all__ = ["admin_app"]


@web.middleware
async def require_admin_token(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.match_info.handler is openapi_document:
        return await handler(request)
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    expected = request.config_dict[admin_token_key]
    # aiohttp hands over header bytes that are not UTF-8 as lone surrogates; a bearer token is ASCII (RFC 6750 §2.1)
    if scheme.lower() != "bearer" or not token.isascii() or not hmac.compare_digest(
        token.strip().encode(), expected.encode()
    ):
        raise AdminUnauthorizedError()
    return await handler(request)


def _iso(offer: OfferRecord, name: str) -> str:
    return getattr(offer, name).strftime("%Y-%m-%dT%H:%M:%SZ")  # type: ignore[no-any-return]


def _offer_view(request: web.Request, offer: OfferRecord) -> dict[str, object]:
    service = request.config_dict[issuer_key]
    base = service.issuer_url
    return {
        "id": offer.id,
        "state": offer.state_at(service.clock.now()).value,
        "credential_configuration_ids": list(offer.credential_configuration_ids),
        "credential_ids": list(offer.credential_ids),
        "tx_code_required": offer.tx_code is not None,
        "tx_code_attempts": offer.tx_code_attempts,
        "created_at": _iso(offer, "created_at"),
        "expires_at": _iso(offer, "expires_at"),
        "offer_uri": service.offer_uri(offer),
        "credential_offer_uri": service.credential_offer_uri(offer) if offer.by_reference else None,
        "qr_png_url": f"{base}/credential-offer/{offer.reference}/qr.png",
        "qr_svg_url": f"{base}/credential-offer/{offer.reference}/qr.svg",
        "page_url": offer_page_path(base, offer.reference),
        "approval_required": offer.approval_required,
        "approved_at": _iso(offer, "approved_at") if offer.approved_at else None,
        "notification_event": offer.notification_event,
        "credentials_url": f"{base}/admin/offers/{offer.id}/credentials",
    }


async def create_offer(request: web.Request) -> web.Response:
    body = await read_json(request, InvalidRequestError)
    try:
        offer_request = OfferCreate.model_validate(body)
    except ValidationError as exc:
        raise InvalidRequestError(describe_validation_error(exc)) from None
    created: CreatedOffer = await request.config_dict[issuer_key].create_offer(offer_request)
    view = _offer_view(request, created.offer)
    if created.tx_code is not None:
        view["tx_code"] = created.tx_code
    base = request.config_dict[issuer_key].issuer_url
    return json_no_store(view, status=201, headers={"Location": f"{base}/admin/offers/{created.offer.id}"})


async def get_offer(request: web.Request) -> web.Response:
    offer = await request.config_dict[issuer_key].get_offer(request.match_info["offer_id"])
    return json_no_store(_offer_view(request, offer))


async def approve_offer(request: web.Request) -> web.Response:
    body = await read_optional_json(request)
    try:
        approval = OfferApproval.model_validate(body)
    except ValidationError as exc:
        raise InvalidRequestError(describe_validation_error(exc)) from None
    offer = await request.config_dict[issuer_key].approve_offer(request.match_info["offer_id"], approval)
    return json_no_store(_offer_view(request, offer))


async def openapi_document(request: web.Request) -> web.Response:
    return json_no_store(admin_openapi(request.config_dict[settings_key]))


def admin_app() -> web.Application:
    app = web.Application(middlewares=[require_admin_token])
    app.add_routes([web.post("/offers", create_offer), web.get("/offers/{offer_id}", get_offer)])
    app.add_routes([web.post("/offers/{offer_id}/approve", approve_offer)])
    app.add_routes(admin_credentials.routes())
    app.add_routes(verifier.admin_routes())
    app.add_routes(events.admin_routes())
    app.add_routes([web.get("/openapi.json", openapi_document)])
    return app
