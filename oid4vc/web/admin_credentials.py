"""Operator API for issued credentials (under ``/admin``, admin bearer token): view, list by offer, and change the
status that the public status lists publish.

``GET /admin/credentials/{id}`` -> state, format, offer, holder key thumbprint, status entry, notification, history;
``GET /admin/offers/{id}/credentials`` -> the credentials issued from one offer;
``POST /admin/credentials/{id}/revoke | suspend | reinstate`` (optional body ``{"reason": "..."}``) -> 200 with the
credential; 404 unknown; 409 when the change is not allowed (revocation is final; reinstate only from suspension).
Each change is audited with the actor (``admin:`` + a hash prefix of the admin token), the time and the reason.
"""

from __future__ import annotations

import hashlib
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from oid4vc.encoding import json_loads
from oid4vc.errors import InvalidRequestError
from oid4vc.model import describe_validation_error
from oid4vc.store.base import CredentialStatusEvent, IssuedCredentialRecord, StatusAction
from oid4vc.web.keys import lifecycle_key
from oid4vc.web.responses import json_no_store

__all__ = ["StatusChangeInput", "read_optional_json", "routes"]


class StatusChangeInput(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    reason: str | None = Field(default=None, max_length=500)


async def read_optional_json(request: web.Request) -> Any:
    """The JSON body, ``{}`` when there is none; 400 invalid_request for another media type or bad JSON."""
    raw = await request.read()
    if not raw.strip():
        return {}
    if request.content_type != "application/json":
        raise InvalidRequestError("the request body must be application/json")
    try:
        return json_loads(raw)
    except ValueError:
        raise InvalidRequestError("the request body is not valid JSON") from None


def actor(request: web.Request) -> str:
    """Who made a change: the admin token is not stored, a short hash of it tells tokens apart across rotation."""
    token = request.headers.get("Authorization", "").partition(" ")[2].strip()
    return "admin:" + hashlib.sha256(token.encode()).hexdigest()[:12]


def _iso(value: Any) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value is not None else None


def _view(request: web.Request, record: IssuedCredentialRecord) -> dict[str, Any]:
    lifecycle = request.config_dict[lifecycle_key]
    status = None
    if record.status is not None:
        status = {
            "kind": record.status.kind.value,
            "list_id": record.status.list_id,
            "idx": record.status.idx,
            "entry": lifecycle.status_entry(record),
        }
    return {
        "id": record.id,
        "state": record.state.value,
        "format": record.format,
        "credential_configuration_id": record.credential_configuration_id,
        "offer_id": record.offer_id,
        "holder_jkt": record.holder_jkt,
        "issued_at": _iso(record.issued_at),
        "status": status,
        "notification": {"event": record.notification_event, "at": _iso(record.notification_at)}
        if record.notification_event
        else None,
    }


def _history(events: list[CredentialStatusEvent]) -> list[dict[str, Any]]:
    return [
        {"action": e.action.value, "from": e.from_state.value, "to": e.to_state.value, "actor": e.actor,
         "reason": e.reason, "at": _iso(e.at)}
        for e in events
    ]


async def get_credential(request: web.Request) -> web.Response:
    record, events = await request.config_dict[lifecycle_key].credential(request.match_info["credential_id"])
    return json_no_store(_view(request, record) | {"history": _history(events)})


async def offer_credentials(request: web.Request) -> web.Response:
    records = await request.config_dict[lifecycle_key].credentials_of_offer(request.match_info["offer_id"])
    return json_no_store({"credentials": [_view(request, r) for r in records]})


async def change_status(request: web.Request) -> web.Response:
    try:
        change = StatusChangeInput.model_validate(await read_optional_json(request))
    except ValidationError as exc:
        raise InvalidRequestError(describe_validation_error(exc)) from None
    lifecycle = request.config_dict[lifecycle_key]
    credential_id = request.match_info["credential_id"]
    await lifecycle.change_state(
        credential_id, StatusAction(request.match_info["action"]), actor=actor(request), reason=change.reason
    )
    record, events = await lifecycle.credential(credential_id)
    return json_no_store(_view(request, record) | {"history": _history(events)})


def routes() -> list[web.RouteDef]:
    return [
        web.get("/credentials/{credential_id}", get_credential),
        web.post("/credentials/{credential_id}/{action:revoke|suspend|reinstate}", change_status),
        web.get("/offers/{offer_id}/credentials", offer_credentials),
    ]
