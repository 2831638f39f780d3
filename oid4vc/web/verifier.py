"""OpenID4VP 1.0 Verifier endpoints.

Wallet-facing: the Request URI (``GET`` and, for ``request_uri_method=post``, ``POST`` with ``wallet_nonce``;
§5.10) answering ``application/oauth-authz-req+jwt``, and the Response URI (``direct_post`` /
``direct_post.jwt``; §8.2) answering 200 JSON (with ``redirect_uri`` for same-device flows) or 400
``invalid_request`` with the reason when a presentation is refused.

Operator-facing (under ``/admin``): create a request, read its status and result (``?wait=SECONDS`` long-poll),
or follow it as Server-Sent Events.
"""

from __future__ import annotations

import asyncio
import json

from aiohttp import web
from pydantic import ValidationError

from oid4vc.errors import InvalidRequestError
from oid4vc.model import describe_validation_error
from oid4vc.presentation.presets import OpenBadgePreset, expand_preset
from oid4vc.presentation.request import PresentationCreate
from oid4vc.services.verification import VerifierService
from oid4vc.store.base import PresentationRecord, PresentationStatus
from oid4vc.web.keys import admin_token_key, verifier_key
from oid4vc.web.pages.links import page_key, presentation_page_path
from oid4vc.web.pages.qr import qr_png, qr_svg
from oid4vc.web.responses import NO_STORE, json_no_store, read_form, read_json

__all__ = ["admin_routes", "routes"]

MAX_WAIT = 60.0
POLL = 0.25


async def _form(request: web.Request) -> dict[str, str]:
    return await read_form(request, InvalidRequestError)


async def request_object(request: web.Request) -> web.Response:
    form = await _form(request) if request.method == "POST" else None
    token = await request.app[verifier_key].request_object(request.match_info["pid"], form)
    return web.Response(text=token, content_type="application/oauth-authz-req+jwt", headers=NO_STORE)


async def response(request: web.Request) -> web.Response:
    body = await request.app[verifier_key].respond(request.match_info["pid"], await _form(request))
    return json_no_store(body)


async def qr(request: web.Request) -> web.Response:
    service = request.app[verifier_key]
    record = await service.get(request.match_info["pid"])
    if record.status_at(service.clock.now()) is not PresentationStatus.PENDING:
        raise web.HTTPNotFound(reason="this presentation request is no longer pending")
    link = service.link(record)
    if request.match_info["kind"] == "png":
        return web.Response(body=qr_png(link), content_type="image/png", headers=NO_STORE)
    return web.Response(body=qr_svg(link), content_type="image/svg+xml", headers=NO_STORE)


async def result_for_code(request: web.Request) -> web.Response:
    code = request.query.get("response_code", "")
    service = request.app[verifier_key]
    record = await service.result_for_code(request.match_info["pid"], code)
    return json_no_store(view(service, record))


def view(service: VerifierService, record: PresentationRecord) -> dict[str, object]:
    base = service.public_url
    out: dict[str, object] = {
        "id": record.id,
        "status": record.status_at(service.clock.now()).value,
        "created_at": record.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "expires_at": record.expires_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "client_id": record.request.get("client_id"),
        "response_mode": record.request.get("response_mode"),
        "dcql_query": record.request.get("dcql_query"),
        "qr_png_url": f"{base}/presentations/{record.id}/qr.png",
        "qr_svg_url": f"{base}/presentations/{record.id}/qr.svg",
        "credentials": [],
        "error": None,
    }
    if record.result is not None:
        out |= {
            "credentials": record.result.get("credentials", []),
            "error": record.result.get("error"),
            "error_description": record.result.get("error_description"),
        }
    return out


def _admin_view(request: web.Request, record: PresentationRecord) -> dict[str, object]:
    """``view`` plus the URL of the verifier's page for people (a capability URL: admin answers only)."""
    service = request.config_dict[verifier_key]
    key = page_key(request.config_dict[admin_token_key])
    return view(service, record) | {"page_url": presentation_page_path(service.public_url, record.id, key)}


async def create(request: web.Request) -> web.Response:
    body = await read_json(request, InvalidRequestError)
    service = request.config_dict[verifier_key]
    policy = None
    try:
        if isinstance(body, dict) and "preset" in body:
            if "dcql_query" in body:
                raise InvalidRequestError("give either dcql_query or preset, not both")
            preset = OpenBadgePreset.model_validate(body.pop("preset"))
            body["dcql_query"], policy = expand_preset(preset, public_url=service.public_url)
        spec = PresentationCreate.model_validate(body)
    except ValidationError as exc:
        raise InvalidRequestError(describe_validation_error(exc)) from None
    created = await service.create(spec, policy=policy)
    out = _admin_view(request, created.record) | {
        "request_uri": created.link,
        "status_url": f"{request.config_dict[verifier_key].public_url}/admin/presentations/{created.record.id}",
    }
    location = f"{service.public_url}/admin/presentations/{created.record.id}"
    return json_no_store(out, status=201, headers={"Location": location})


async def get(request: web.Request) -> web.Response:
    service = request.config_dict[verifier_key]
    pid = request.match_info["pid"]
    try:
        wait = float(request.query.get("wait", "0"))
    except ValueError:
        raise InvalidRequestError("wait must be a number of seconds") from None
    if not 0 <= wait <= MAX_WAIT:  # also refuses nan
        raise InvalidRequestError(f"wait must be between 0 and {MAX_WAIT:g} seconds")
    record = await service.get(pid)
    deadline = asyncio.get_running_loop().time() + wait
    while record.status_at(service.clock.now()) is PresentationStatus.PENDING and (
        asyncio.get_running_loop().time() < deadline
    ):
        await asyncio.sleep(POLL)
        record = await service.get(pid)
    return json_no_store(_admin_view(request, record))


async def events(request: web.Request) -> web.StreamResponse:
    """Server-Sent Events: one ``status`` event now and one on each change, until the request is final."""
    service = request.config_dict[verifier_key]
    pid = request.match_info["pid"]
    record = await service.get(pid)
    stream = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    )
    await stream.prepare(request)
    last = None
    deadline = asyncio.get_running_loop().time() + 600
    while asyncio.get_running_loop().time() < deadline:
        current = _admin_view(request, record)
        if current["status"] != last:
            last = current["status"]
            await stream.write(f"event: status\ndata: {json.dumps(current)}\n\n".encode())
        if current["status"] != PresentationStatus.PENDING.value:
            break
        await asyncio.sleep(POLL)
        record = await service.get(pid)
    await stream.write_eof()
    return stream


def routes(prefix: str) -> list[web.RouteDef]:
    base = f"{prefix}/presentations/{{pid}}"
    return [
        web.get(f"{base}/request", request_object),
        web.post(f"{base}/request", request_object),
        web.post(f"{base}/response", response),
        web.get(f"{base}/qr.{{kind:png|svg}}", qr),
        web.get(f"{base}/result", result_for_code),
    ]


def admin_routes() -> list[web.RouteDef]:
    return [
        web.post("/presentations", create),
        web.get("/presentations/{pid}", get),
        web.get("/presentations/{pid}/events", events),
    ]
