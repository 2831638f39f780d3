"""The OpenAPI 3.1 description of the admin API (OAS 3.1.0, schemas in JSON Schema 2020-12) against the real app.

- the document is valid OpenAPI 3.1 (openapi-spec-validator) and every ``$ref`` resolves;
- it names exactly the routes the app serves under ``/admin`` (walking the router and its sub-apps);
- every operation is called through ``create_app``: each answer's status must be documented and its body must match
  the schema documented for that status, each documented status must be produced, and each request body sent is
  checked against the documented request schema (accepted bodies must validate, refused ones must not, where
  JSON Schema can say why);
- the request schemas name exactly the fields of the models the handlers parse, and the enums their values.
"""

from __future__ import annotations

import contextlib
import dataclasses
import inspect
import json
import re
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from aiohttp import web
from jsonschema import Draft202012Validator
from openapi_spec_validator import OpenAPIV31SpecValidator, validate
from pydantic import BaseModel
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from oid4vc.clock import FixedClock
from oid4vc.config import Settings
from oid4vc.crypto.keystore import KeyRing
from oid4vc.issuance.notification import EVENTS
from oid4vc.issuance.offer import OfferApproval, OfferCreate, TxCodeInput
from oid4vc.ler import summary
from oid4vc.presentation.presets import OpenBadgePreset
from oid4vc.presentation.request import PresentationCreate
from oid4vc.services.events import Event
from oid4vc.store.base import (
    CredentialState,
    DeliveryState,
    EventRecord,
    OfferState,
    PresentationStatus,
    StatusAction,
    StatusKind,
    StoreUnavailableError,
)
from oid4vc.store.memory import MemoryStore
from oid4vc.web.admin_credentials import StatusChangeInput
from oid4vc.web.app import create_app
from oid4vc.web.keys import issuer_key
from oid4vc.web.openapi import admin_openapi
from oid4vc.webhooks.targets import WebhookInput
from tests.conftest import ACHIEVEMENT_SUBJECT, ADMIN, ADMIN_TOKEN, PUBLIC_URL, T0, AppClient
from tests.support.presenter import fetch_request, post_response, sd_jwt_presentation
from tests.support.wallet import holder_key
from tests.support.webhooks import SECRET, eventually
from tests.web.flow import credential_request, get_token
from tests.web.lifecycle import claims_of, credential_id

BASE = "urn:oid4vc:admin-openapi"
JSON_TYPE = "application/json"
SD_JWT = "OpenBadgeCredential_dc_sd_jwt"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_UNSET: Any = object()


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """With the event outbox on, so that every operation under /admin has its store path (events included)."""
    events = settings.events.model_copy(update={"outbox": True, "poll_interval": 0.02})
    return settings.model_copy(update={"events": events})


@pytest.fixture
def document(settings: Settings) -> dict[str, Any]:
    return admin_openapi(settings)


