"""OpenAPI Specification 3.1.0 description of the operator API under ``/admin`` (schemas in the JSON Schema 2020-12
dialect, OAS 3.1 §4.8.24), served at ``GET /admin/openapi.json``.

Built from the settings so that it states this deployment's facts: ``servers`` is the public URL, the
``credential_configuration_id`` values are the configured ones and ``expires_in`` has the configured maximum.
Every route under ``/admin`` is described with its body, parameters and each status it answers; the tests walk
the router and call every operation to check each answer against the schema documented for its status.
"""

from __future__ import annotations

import copy
from typing import Any

from oid4vc.config import Settings
from oid4vc.jose import JsonObject

__all__ = ["DIALECT", "OPENAPI_VERSION", "admin_openapi"]

OPENAPI_VERSION = "3.1.0"
DIALECT = "https://json-schema.org/draft/2020-12/schema"

_TIMESTAMP = {"type": "string", "format": "date-time", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"}
_NULL = {"type": "null"}
_ERROR_CODES = {
    "400": ("BadRequest", "invalid_request", "The body or a parameter is not acceptable; the description names it."),
    "401": ("Unauthorized", "unauthorized", "The admin bearer token is missing or wrong."),
    "404": ("NotFound", "not_found", "No such object."),
    "409": ("Conflict", "conflict", "The object's current state does not allow this change."),
    "500": ("ServerError", "server_error", "Unexpected failure; the description names the request id in the log."),
    "503": ("Unavailable", "temporarily_unavailable", "The store is unreachable; retry after `Retry-After` seconds."),
}


def _ref(name: str) -> JsonObject:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: JsonObject) -> JsonObject:
    return {"anyOf": [schema, _NULL]}


def _string_or_null(**extra: Any) -> JsonObject:
    return {"type": ["string", "null"], **extra}


