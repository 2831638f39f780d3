"""Credential Endpoint (OpenID4VCI 1.0 §8; RFC 6750 for the access token) and the issued credential (App. A).

Negative cases mirror the OpenID Foundation issuer modules ``fail-missing-proof``,
``fail-unknown-credential-configuration`` and ``fail-unknown-credential-identifier``; the successful requests
(run after every negative one) check the response, the encoding, the type and the holder binding per
configuration.
"""

from __future__ import annotations

from typing import Any

from conformance.suite.checks.requests import valid_body, with_body
from conformance.suite.context import SuiteContext, random_value
from conformance.suite.credentials import (
    SUPPORTED_FORMATS,
    CredentialFormatError,
    binding_thumbprints,
    inspect_credential,
)
from conformance.suite.expect import expect_error, seen
from conformance.suite.model import CheckModule, Level, Outcome, Skip, failed, passed, warned
from conformance.suite.wallet import HolderKey

__all__ = ["MODULE"]

MODULE = CheckModule("credential")
MUST, SHOULD = Level.MUST, Level.SHOULD


# -- access token (RFC 6750) -------------------------------------------------------------------------------


@MODULE.check(
    "RFC6750-3-missing_token",
    section="OpenID4VCI 1.0 §8.3.1.1; RFC 6750 §3",
    level=MUST,
    description="A credential request without an access token gets HTTP 401 with a WWW-Authenticate challenge",
)
async def missing_token(ctx: SuiteContext) -> Outcome:
    resp = await ctx.credential_request(None, await valid_body(ctx))
    challenge = resp.headers.get("WWW-Authenticate", "")
    if resp.status != 401:
        return failed(f"{seen(resp)}; expected HTTP 401")
    if not challenge.lower().startswith(("bearer", "dpop")):
        return failed(f"WWW-Authenticate is {challenge!r}; expected a Bearer or DPoP challenge")
    return passed(f"WWW-Authenticate: {challenge.split(',')[0]}")


@MODULE.check(
    "RFC6750-3.1-invalid_token",
    section="OpenID4VCI 1.0 §8.3.1.1; RFC 6750 §3.1",
    level=MUST,
    description="An unknown access token gets HTTP 401 with WWW-Authenticate error=\"invalid_token\"",
)
async def invalid_token(ctx: SuiteContext) -> Outcome:
    resp = await ctx.credential_request(random_value(), await valid_body(ctx))
    challenge = resp.headers.get("WWW-Authenticate", "")
    if resp.status != 401:
        return failed(f"{seen(resp)}; expected HTTP 401")
    if 'error="invalid_token"' not in challenge:
        return failed(f"WWW-Authenticate is {challenge!r}; expected error=\"invalid_token\"")
    return passed()


# -- request structure (§8.2, §8.3.1.2) --------------------------------------------------------------------


@MODULE.check(
    "VCI-8.2-missing_proofs",
    section="OpenID4VCI 1.0 §8.2, §8.3.1.2",
    level=MUST,
    description="A request without proofs for a key-bound configuration is refused with HTTP 400 invalid_proof",
)
async def missing_proofs(ctx: SuiteContext) -> Outcome:
    if "proof_types_supported" not in await ctx.config():
        raise Skip("the configuration does not require proofs")
    return expect_error(await with_body(ctx, await ctx.request_body(None)), "invalid_proof")


@MODULE.check(
    "VCI-8.3.1.2-unknown_credential_configuration",
    section="OpenID4VCI 1.0 §8.3.1.2",
    level=MUST,
    description="An unknown credential_configuration_id is refused with HTTP 400 unknown_credential_configuration",
)
async def unknown_credential_configuration(ctx: SuiteContext) -> Outcome:
    body = await valid_body(ctx)
    body["credential_configuration_id"] = "conformance-unknown-" + random_value()
    return expect_error(await with_body(ctx, body), "unknown_credential_configuration")


@MODULE.check(
    "VCI-8.3.1.2-unknown_credential_identifier",
    section="OpenID4VCI 1.0 §8.2, §8.3.1.2",
    level=MUST,
    description="An unknown credential_identifier is refused with HTTP 400 unknown_credential_identifier "
    "(or invalid_credential_request when no identifiers were issued)",
)
async def unknown_credential_identifier(ctx: SuiteContext) -> Outcome:
    body = await valid_body(ctx)
    del body["credential_configuration_id"]
    body["credential_identifier"] = "conformance-unknown-" + random_value()
    return expect_error(await with_body(ctx, body), "unknown_credential_identifier", "invalid_credential_request")