def pointer(*parts: str) -> str:
    return "/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def resolve(document: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node and len(node) == 1:
        ref = node["$ref"]
        assert ref.startswith("#/"), ref
        node = document
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def operations(document: dict[str, Any]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    """operationId -> (METHOD, path template, operation)."""
    out = {}
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                out[item[method]["operationId"]] = (method.upper(), path, item[method])
    return out


# -- the router ----------------------------------------------------------------------------------------------

_GROUP = re.compile(r"\(\?P<(\w+)>([^()]*)\)")


def _expand(resource: web.AbstractResource) -> list[str]:
    """The resource's path template; a variable restricted to literal alternatives (``{action:a|b}``) gives one
    path per alternative, which the document lists as separate operations."""
    paths = [resource.canonical]
    pattern = resource.get_info().get("pattern")
    for name, regex in _GROUP.findall(pattern.pattern if pattern is not None else ""):
        if re.fullmatch(r"[\w.-]+(\|[\w.-]+)*", regex):
            paths = [p.replace(f"{{{name}}}", alt) for p in paths for alt in regex.split("|")]
    return paths


def _walk(app: web.Application) -> Iterator[tuple[str, str]]:
    for resource in app.router.resources():
        sub = resource.get_info().get("app")
        if isinstance(sub, web.Application):
            yield from _walk(sub)
            continue
        methods = {route.method for route in resource}
        for method in methods:
            if method == "HEAD" and "GET" in methods:
                continue  # aiohttp adds HEAD to every GET
            for path in _expand(resource):
                yield method, path


def admin_routes(app: web.Application) -> set[tuple[str, str]]:
    return {(m, p) for m, p in _walk(app) if p == "/admin" or p.startswith("/admin/")}


def documented_routes(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {(method, path) for method, path, _ in operations(document).values()}


# -- the document itself -------------------------------------------------------------------------------------


def test_document_is_valid_openapi_31(document: dict[str, Any]) -> None:
    validate(document, cls=OpenAPIV31SpecValidator)
    assert document["openapi"].startswith("3.1.")
    assert document["jsonSchemaDialect"] == "https://json-schema.org/draft/2020-12/schema"
    assert document["servers"] == [{"url": PUBLIC_URL}]
    scheme = document["components"]["securitySchemes"]["adminToken"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert document["security"] == [{"adminToken": []}]
    for schema in document["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)


def test_every_reference_resolves_and_every_component_is_used(document: dict[str, Any]) -> None:
    refs: set[str] = set()

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                refs.add(node["$ref"])
                resolve(document, {"$ref": node["$ref"]})
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(document)
    components = document["components"]
    defined = {f"#/components/{kind}/{name}" for kind in ("schemas", "responses") for name in components[kind]}
    assert defined <= refs, defined - refs


def test_every_admin_route_is_documented_and_nothing_else(client: AppClient, document: dict[str, Any]) -> None:
    assert client.app is not None
    served = admin_routes(client.app)
    assert ("POST", "/admin/offers") in served and ("POST", "/admin/credentials/{credential_id}/revoke") in served
    documented = documented_routes(document)
    assert served - documented == set(), "routes the document lacks"
    assert documented - served == set(), "documented routes that do not exist"
    ids = [op["operationId"] for _, _, op in operations(document).values()]
    assert len(ids) == len(set(ids))


def _fields(model: type[BaseModel]) -> set[str]:
    return {field.alias or name for name, field in model.model_fields.items()}


def _props(document: dict[str, Any], name: str) -> set[str]:
    return set(document["components"]["schemas"][name]["properties"])


def test_request_schemas_name_exactly_what_the_handlers_parse(document: dict[str, Any]) -> None:
    assert _props(document, "OfferCreate") == _fields(OfferCreate)
    assert _props(document, "TxCodeInput") == _fields(TxCodeInput)
    assert _props(document, "OfferApproval") == _fields(OfferApproval)
    assert _props(document, "StatusChange") == _fields(StatusChangeInput)
    assert _props(document, "PresentationCreate") == _fields(PresentationCreate) | {"preset"}  # the handler's own
    assert _props(document, "OpenBadgePreset") == _fields(OpenBadgePreset)
    assert _props(document, "WebhookInput") == _fields(WebhookInput)


def test_answer_schemas_follow_the_enums_and_summaries(document: dict[str, Any], settings: Settings) -> None:
    schemas = document["components"]["schemas"]
    config_ids = schemas["OfferCreate"]["properties"]["credential_configuration_id"]["enum"]
    assert config_ids == sorted(settings.credential_configurations)
    assert set(schemas["Offer"]["properties"]["state"]["enum"]) == {s.value for s in OfferState}
    assert set(schemas["Credential"]["properties"]["state"]["enum"]) == {s.value for s in CredentialState}
    assert set(schemas["StatusEntry"]["properties"]["kind"]["enum"]) == {s.value for s in StatusKind}
    assert set(schemas["StatusChangeEvent"]["properties"]["action"]["enum"]) == {s.value for s in StatusAction}
    assert set(schemas["Presentation"]["properties"]["status"]["enum"]) == {s.value for s in PresentationStatus}
    assert set(schemas["Delivery"]["properties"]["state"]["enum"]) == {s.value for s in DeliveryState}
    assert _props(document, "Event") == set(Event("x.y", T0, {}).to_json())
    assert set(schemas["Offer"]["properties"]["notification_event"]["anyOf"][0]["enum"]) == set(EVENTS)
    for name, cls in [("AchievementSummary", summary.AchievementSummary), ("AchievementInfo", summary.AchievementInfo),
                      ("ResultSummary", summary.ResultSummary), ("AlignmentSummary", summary.AlignmentSummary)]:
        assert _props(document, name) == {f.name for f in dataclasses.fields(cls)}, name
    revoke = {f"/admin/credentials/{{credential_id}}/{a.value}" for a in StatusAction}
    assert revoke <= set(document["paths"])


# -- serving it ----------------------------------------------------------------------------------------------


async def test_served_without_the_token_and_with_it(client: AppClient, document: dict[str, Any]) -> None:
    for headers in ({}, ADMIN, {"Authorization": "Bearer wrong"}):
        resp = await client.get("/admin/openapi.json", headers=headers)
        assert resp.status == 200 and resp.content_type == JSON_TYPE
        assert await resp.json() == document
    assert (await client.head("/admin/openapi.json")).status == 200
    # the exemption is for that one route: its neighbours still need the token
    assert (await client.get("/admin/offers/openapi.json")).status == 401
    assert (await client.post("/admin/openapi.json")).status == 401


async def test_served_under_a_path_prefix_with_its_server_url(
    aiohttp_client: Callable[..., Awaitable[AppClient]], settings: Settings, clock: FixedClock
) -> None:
    public = "https://issuer.example/tenant"
    prefixed = settings.model_copy(update={"server": settings.server.model_copy(update={"public_url": public})})
    app = create_app(prefixed, store=MemoryStore(), keys=KeyRing.ephemeral(), clock=clock, admin_token=ADMIN_TOKEN)
    client = await aiohttp_client(app)
    resp = await client.get("/tenant/admin/openapi.json")
    assert resp.status == 200
    body = await resp.json()
    assert body["servers"] == [{"url": public}] and "/admin/offers" in body["paths"]
    assert {p.removeprefix("/tenant") for _, p in _walk(app) if p.startswith("/tenant/admin")} == set(body["paths"])


# -- contract: every operation, every documented status ------------------------------------------------------


class Contract:
    """Calls the app and checks each exchange against the document; remembers the statuses seen per operation."""

    def __init__(self, document: dict[str, Any], client: AppClient, store: MemoryStore, clock: FixedClock) -> None:
        self.document, self.client, self.store, self.clock = document, client, store, clock
        self.registry = Registry().with_resource(BASE, DRAFT202012.create_resource(document))
        self.seen: dict[str, set[str]] = defaultdict(set)
        self.templates = [
            (re.compile("^" + re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(path)) + "$"), method, path)
            for method, path, _ in operations(document).values()
        ]

    def validator(self, *parts: str) -> Draft202012Validator:
        return Draft202012Validator({"$ref": f"{BASE}#{pointer(*parts)}"}, registry=self.registry,
                                    format_checker=Draft202012Validator.FORMAT_CHECKER)

    def find(self, method: str, path: str) -> tuple[str, dict[str, Any]]:
        matches = [t for rx, m, t in self.templates if m == method and rx.match(path)]
        assert matches, f"{method} {path} is not documented"
        template = max(matches, key=lambda t: len(re.sub(r"\{\w+\}", "", t)))  # the most literal one
        return template, self.document["paths"][template][method.lower()]

    async def call(self, method: str, path: str, *, json_body: Any = _UNSET, data: bytes | None = None,
                   headers: dict[str, str] | None = None, valid: bool | None = True) -> tuple[int, Any]:
        """``valid``: whether the documented request schema accepts ``json_body`` (None: it cannot tell)."""
        template, op = self.find(method, urlsplit(path).path)
        kwargs: dict[str, Any] = {"headers": ADMIN if headers is None else headers}
        if json_body is not _UNSET:
            assert "requestBody" in op, f"{template} takes no body"
            errors = list(self.validator("paths", template, method.lower(), "requestBody", "content", JSON_TYPE,
                                         "schema").iter_errors(json_body))
            if valid is not None:
                assert (not errors) == valid, (template, json_body, [e.message for e in errors])
            kwargs["json"] = json_body
        elif data is not None:
            kwargs["data"] = data
            kwargs["headers"] = kwargs["headers"] | {"Content-Type": JSON_TYPE}
        resp = await self.client.request(method, path, **kwargs)
        status = str(resp.status)
        assert status in op["responses"], f"{method} {template} answered undocumented {status}: {await resp.text()}"
        documented = resolve(self.document, op["responses"][status])
        for header in documented.get("headers", {}):
            assert header in resp.headers, (template, status, header)
        body: Any = None
        if JSON_TYPE in documented.get("content", {}):
            assert resp.content_type == JSON_TYPE, (template, status, resp.content_type)
            body = await resp.json()
            where: tuple[str, ...] = ("paths", template, method.lower(), "responses", status)
            if "$ref" in op["responses"][status]:
                where = ("components", "responses", op["responses"][status]["$ref"].rsplit("/", 1)[1])
            errors = list(self.validator(*where, "content", JSON_TYPE, "schema").iter_errors(body))
            assert not errors, (method, template, status, [f"{list(e.absolute_path)}: {e.message}" for e in errors])
        elif "text/event-stream" in documented.get("content", {}):
            assert resp.content_type == "text/event-stream"
            body = _events(await resp.text())
            assert body, "no events"
            schema = self.validator("paths", template, method.lower(), "responses", status, "x-event-data")
            for event, payload in body:
                assert event == payload["type"] if template == "/admin/events" else event == "status"
                errors = list(schema.iter_errors(payload))
                assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors]
        self.seen[op["operationId"]].add(status)
        return resp.status, body

    async def common_errors(self, method: str, path: str, json_body: Any = _UNSET) -> None:
        """401 without or with a wrong token, then 500 and 503 from a failing store."""
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {ADMIN_TOKEN}"}):
            status, body = await self.call(method, path, json_body=json_body, headers=headers)
            assert status == 401 and body["error"] == "unauthorized"
        with failing_store(self.store, RuntimeError("boom")):
            status, body = await self.call(method, path, json_body=json_body)
        assert status == 500 and "boom" not in json.dumps(body)
        with failing_store(self.store, StoreUnavailableError("connection refused")):
            status, _ = await self.call(method, path, json_body=json_body)
        assert status == 503


def _events(text: str) -> list[tuple[str, Any]]:
    """(event, data) of each event of a stream; comments and ``retry:`` lines are not events."""
    out = []
    for block in text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if not line.startswith(":"))
        if "event" in fields:
            out.append((fields["event"], json.loads(fields["data"])))
    return out


@contextlib.contextmanager
def failing_store(store: MemoryStore, error: Exception) -> Iterator[None]:
    async def fail(*args: object, **kwargs: object) -> None:
        raise error

    names = [n for n, f in inspect.getmembers(type(store), inspect.iscoroutinefunction) if not n.startswith("_")]
    for name in names:
        setattr(store, name, fail)
    try:
        yield
    finally:
        for name in names:
            delattr(store, name)


OFFER = {"credential_configuration_id": "OpenBadgeCredential_jwt_vc_json", "credential_subject": ACHIEVEMENT_SUBJECT}
NAME = ["credentialSubject", "achievement", "name"]
VCT = f"{PUBLIC_URL}/vct/OpenBadgeCredential"
DCQL = {"credentials": [{"id": "badge", "format": "dc+sd-jwt", "meta": {"vct_values": [VCT]},
                         "claims": [{"path": NAME}]}]}


async def _offer(c: Contract, **extra: Any) -> dict[str, Any]:
    status, body = await c.call("POST", "/admin/offers", json_body=OFFER | extra)
    assert status == 201
    return dict(body)


async def _issued(c: Contract) -> str:
    """A dc+sd-jwt credential (Token Status List: revocable and suspendable); its id."""
    token, _ = await get_token(c.client, credential_configuration_id=SD_JWT)
    resp = await credential_request(c.client, token, config_id=SD_JWT)
    assert resp.status == 200, await resp.text()
    return credential_id((await resp.json())["credentials"][0]["credential"])


async def create_offer(c: Contract) -> None:
    created = await _offer(c, tx_code=True, by_reference=True, expires_in=600)  # the README's example
    assert created["tx_code"].isdigit() and created["credential_offer_uri"]
    body = {"credential_configuration_ids": ["OpenBadgeCredential_jwt_vc_json", SD_JWT],
            "credential_subject": ACHIEVEMENT_SUBJECT, "tx_code": {"length": 4, "input_mode": "text",
                                                                   "description": "from the e-mail"},
            "by_reference": False, "approval_required": True}
    status, by_value = await c.call("POST", "/admin/offers", json_body=body)
    assert status == 201 and by_value["credential_offer_uri"] is None and len(by_value["tx_code"]) == 4
    watched = OFFER | {"webhook": {"url": "https://127.0.0.1:9/hook", "secret": SECRET}}  # refused at delivery
    assert (await c.call("POST", "/admin/offers", json_body=watched))[0] == 201
    refused: list[tuple[Any, bool | None]] = [
        (OFFER | {"surprise": 1}, False),
        (OFFER | {"expires_in": 5}, False),
        (OFFER | {"expires_in": 10**9}, False),
        (OFFER | {"credential_configuration_id": "Nope"}, False),
        (OFFER | {"tx_code": {"length": 2}}, False),
        (OFFER | {"credential_configuration_ids": [SD_JWT]}, False),  # both ways of naming configurations
        ({"credential_subject": ACHIEVEMENT_SUBJECT}, False),
        (OFFER | {"credential_subject": {"achievement": {"id": "https://x.example/a"}}}, None),  # 1EdTech schema
        (["not", "an", "object"], False),
        (OFFER | {"webhook": {"url": "https://hooks.example/x", "secret": "short"}}, False),
        (OFFER | {"webhook": {"url": "not a url", "secret": SECRET}}, False),
        (OFFER | {"webhook": {"url": "https://hooks.example/x"}}, False),
        (OFFER | {"webhook": {"url": "http://hooks.example/x", "secret": SECRET}}, True),  # http: dev mode only
    ]
    for body, valid in refused:
        status, error = await c.call("POST", "/admin/offers", json_body=body, valid=valid)
        assert status == 400 and error["error"] == "invalid_request", (body, error)
    assert (await c.call("POST", "/admin/offers", data=b"{"))[0] == 400
    await c.common_errors("POST", "/admin/offers", OFFER)


async def get_offer(c: Contract) -> None:
    created = await _offer(c, tx_code=True)
    status, offer = await c.call("GET", f"/admin/offers/{created['id']}")
    assert status == 200 and offer["state"] == "offered" and "tx_code" not in offer
    token, issued = await get_token(c.client)
    assert (await credential_request(c.client, token)).status == 200
    status, offer = await c.call("GET", f"/admin/offers/{issued['id']}")
    assert offer["state"] == "issued" and offer["offer_uri"] is None and len(offer["credential_ids"]) == 1
    c.clock.advance(3600)
    status, offer = await c.call("GET", f"/admin/offers/{created['id']}")
    assert offer["state"] == "expired"
    assert (await c.call("GET", "/admin/offers/nope"))[0] == 404
    await c.common_errors("GET", f"/admin/offers/{created['id']}")


async def approve_offer(c: Contract) -> None:
    pending = await _offer(c, approval_required=True)
    path = f"/admin/offers/{pending['id']}/approve"
    status, offer = await c.call("POST", path)
    assert status == 200 and offer["approved_at"]
    renamed = {"achievement": ACHIEVEMENT_SUBJECT["achievement"] | {"name": "Nursing Basics (with honours)"}}
    assert (await c.call("POST", path, json_body={"credential_subject": renamed}))[0] == 200
    assert (await c.call("POST", path, json_body={"credential_subject": None}))[0] == 200
    for body, valid in [({"surprise": 1}, False), ({"credential_subject": "x"}, False),
                        ({"credential_subject": {"achievement": {"id": "https://x.example/a"}}}, None)]:
        status, error = await c.call("POST", path, json_body=body, valid=valid)
        assert status == 400, error
    plain = await _offer(c)
    status, error = await c.call("POST", f"/admin/offers/{plain['id']}/approve")
    assert status == 409 and "does not require approval" in error["error_description"]
    assert (await c.call("POST", "/admin/offers/nope/approve"))[0] == 404
    await c.common_errors("POST", path)


async def list_offer_credentials(c: Contract) -> None:
    cid = await _issued(c)
    _, detail = await c.call("GET", f"/admin/credentials/{cid}")
    status, listed = await c.call("GET", f"/admin/offers/{detail['offer_id']}/credentials")
    assert status == 200 and [x["id"] for x in listed["credentials"]] == [cid]
    empty = await _offer(c)
    assert (await c.call("GET", f"/admin/offers/{empty['id']}/credentials"))[1] == {"credentials": []}
    assert (await c.call("GET", "/admin/offers/nope/credentials"))[0] == 404
    await c.common_errors("GET", f"/admin/offers/{empty['id']}/credentials")


async def get_credential(c: Contract) -> None:
    cid = await _issued(c)
    status, detail = await c.call("GET", f"/admin/credentials/{cid}")
    assert status == 200 and detail["status"]["kind"] == "token" and detail["history"] == []
    assert (await c.call("GET", "/admin/credentials/urn:uuid:nope"))[0] == 404
    await c.common_errors("GET", f"/admin/credentials/{cid}")


async def _status_change(c: Contract, action: str) -> None:
    cid, other = await _issued(c), await _issued(c)
    path = f"/admin/credentials/{cid}/{action}"
    if action == "reinstate":
        status, error = await c.call("POST", path)
        assert status == 409 and "current state" in error["error_description"]  # only from suspension
        await c.call("POST", f"/admin/credentials/{cid}/suspend", json_body={"reason": "under review"})
    status, detail = await c.call("POST", path, json_body={"reason": f"{action} for the contract test"})
    assert status == 200 and detail["history"][-1]["action"] == action
    if action != "reinstate":
        await c.call("POST", f"/admin/credentials/{cid}/revoke")
        status, error = await c.call("POST", path)
        assert status == 409 and error["error"] == "conflict"  # revocation is final
    for body, valid in [({"reason": "x" * 501}, False), ({"why": "?"}, False), ({"reason": 5}, False)]:
        assert (await c.call("POST", f"/admin/credentials/{other}/{action}", json_body=body, valid=valid))[0] == 400
    assert (await c.call("POST", f"/admin/credentials/{other}/{action}", data=b"{"))[0] == 400
    assert (await c.call("POST", f"/admin/credentials/urn:uuid:nope/{action}"))[0] == 404
    await c.common_errors("POST", f"/admin/credentials/{other}/{action}", {"reason": None})


async def revoke_credential(c: Contract) -> None:
    await _status_change(c, "revoke")


async def suspend_credential(c: Contract) -> None:
    await _status_change(c, "suspend")


async def reinstate_credential(c: Contract) -> None:
    await _status_change(c, "reinstate")


async def _answered(c: Contract, *, right_key: bool = True) -> str:
    """A presentation request answered by a test wallet with an issued dc+sd-jwt credential; its id."""
    key = holder_key()
    token, _ = await get_token(c.client, credential_configuration_id=SD_JWT)
    resp = await credential_request(c.client, token, key=key, config_id=SD_JWT)
    credential = (await resp.json())["credentials"][0]["credential"]
    assert claims_of(credential)
    _, created = await c.call("POST", "/admin/presentations", json_body={"dcql_query": DCQL})
    request = await fetch_request(c.client, created["request_uri"])
    presentation = sd_jwt_presentation(credential, key if right_key else holder_key(), request)
    answer = await post_response(c.client, request, {"badge": [presentation]})
    assert answer.status == (200 if right_key else 400), await answer.text()
    return str(created["id"])


async def create_presentation(c: Contract) -> None:
    status, created = await c.call("POST", "/admin/presentations", json_body={"dcql_query": DCQL})
    assert status == 201 and created["status"] == "pending" and created["request_uri"].startswith("openid4vp://")
    preset = {"preset": {"preset": "open_badge", "achievement_name": "Nursing Basics", "issuers": ["did:web:x"],
                         "max_age_days": 365, "formats": ["dc+sd-jwt", "ldp_vc"]},
              "response_mode": "direct_post", "request_uri_method": "post", "expires_in": 600,
              "webhook": {"url": "https://127.0.0.1:9/hook", "secret": SECRET}}
    status, created = await c.call("POST", "/admin/presentations", json_body=preset)
    assert status == 201 and len(created["dcql_query"]["credentials"]) == 2
    bad_id = {"credentials": [DCQL["credentials"][0] | {"id": "not ok!"}]}
    refused: list[tuple[Any, bool | None]] = [
        ({"dcql_query": DCQL, "surprise": 1}, False),
        ({"dcql_query": DCQL, "expires_in": 5}, False),
        ({"dcql_query": DCQL, "response_mode": "fragment"}, False),
        ({"dcql_query": bad_id}, False),
        ({"dcql_query": {"credentials": []}}, False),
        ({}, False),
        ({"preset": {"preset": "open_badge", "formats": []}}, False),
        ({"preset": {"preset": "open_badge", "colour": "red"}}, False),
        ({"dcql_query": DCQL, "webhook": {"url": "https://hooks.example/x", "secret": "short"}}, False),
    ]
    for body, valid in refused:
        status, error = await c.call("POST", "/admin/presentations", json_body=body, valid=valid)
        assert status == 400 and error["error"] == "invalid_request", (body, error)
    assert (await c.call("POST", "/admin/presentations", data=b"{"))[0] == 400
    await c.common_errors("POST", "/admin/presentations", {"dcql_query": DCQL})


async def get_presentation(c: Contract) -> None:
    _, pending = await c.call("POST", "/admin/presentations", json_body={"dcql_query": DCQL})
    status, body = await c.call("GET", f"/admin/presentations/{pending['id']}?wait=0.01")
    assert status == 200 and body["status"] == "pending" and "error_description" not in body
    verified = await _answered(c)
    status, body = await c.call("GET", f"/admin/presentations/{verified}")
    assert body["status"] == "verified" and body["credentials"][0]["summary"]["achievements"]
    rejected = await _answered(c, right_key=False)
    status, body = await c.call("GET", f"/admin/presentations/{rejected}")
    assert body["status"] == "rejected" and body["error"] and body["error_description"]
    assert (await c.call("GET", f"/admin/presentations/{verified}?wait=soon"))[0] == 400
    assert (await c.call("GET", "/admin/presentations/nope"))[0] == 404
    await c.common_errors("GET", f"/admin/presentations/{verified}")


async def follow_presentation(c: Contract) -> None:
    verified = await _answered(c)
    status, events = await c.call("GET", f"/admin/presentations/{verified}/events")
    assert status == 200 and [e[1]["status"] for e in events] == ["verified"]
    _, pending = await c.call("POST", "/admin/presentations", json_body={"dcql_query": DCQL, "expires_in": 60})
    c.clock.advance(61)
    status, events = await c.call("GET", f"/admin/presentations/{pending['id']}/events")
    assert [e[1]["status"] for e in events] == ["expired"]
    assert (await c.call("GET", "/admin/presentations/nope/events"))[0] == 404
    await c.common_errors("GET", f"/admin/presentations/{verified}/events")


async def stream_events(c: Contract) -> None:
    seen: list[Event] = []
    c.client.app[issuer_key].events.subscribe(seen.append)
    await _offer(c)
    await _offer(c)
    status, events = await c.call("GET", f"/admin/events?timeout=0.1&last_event_id={seen[0].id}")
    assert status == 200 and [e[1]["id"] for e in events] == [seen[1].id]
    status, events = await c.call("GET", "/admin/events?timeout=0.1&types=offer.*,token.failed&last_event_id=gone")
    assert [e[0] for e in events] == ["stream.reset"]
    for query in ("types=Offer", "timeout=0", "timeout=x"):
        assert (await c.call("GET", f"/admin/events?{query}"))[0] == 400
    await c.common_errors("GET", f"/admin/events?timeout=0.1&last_event_id={seen[0].id}")


async def get_event(c: Contract) -> None:
    record = EventRecord("e-gone", "offer.created", T0, "o1", "r1", {"by_reference": True})
    await c.store.record_events([(record, ["removed-from-settings"])], now=T0)

    async def given_up() -> bool:
        return (await c.store.event_deliveries("e-gone"))[0].state is DeliveryState.FAILED

    await eventually(given_up)
    status, detail = await c.call("GET", "/admin/events/e-gone")
    assert status == 200 and detail["event"]["type"] == "offer.created"
    (delivery,) = detail["deliveries"]
    assert delivery["state"] == "failed" and delivery["history"][0]["error"] == "the target is no longer configured"
    assert (await c.call("GET", "/admin/events/nope"))[0] == 404
    await c.common_errors("GET", "/admin/events/e-gone")


async def get_openapi_document(c: Contract) -> None:
    status, body = await c.call("GET", "/admin/openapi.json", headers={})
    assert status == 200 and body == c.document


SCENARIOS: dict[str, Callable[[Contract], Awaitable[None]]] = {
    "createOffer": create_offer,
    "getOffer": get_offer,
    "approveOffer": approve_offer,
    "listOfferCredentials": list_offer_credentials,
    "getCredential": get_credential,
    "revokeCredential": revoke_credential,
    "suspendCredential": suspend_credential,
    "reinstateCredential": reinstate_credential,
    "createPresentation": create_presentation,
    "getPresentation": get_presentation,
    "followPresentation": follow_presentation,
    "streamEvents": stream_events,
    "getEvent": get_event,
    "getOpenApiDocument": get_openapi_document,
}


def test_every_operation_has_a_contract_scenario(document: dict[str, Any]) -> None:
    assert set(SCENARIOS) == set(operations(document))


@pytest.mark.parametrize("operation_id", sorted(SCENARIOS))
async def test_contract(operation_id: str, client: AppClient, store: MemoryStore, clock: FixedClock,
                        document: dict[str, Any]) -> None:
    contract = Contract(document, client, store, clock)
    await SCENARIOS[operation_id](contract)
    documented = set(operations(document)[operation_id][2]["responses"])
    never = documented - contract.seen[operation_id]
    assert contract.seen[operation_id] == documented, f"documented but never produced: {never}"