def _closed(properties: JsonObject, required: list[str] | None = None, **extra: Any) -> JsonObject:
    """An object with exactly these members; ``required`` defaults to all of them (what the handlers send)."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        "additionalProperties": False,
        **extra,
    }


def _json(schema: JsonObject) -> JsonObject:
    return {"application/json": {"schema": schema}}


def _response(description: str, schema_name: str, headers: JsonObject | None = None) -> JsonObject:
    out: JsonObject = {"description": description, "content": _json(_ref(schema_name))}
    if headers:
        out["headers"] = headers
    return out


def _errors(*codes: str) -> JsonObject:
    return {code: {"$ref": f"#/components/responses/{_ERROR_CODES[code][0]}"} for code in codes}


def _location(what: str) -> JsonObject:
    return {"Location": {"description": f"The admin path of the new {what}.", "schema": {"type": "string"}}}


def _path_parameter(name: str, description: str) -> JsonObject:
    return {"name": name, "in": "path", "required": True, "description": description, "schema": {"type": "string"}}


# -- request bodies -------------------------------------------------------------------------------------------


def _offer_create(settings: Settings) -> JsonObject:
    config_id: JsonObject = {"type": "string", "enum": sorted(settings.credential_configurations)}
    return {
        "type": "object",
        "description": "A Credential Offer (OpenID4VCI 1.0 §4.1) for one or more credential configurations, with "
        "the credential subject they are built from. Give exactly one of `credential_configuration_id` and "
        "`credential_configuration_ids`.",
        "properties": {
            "credential_configuration_id": config_id,
            "credential_configuration_ids": {"type": "array", "items": config_id, "minItems": 1, "uniqueItems": True},
            "credential_subject": {
                "type": "object",
                "description": "The `credentialSubject` without `id` (the wallet's key supplies it): for an Open "
                "Badge an `achievement`; validated against the 1EdTech JSON Schema before the offer is accepted.",
            },
            "tx_code": {
                "description": "`true` for a 6-digit numeric PIN, or its shape; shown once, in the 201 answer.",
                "oneOf": [{"type": "boolean"}, _ref("TxCodeInput")],
                "default": False,
            },
            "by_reference": {
                "type": "boolean",
                "default": True,
                "description": "`credential_offer_uri` (true) or the offer by value (false) in `offer_uri`.",
            },
            "expires_in": {
                "type": "integer",
                "minimum": 30,
                "maximum": settings.issuance.max_offer_expires_in,
                "description": f"Seconds; default {settings.issuance.offer_expires_in}.",
            },
            "approval_required": {
                "type": "boolean",
                "default": False,
                "description": "Deferred issuance (§9): credentials wait for `POST /admin/offers/{offer_id}/approve`.",
            },
            "webhook": {**_ref("WebhookInput"), "description": "A receiver for this offer's events only."},
        },
        "required": ["credential_subject"],
        "oneOf": [{"required": ["credential_configuration_id"]}, {"required": ["credential_configuration_ids"]}],
        "additionalProperties": False,
    }


_TX_CODE_INPUT = _closed(
    {
        "length": {"type": "integer", "minimum": 4, "maximum": 12, "default": 6},
        "input_mode": {"type": "string", "enum": ["numeric", "text"], "default": "numeric"},
        "description": _string_or_null(maxLength=300),
    },
    required=[],
)

_WEBHOOK_INPUT = _closed(
    {
        "url": {"type": "string", "format": "uri", "pattern": "^https?://[^/?#@]+", "maxLength": 2000,
                "description": "https (http in dev mode); no credentials, no fragment."},
        "secret": {
            "type": "string",
            "minLength": 24,
            "maxLength": 1000,
            "writeOnly": True,
            "description": "The HMAC-SHA256 key: `whsec_` + base64 (Standard Webhooks), or any string of at least 24 "
            "bytes. Never shown again.",
        },
    },
    description="A webhook receiver for one object's events (Standard Webhooks 1.0 signatures, see docs/events.md); "
    "needs the event outbox (`[events] outbox = true` or a `[[webhooks]]` entry).",
)

_OFFER_APPROVAL = _closed(
    {"credential_subject": {**_nullable({"type": "object"}), "description": "The final subject, if it changed."}},
    required=[],
)

_STATUS_CHANGE = _closed({"reason": _string_or_null(maxLength=500)}, required=[])

_DCQL_QUERY: JsonObject = {
    "type": "object",
    "description": "A DCQL query (OpenID4VP 1.0 §6); unknown members are ignored.",
    "required": ["credentials"],
    "properties": {
        "credentials": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["id", "format", "meta"],
                "properties": {
                    "id": {"type": "string", "pattern": "^[A-Za-z0-9_-]+$"},
                    "format": {"type": "string", "examples": ["dc+sd-jwt", "jwt_vc_json", "ldp_vc"]},
                    "meta": {"type": "object"},
                    "multiple": {"type": "boolean"},
                    "claims": {"type": "array", "minItems": 1, "items": {"type": "object", "required": ["path"]}},
                    "claim_sets": {"type": "array", "minItems": 1},
                    "trusted_authorities": {"type": "array", "minItems": 1},
                    "require_cryptographic_holder_binding": {"type": "boolean"},
                },
            },
        },
        "credential_sets": {"type": "array", "minItems": 1},
    },
}

_PRESET = _closed(
    {
        "preset": {"const": "open_badge", "default": "open_badge"},
        "achievement_name": _string_or_null(),
        "achievement_type": _string_or_null(description="Open Badges `achievementType`, e.g. Certificate."),
        "alignment_target_name": _string_or_null(),
        "issuers": {
            **_nullable({"type": "array", "items": {"type": "string"}, "minItems": 1}),
            "description": "Issuer allow-list (DIDs or URLs), checked after verification.",
        },
        "max_age_days": {"type": ["integer", "null"], "minimum": 1},
        "formats": {
            "type": "array",
            "items": {"enum": ["dc+sd-jwt", "jwt_vc_json", "ldp_vc"]},
            "minItems": 1,
            "default": ["dc+sd-jwt", "jwt_vc_json", "ldp_vc"],
        },
        "vct": _string_or_null(description="dc+sd-jwt `vct`; default `<public_url>/vct/OpenBadgeCredential`."),
    },
    required=[],
    description="An Open Badge question expanded into one Credential Query per format plus a verifier policy.",
)

_PRESENTATION_CREATE: JsonObject = {
    "type": "object",
    "description": "Either `dcql_query` or `preset` (a preset replaces any `dcql_query`).",
    "properties": {
        "dcql_query": _ref("DcqlQuery"),
        "preset": _ref("OpenBadgePreset"),
        "response_mode": {
            **_nullable({"enum": ["direct_post", "direct_post.jwt"]}),
            "description": "Default `direct_post.jwt` (configurable).",
        },
        "request_uri_method": {
            **_nullable({"enum": ["get", "post"]}),
            "description": "`post` to have the wallet POST its `wallet_nonce` (§5.10).",
        },
        "expires_in": {"type": ["integer", "null"], "minimum": 30, "maximum": 86400},
        "webhook": {**_ref("WebhookInput"), "description": "A receiver for this request's events only."},
    },
    "anyOf": [{"required": ["dcql_query"]}, {"required": ["preset"]}],
    "additionalProperties": False,
}


# -- answers --------------------------------------------------------------------------------------------------


def _offer(*, created: bool) -> JsonObject:
    properties: JsonObject = {
        "id": {"type": "string"},
        "state": {"enum": ["offered", "redeemed", "pending", "issued", "locked", "expired"]},
        "credential_configuration_ids": {"type": "array", "items": {"type": "string"}, "minItems": 1},
        "credential_ids": {"type": "array", "items": {"type": "string"}},
        "tx_code_required": {"type": "boolean"},
        "tx_code_attempts": {"type": "integer", "minimum": 0},
        "created_at": _TIMESTAMP,
        "expires_at": _TIMESTAMP,
        "offer_uri": _string_or_null(
            pattern="^openid-credential-offer://", description="The wallet link; null once the offer is redeemed."
        ),
        "credential_offer_uri": _string_or_null(format="uri", description="Set when the offer is by reference."),
        "qr_png_url": {"type": "string", "format": "uri"},
        "qr_svg_url": {"type": "string", "format": "uri"},
        "page_url": {"type": "string", "format": "uri", "description": "The offer's page for the learner."},
        "approval_required": {"type": "boolean"},
        "approved_at": _nullable(_TIMESTAMP),
        "notification_event": _nullable(
            {
                "enum": ["credential_accepted", "credential_failure", "credential_deleted"],
                "description": "The last OpenID4VCI §11 notification a wallet sent.",
            }
        ),
        "credentials_url": {"type": "string", "format": "uri-reference"},
    }
    if created:
        properties["tx_code"] = {"type": "string", "description": "The PIN, present only when required: shown once."}
        return _closed(properties, required=[p for p in properties if p != "tx_code"])
    return _closed(properties)


def _credential(*, with_history: bool) -> JsonObject:
    properties: JsonObject = {
        "id": {"type": "string"},
        "state": {"enum": ["valid", "suspended", "revoked"]},
        "format": {"type": "string", "examples": ["jwt_vc_json", "ldp_vc", "dc+sd-jwt"]},
        "credential_configuration_id": {"type": "string"},
        "offer_id": {"type": "string"},
        "holder_jkt": {"type": "string", "description": "RFC 7638 thumbprint of the holder key."},
        "issued_at": _TIMESTAMP,
        "status": _nullable(_ref("StatusEntry")),
        "notification": _nullable(_closed({"event": {"type": "string"}, "at": _nullable(_TIMESTAMP)})),
    }
    if with_history:
        properties["history"] = {"type": "array", "items": _ref("StatusChangeEvent")}
    return _closed(properties)


_STATUS_ENTRY = _closed(
    {
        "kind": {"enum": ["bitstring", "token"]},
        "list_id": {"type": "string"},
        "idx": {"type": "integer", "minimum": 0},
        "entry": {
            **_nullable({"type": "object"}),
            "description": "As it appears in the credential (`credentialStatus` or the `status` claim).",
        },
    }
)

_STATUS_CHANGE_EVENT = _closed(
    {
        "action": {"enum": ["revoke", "suspend", "reinstate"]},
        "from": {"enum": ["valid", "suspended", "revoked"]},
        "to": {"enum": ["valid", "suspended", "revoked"]},
        "actor": {"type": "string", "pattern": "^admin:", "description": "`admin:` + a hash prefix of the token."},
        "reason": _string_or_null(),
        "at": _TIMESTAMP,
    }
)

_CHECK = _closed(
    {"outcome": {"enum": ["passed", "failed", "skipped"]}, "reason": {"type": "string"}}, required=["outcome"]
)

_ALIGNMENT = _closed(
    {"target_name": _string_or_null(), "target_url": _string_or_null(), "target_code": _string_or_null()}
)

_ACHIEVEMENT_INFO = _closed(
    {
        "id": _string_or_null(),
        "name": _string_or_null(),
        "description": _string_or_null(),
        "types": {"type": "array", "items": {"type": "string"}},
        "achievement_type": _string_or_null(),
        "alignments": {"type": "array", "items": _ref("AlignmentSummary")},
    }
)

_RESULT_SUMMARY = _closed(
    {
        "value": _string_or_null(),
        "status": _string_or_null(),
        "result_description": _string_or_null(),
        "achieved_level": _string_or_null(),
        "alignments": {"type": "array", "items": _ref("AlignmentSummary")},
    }
)

_ACHIEVEMENT_SUMMARY = _closed(
    {
        "credential_type": _string_or_null(),
        "credential_id": _string_or_null(),
        "name": _string_or_null(),
        "issuer_id": _string_or_null(),
        "issuer_name": _string_or_null(),
        "holder_id": _string_or_null(),
        "achievements": {"type": "array", "items": _ref("AchievementInfo")},
        "results": {"type": "array", "items": _ref("ResultSummary")},
        "valid_from": _string_or_null(),
        "valid_until": _string_or_null(),
        "awarded_date": _string_or_null(),
        "credentials": {
            "type": "array",
            "items": _ref("AchievementSummary"),
            "description": "The nested credentials of a ClrCredential.",
        },
    },
    description="What a person reads: issuer, achievements, results and dates.",
)

_VERIFIED_CREDENTIAL = _closed(
    {
        "query_id": {"type": "string", "description": "The DCQL Credential Query it answers."},
        "format": {"type": "string"},
        "issuer": _string_or_null(),
        "holder": _string_or_null(),
        "claims": {"type": "object", "description": "Exactly what the holder disclosed."},
        "requested_claims": {
            "type": "array",
            "items": _closed({"id": _string_or_null(), "path": {"type": "array"}, "values": {"type": "array"}}),
        },
        "checks": {
            "type": "object",
            "additionalProperties": _ref("Check"),
            "description": "signature, holder_binding, validity, status, trust, schema (and age).",
        },
        "summary": _ref("AchievementSummary"),
    }
)


def _presentation(*, created: bool) -> JsonObject:
    properties: JsonObject = {
        "id": {"type": "string"},
        "status": {"enum": ["pending", "verified", "rejected", "expired"]},
        "created_at": _TIMESTAMP,
        "expires_at": _TIMESTAMP,
        "client_id": {"type": "string"},
        "response_mode": {"enum": ["direct_post", "direct_post.jwt"]},
        "dcql_query": _ref("DcqlQuery"),
        "qr_png_url": {"type": "string", "format": "uri"},
        "qr_svg_url": {"type": "string", "format": "uri"},
        "credentials": {"type": "array", "items": _ref("VerifiedCredential")},
        "error": _string_or_null(description="Why the response was rejected, or the wallet's own error code."),
        "error_description": _string_or_null(description="Present once the wallet has answered."),
        "page_url": {"type": "string", "format": "uri", "description": "The verifier's page (a capability URL)."},
    }
    if created:
        properties["request_uri"] = {"type": "string", "description": "The `openid4vp://` link for the wallet."}
        properties["status_url"] = {"type": "string", "format": "uri"}
    return _closed(properties, required=[p for p in properties if p != "error_description"])


_EVENT = _closed(
    {
        "id": {"type": "string", "description": "Unique; the `webhook-id` and the stream's `id:`."},
        "type": {"type": "string", "pattern": r"^[a-z][a-z_]*(\.[a-z][a-z_]*)+$", "examples": ["credential.issued"]},
        "timestamp": {"type": "string", "format": "date-time", "description": "When it happened (UTC)."},
        "subject_id": _string_or_null(description="The offer or presentation request it is about."),
        "request_id": {"type": "string", "description": "The request id in the logs (`X-Request-Id`)."},
        "data": {"type": "object", "description": "Per type: see docs/events.md."},
    },
    description="One outcome: the webhook body and the stream's `data:`.",
)

_STREAM_RESET = _closed(
    {"type": {"const": "stream.reset"}, "reason": {"type": "string"}},
    description="Events may be missing before the next one (unknown `Last-Event-ID`, no outbox, slow reader).",
)

_DELIVERY_ATTEMPT = _closed(
    {
        "attempt": {"type": "integer", "minimum": 1},
        "at": _TIMESTAMP,
        "status": {"type": ["integer", "null"], "description": "The receiver's HTTP status; null: no answer."},
        "error": _string_or_null(),
        "duration_ms": {"type": "integer", "minimum": 0},
    }
)

_DELIVERY = _closed(
    {
        "target_id": {"type": "string", "description": "A `[[webhooks]]` id, or the object's own receiver."},
        "state": {"enum": ["pending", "delivered", "failed"]},
        "attempts": {"type": "integer", "minimum": 0},
        "next_attempt_at": _nullable(_TIMESTAMP),
        "delivered_at": _nullable(_TIMESTAMP),
        "last_status": {"type": ["integer", "null"]},
        "last_error": _string_or_null(),
        "history": {"type": "array", "items": _ref("DeliveryAttempt")},
    }
)


def _error_component(code: str) -> JsonObject:
    _, error, description = _ERROR_CODES[code]
    out: JsonObject = {
        "description": description,
        "content": _json({"allOf": [_ref("Error"), {"properties": {"error": {"const": error}}}]}),
    }
    if code == "401":
        out["headers"] = {"WWW-Authenticate": {"schema": {"type": "string"}, "description": 'Bearer realm="admin"'}}
    if code == "503":
        out["headers"] = {"Retry-After": {"schema": {"type": "string"}, "description": "Seconds."}}
    return out


# -- operations -----------------------------------------------------------------------------------------------

_OFFER_ID = _path_parameter("offer_id", "The offer's `id`.")
_CREDENTIAL_ID = _path_parameter("credential_id", "The credential's `id` (e.g. `urn:uuid:...`).")
_PRESENTATION_ID = _path_parameter("pid", "The presentation request's `id`.")


def _status_change(action: str, summary: str) -> JsonObject:
    return {
        "post": {
            "operationId": f"{action}Credential",
            "tags": ["credentials"],
            "summary": summary,
            "description": "Audited with the actor, the time and the reason; the next fetch of the status list "
            "publishes it. Revocation is final; reinstate only from suspension; a credential whose format "
            "carries a revocation-only status cannot be suspended.",
            "parameters": [_CREDENTIAL_ID],
            "requestBody": {"required": False, "content": _json(_ref("StatusChange"))},
            "responses": {"200": _response("The credential after the change.", "CredentialDetail")}
            | _errors("400", "401", "404", "409", "500", "503"),
        }
    }


def _paths() -> JsonObject:
    return {
        "/admin/offers": {
            "post": {
                "operationId": "createOffer",
                "tags": ["offers"],
                "summary": "Create a Credential Offer",
                "requestBody": {"required": True, "content": _json(_ref("OfferCreate"))},
                "responses": {
                    "201": _response(
                        "The offer, with the PIN when one is required.", "CreatedOffer", _location("offer")
                    )
                }
                | _errors("400", "401", "500", "503"),
            }
        },
        "/admin/offers/{offer_id}": {
            "get": {
                "operationId": "getOffer",
                "tags": ["offers"],
                "summary": "An offer's state and the ids of the credentials issued from it",
                "parameters": [_OFFER_ID],
                "responses": {"200": _response("The offer (never its PIN).", "Offer")}
                | _errors("401", "404", "500", "503"),
            }
        },
        "/admin/offers/{offer_id}/approve": {
            "post": {
                "operationId": "approveOffer",
                "tags": ["offers"],
                "summary": "Release an offer that requires approval (deferred issuance)",
                "description": "Optionally with the final `credential_subject`, checked like a new offer's. "
                "Approving twice is harmless; 409 when the offer needs no approval or is issued, expired or locked.",
                "parameters": [_OFFER_ID],
                "requestBody": {"required": False, "content": _json(_ref("OfferApproval"))},
                "responses": {"200": _response("The approved offer.", "Offer")}
                | _errors("400", "401", "404", "409", "500", "503"),
            }
        },
        "/admin/offers/{offer_id}/credentials": {
            "get": {
                "operationId": "listOfferCredentials",
                "tags": ["offers", "credentials"],
                "summary": "The credentials issued from one offer",
                "parameters": [_OFFER_ID],
                "responses": {"200": _response("The credentials.", "CredentialList")}
                | _errors("401", "404", "500", "503"),
            }
        },
        "/admin/credentials/{credential_id}": {
            "get": {
                "operationId": "getCredential",
                "tags": ["credentials"],
                "summary": "An issued credential: state, status entry, notification and audit trail",
                "description": "Never the credential itself (OpenID4VCI 1.0 §15).",
                "parameters": [_CREDENTIAL_ID],
                "responses": {"200": _response("The credential.", "CredentialDetail")}
                | _errors("401", "404", "500", "503"),
            }
        },
        "/admin/credentials/{credential_id}/revoke": _status_change("revoke", "Revoke a credential (final)"),
        "/admin/credentials/{credential_id}/suspend": _status_change("suspend", "Suspend a credential"),
        "/admin/credentials/{credential_id}/reinstate": _status_change("reinstate", "Reinstate a suspended credential"),
        "/admin/presentations": {
            "post": {
                "operationId": "createPresentation",
                "tags": ["presentations"],
                "summary": "Create an OpenID4VP presentation request",
                "requestBody": {"required": True, "content": _json(_ref("PresentationCreate"))},
                "responses": {
                    "201": _response(
                        "The request, with the wallet link.", "CreatedPresentation", _location("presentation request")
                    )
                }
                | _errors("400", "401", "500", "503"),
            }
        },
        "/admin/presentations/{pid}": {
            "get": {
                "operationId": "getPresentation",
                "tags": ["presentations"],
                "summary": "A presentation request's status and what was proven",
                "parameters": [
                    _PRESENTATION_ID,
                    {
                        "name": "wait",
                        "in": "query",
                        "required": False,
                        "description": "Long poll: answer when the request is no longer pending or after this "
                        "many seconds (at most 60).",
                        "schema": {"type": "number", "default": 0},
                    },
                ],
                "responses": {"200": _response("The request.", "Presentation")}
                | _errors("400", "401", "404", "500", "503"),
            }
        },
        "/admin/presentations/{pid}/events": {
            "get": {
                "operationId": "followPresentation",
                "tags": ["presentations"],
                "summary": "Follow a presentation request as Server-Sent Events",
                "description": "One `status` event now and one on each change, until the request is final; each "
                "event's `data` is a `Presentation` (`x-event-data`).",
                "parameters": [_PRESENTATION_ID],
                "responses": {
                    "200": {
                        "description": "An event stream.",
                        "content": {"text/event-stream": {"schema": {"type": "string"}}},
                        "x-event-data": _ref("Presentation"),
                    }
                }
                | _errors("401", "404", "500", "503"),
            }
        },
        "/admin/events": {
            "get": {
                "operationId": "streamEvents",
                "tags": ["events"],
                "summary": "Every outcome as Server-Sent Events",
                "description": "One event per outcome: `id:` the event id, `event:` its type, `data:` an `Event` "
                "(`x-event-data`); a `: keepalive` comment after 15 quiet seconds; `event: stream.reset` when events "
                "may be missing. With the event outbox the stream reads the store (every server process) and "
                "resumes after `Last-Event-ID`; without it, it is live and shows the serving process's events only.",
                "parameters": [
                    {
                        "name": "types",
                        "in": "query",
                        "required": False,
                        "description": "Comma-separated event types, prefixes ending in `.*`, or `*` (default all).",
                        "schema": {"type": "string"},
                    },
                    {
                        "name": "timeout",
                        "in": "query",
                        "required": False,
                        "description": "Seconds until the stream ends (EventSource reconnects, resuming).",
                        "schema": {"type": "number", "exclusiveMinimum": 0, "maximum": 3600, "default": 3600},
                    },
                    {
                        "name": "Last-Event-ID",
                        "in": "header",
                        "required": False,
                        "description": "Resume after this event (sent by EventSource when it reconnects).",
                        "schema": {"type": "string"},
                    },
                    {
                        "name": "last_event_id",
                        "in": "query",
                        "required": False,
                        "description": "The same, for clients that cannot set headers.",
                        "schema": {"type": "string"},
                    },
                ],
                "responses": {
                    "200": {
                        "description": "An event stream.",
                        "content": {"text/event-stream": {"schema": {"type": "string"}}},
                        "x-event-data": {"anyOf": [_ref("Event"), _ref("StreamReset")]},
                    }
                }
                | _errors("400", "401", "500", "503"),
            }
        },
        "/admin/events/{event_id}": {
            "get": {
                "operationId": "getEvent",
                "tags": ["events"],
                "summary": "A stored event and its webhook deliveries, every attempt included",
                "description": "404 without the event outbox, and once the event is past `[events] retention`.",
                "parameters": [_path_parameter("event_id", "The event's `id`.")],
                "responses": {"200": _response("The event.", "EventDetail")} | _errors("401", "404", "500", "503"),
            }
        },
        "/admin/openapi.json": {
            "get": {
                "operationId": "getOpenApiDocument",
                "tags": ["meta"],
                "summary": "This document",
                "security": [],
                "responses": {
                    "200": {
                        "description": "The OpenAPI 3.1 description of the admin API.",
                        "content": _json({"type": "object", "required": ["openapi", "info", "paths"]}),
                    }
                },
            }
        },
    }


def admin_openapi(settings: Settings) -> JsonObject:
    """The OpenAPI 3.1 document of the admin API of a server with ``settings`` (a fresh copy on each call)."""
    schemas: JsonObject = {
        "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}},
            "additionalProperties": False,
        },
        "OfferCreate": _offer_create(settings),
        "TxCodeInput": _TX_CODE_INPUT,
        "OfferApproval": _OFFER_APPROVAL,
        "Offer": _offer(created=False),
        "CreatedOffer": _offer(created=True),
        "StatusChange": _STATUS_CHANGE,
        "StatusEntry": _STATUS_ENTRY,
        "StatusChangeEvent": _STATUS_CHANGE_EVENT,
        "Credential": _credential(with_history=False),
        "CredentialDetail": _credential(with_history=True),
        "CredentialList": _closed({"credentials": {"type": "array", "items": _ref("Credential")}}),
        "DcqlQuery": _DCQL_QUERY,
        "OpenBadgePreset": _PRESET,
        "PresentationCreate": _PRESENTATION_CREATE,
        "Presentation": _presentation(created=False),
        "CreatedPresentation": _presentation(created=True),
        "VerifiedCredential": _VERIFIED_CREDENTIAL,
        "Check": _CHECK,
        "AchievementSummary": _ACHIEVEMENT_SUMMARY,
        "AchievementInfo": _ACHIEVEMENT_INFO,
        "ResultSummary": _RESULT_SUMMARY,
        "AlignmentSummary": _ALIGNMENT,
        "WebhookInput": _WEBHOOK_INPUT,
        "Event": _EVENT,
        "StreamReset": _STREAM_RESET,
        "EventDetail": _closed({"event": _ref("Event"), "deliveries": {"type": "array", "items": _ref("Delivery")}}),
        "Delivery": _DELIVERY,
        "DeliveryAttempt": _DELIVERY_ATTEMPT,
    }
    document: JsonObject = {
        "openapi": OPENAPI_VERSION,
        "jsonSchemaDialect": DIALECT,
        "info": {
            "title": "oid4vc admin API",
            "version": "1",
            "description": "Operator API of an OpenID4VCI 1.0 issuer and OpenID4VP 1.0 verifier of Learning and "
            "Employment Records: offers, issued credentials and their status, presentation requests, events. JSON in "
            'and out; every error is `{"error", "error_description"}` with `Cache-Control: no-store`.',
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
        },
        "servers": [{"url": settings.public_url}],
        "security": [{"adminToken": []}],
        "tags": [{"name": name} for name in ("offers", "credentials", "presentations", "events", "meta")],
        "paths": _paths(),
        "components": {
            "securitySchemes": {
                "adminToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The admin token: `[admin] token`, `OID4VC_ADMIN_TOKEN` or the data dir's "
                    "`admin_token` file.",
                }
            },
            "schemas": schemas,
            "responses": {name: _error_component(code) for code, (name, _, _) in _ERROR_CODES.items()},
        },
    }
    return copy.deepcopy(document)