@MODULE.check(
    "VCI-8.2-both_identifiers",
    section="OpenID4VCI 1.0 §8.2, §8.3.1.2",
    level=MUST,
    description="credential_identifier together with credential_configuration_id is refused with HTTP 400 "
    "invalid_credential_request",
)
async def both_identifiers(ctx: SuiteContext) -> Outcome:
    body = await valid_body(ctx)
    body["credential_identifier"] = "conformance-" + random_value()
    return expect_error(await with_body(ctx, body), "invalid_credential_request")


@MODULE.check(
    "VCI-8.3.1.2-malformed_json",
    section="OpenID4VCI 1.0 §8.2, §8.3.1.2",
    level=MUST,
    description="A body that is not JSON is refused with HTTP 400 invalid_credential_request",
)
async def malformed_json(ctx: SuiteContext) -> Outcome:
    token = await ctx.token_for_negative_check()
    resp = await ctx.credential_request(token, None, raw=b'{"credential_configuration_id": ')
    return expect_error(resp, "invalid_credential_request")


@MODULE.check(
    "VCI-8.3.1.2-body_not_object",
    section="OpenID4VCI 1.0 §8.2, §8.3.1.2",
    level=MUST,
    description="A JSON body that is not an object is refused with HTTP 400 invalid_credential_request",
)
async def body_not_object(ctx: SuiteContext) -> Outcome:
    return expect_error(await with_body(ctx, [await valid_body(ctx)]), "invalid_credential_request")


@MODULE.check(
    "VCI-8.2-proofs_two_types",
    section="OpenID4VCI 1.0 §8.2, §8.3.1.2",
    level=MUST,
    description="proofs with two proof types is refused with HTTP 400 (invalid_credential_request or "
    "invalid_proof)",
)
async def proofs_two_types(ctx: SuiteContext) -> Outcome:
    body = await valid_body(ctx)
    body["proofs"]["attestation"] = [body["proofs"]["jwt"][0]]
    return expect_error(await with_body(ctx, body), "invalid_credential_request", "invalid_proof")


@MODULE.check(
    "VCI-8.2-proofs_empty",
    section="OpenID4VCI 1.0 §8.2, App. F",
    level=MUST,
    description="proofs.jwt as an empty array is refused with HTTP 400 (invalid_credential_request or "
    "invalid_proof)",
)
async def proofs_empty(ctx: SuiteContext) -> Outcome:
    body = await ctx.request_body([])
    return expect_error(await with_body(ctx, body), "invalid_credential_request", "invalid_proof")


# -- successful issuance ------------------------------------------------------------------------------------


@MODULE.check(
    "VCI-8.2-unknown_parameters_ignored",
    section="OpenID4VCI 1.0 §8.2",
    level=MUST,
    description="The issuer ignores unrecognized credential request parameters (the request still succeeds)",
)
async def unknown_parameters_ignored(ctx: SuiteContext) -> Outcome:
    if not ctx.offers.unlimited:
        raise Skip("needs a fresh offer (an unlimited offer source such as --admin-token)")
    extra: dict[str, Any] = {"conformance_unknown": {"nested": [1, 2]}, "x-random-field": "ignored"}
    issued = await ctx.issue(await ctx.fresh_token(), extra=extra)
    if issued.response.status not in (200, 202):
        return failed(f"with two unknown parameters: {seen(issued.response)}")
    return passed()


@MODULE.check(
    "VCI-8.3-credential_response",
    section="OpenID4VCI 1.0 §8.3",
    level=MUST,
    description="A valid request answers HTTP 200 application/json {\"credentials\": [{\"credential\": ...}]} "
    "(or 202 with transaction_id and interval)",
    per_configuration=True,
)
async def credential_response(ctx: SuiteContext) -> Outcome:
    resp = (await ctx.issuance()).response
    body = resp.json_object()
    if resp.status == 202:
        ok = body is not None and isinstance(body.get("transaction_id"), str) and "interval" in body
        return warned("deferred (HTTP 202)") if ok else failed("HTTP 202 without transaction_id and interval")
    if resp.status != 200:
        return failed(seen(resp))
    if not resp.is_json or body is None:
        return failed(f"Content-Type is {resp.content_type!r}; the response must be a JSON object")
    items = body.get("credentials")
    if not isinstance(items, list) or not items:
        return failed("credentials is not a non-empty array")
    if not all(isinstance(i, dict) and "credential" in i for i in items):
        return failed("every element of credentials must be an object with a credential")
    if "transaction_id" in body or "interval" in body:
        return failed("transaction_id / interval must not appear with credentials")
    if len(items) != 1:
        return failed(f"one proof was sent but {len(items)} credentials came back")
    return passed()


