"""Wallet-facing OpenID4VCI 1.0 endpoints: offer by reference (§4.1.3), token (§6), nonce (§7), credential (§8),
deferred credential (§9) and notification (§11).

Handlers parse, call one service method and render; every error is rendered by the error middleware with the
spec's code and status, and every response here carries ``Cache-Control: no-store``.
"""

from __future__ import annotations

from aiohttp import web

from oid4vc.errors import InvalidCredentialRequestError, InvalidRequestError
from oid4vc.issuance.notification import InvalidNotificationRequestError
from oid4vc.services.issuance import CredentialResponse
from oid4vc.web.keys import issuer_key, lifecycle_key
from oid4vc.web.pages.qr import qr_png, qr_svg
from oid4vc.web.responses import NO_STORE, json_no_store, read_form, read_json

__all__ = ["routes"]


async def credential_offer(request: web.Request) -> web.Response:
    offer = await request.app[issuer_key].offer_by_reference(request.match_info["reference"])
    return json_no_store(offer)  # §4.1.3: application/json


async def token(request: web.Request) -> web.Response:
    # RFC 6749 §4.1.3 / Appendix B: application/x-www-form-urlencoded, each parameter once (§3.2)
    fields = await read_form(request, InvalidRequestError, unique=True)
    return json_no_store(await request.app[issuer_key].token(fields))


async def nonce(request: web.Request) -> web.Response:
    return json_no_store({"c_nonce": await request.app[issuer_key].new_nonce()})


async def credential(request: web.Request) -> web.Response:
    service = request.app[issuer_key]
    authorized = await service.authorize(request.headers.get("Authorization"))  # 401 first (RFC 6750 §3.1)
    body = await read_json(request, InvalidCredentialRequestError)
    return _credential_response(await service.credential(authorized, body))


async def deferred_credential(request: web.Request) -> web.Response:
    service = request.app[issuer_key]
    authorized = await service.authorize(request.headers.get("Authorization"))  # §9.1: the same access token
    body = await read_json(request, InvalidCredentialRequestError)
    return _credential_response(await service.deferred_credential(authorized.token, body))


def _credential_response(result: CredentialResponse) -> web.Response:
    # §8.3 / §9.2: 200 with credentials, or 202 with transaction_id and interval
    return json_no_store(result.body, status=202 if result.deferred else 200)


async def notification(request: web.Request) -> web.Response:
    authorized = await request.app[issuer_key].authorize(request.headers.get("Authorization"))  # 401 first
    body = await read_json(request, InvalidNotificationRequestError)
    await request.app[lifecycle_key].notify(authorized.token, body)
    return web.Response(status=204, headers=NO_STORE)  # §11.2: 204 recommended


async def credential_offer_qr(request: web.Request) -> web.Response:
    """The offer link as a QR code (PNG or SVG) under the offer's unguessable reference, for pages and e-mail."""
    service = request.app[issuer_key]
    link = await service.offer_link_by_reference(request.match_info["reference"])
    if request.match_info["kind"] == "png":
        return web.Response(body=qr_png(link), content_type="image/png", headers=NO_STORE)
    return web.Response(body=qr_svg(link), content_type="image/svg+xml", headers=NO_STORE)


def routes(prefix: str) -> list[web.RouteDef]:
    return [
        web.get(f"{prefix}/credential-offer/{{reference}}", credential_offer),
        web.get(f"{prefix}/credential-offer/{{reference}}/qr.{{kind:png|svg}}", credential_offer_qr),
        web.post(f"{prefix}/token", token),
        web.post(f"{prefix}/nonce", nonce),
        web.post(f"{prefix}/credential", credential),
        web.post(f"{prefix}/deferred_credential", deferred_credential),
        web.post(f"{prefix}/notification", notification),
    ]