@MODULE.check(
    "RFC9110-6.6.1-date_header",
    section="RFC 9110 §6.6.1 (checked by the OpenID Foundation suite)",
    level=MUST,
    description="The credential response carries a Date header",
)
async def date_header(ctx: SuiteContext) -> Outcome:
    resp = (await ctx.successful_issuance()).response
    return passed() if resp.headers.get("Date") else failed("no Date header")


async def _inspected(ctx: SuiteContext) -> tuple[Any, HolderKey, Any]:
    issued = await ctx.successful_issuance()
    if issued.format not in SUPPORTED_FORMATS:
        raise Skip(f"the suite does not read {issued.format} credentials yet")
    try:
        return inspect_credential(issued.format, issued.credentials[0]), issued.keys[0], issued
    except CredentialFormatError:
        raise Skip("the credential is not encoded as its format requires (see VCI-A-credential_encoding)") from None


@MODULE.check(
    "VCI-A-credential_encoding",
    section="OpenID4VCI 1.0 App. A.1.1, A.1.2, A.3",
    level=MUST,
    description="The credential is encoded as its format requires and not re-encoded (JWT string, JSON object "
    "with proof, or SD-JWT typed dc+sd-jwt)",
    per_configuration=True,
)
async def credential_encoding(ctx: SuiteContext) -> Outcome:
    issued = await ctx.successful_issuance()
    if issued.format not in SUPPORTED_FORMATS:
        raise Skip(f"the suite does not read {issued.format} credentials yet")
    try:
        inspected = inspect_credential(issued.format, issued.credentials[0])
    except CredentialFormatError as exc:
        return failed(str(exc))
    if inspected.notes:
        return failed("; ".join(inspected.notes))
    return passed(issued.format)


@MODULE.check(
    "VCI-A-credential_type",
    section="OpenID4VCI 1.0 App. A.1.1, A.1.2, A.3",
    level=MUST,
    description="The credential has the type the configuration advertises (credential_definition.type, or vct)",
    per_configuration=True,
)
async def credential_type(ctx: SuiteContext) -> Outcome:
    inspected, _, issued = await _inspected(ctx)
    conf = await ctx.config(issued.config_id)
    if issued.format == "dc+sd-jwt":
        if inspected.vct != conf.get("vct"):
            return failed(f"vct is {inspected.vct!r}, the configuration says {conf.get('vct')!r}")
        return passed(str(inspected.vct))
    wanted = (conf.get("credential_definition") or {}).get("type") or []
    missing = [t for t in wanted if t not in inspected.types]
    if missing:
        return failed(f"type {list(inspected.types)} lacks {missing}")
    return passed(", ".join(inspected.types))


@MODULE.check(
    "VCI-8.1-holder_binding",
    section="OpenID4VCI 1.0 §8.1, §8.2 (proofs), App. A",
    level=MUST,
    description="The credential is bound to the proof's key: credentialSubject.id / sub is the holder DID "
    "(W3C formats) or cnf.jwk is the proof key (dc+sd-jwt)",
    per_configuration=True,
)
async def holder_binding(ctx: SuiteContext) -> Outcome:
    inspected, key, _ = await _inspected(ctx)
    found, unresolved = binding_thumbprints(inspected)
    if not found and not unresolved:
        return failed("the credential names no holder (no credentialSubject.id, sub or cnf)")
    if unresolved and not found:
        return warned(f"cannot resolve the holder identifier(s) {unresolved} offline (did:jwk / did:key only)")
    if found != {key.thumbprint}:
        return failed("the credential is bound to a different key than the proof's")
    if unresolved:
        return warned(f"bound to the proof key, but {unresolved} could not be resolved")
    methods = sorted({":".join(i.split(":")[:2]) for i in inspected.holder_ids})
    return passed("bound to the proof key by " + (", ".join(methods) if methods else "cnf"))
