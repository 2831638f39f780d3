"""Responses a Verifier must refuse (OpenID4VP 1.0 §8.1, §8.3, §8.6, §14.1, App. B; RFC 9901 §7.1, §7.3), each
on a fresh request, mirroring the OpenID Foundation verifier modules (``invalid-credential-signature``,
``invalid-kb-jwt-signature``, ``invalid-sd-hash``, ``invalid-kb-jwt-nonce``, ``invalid-kb-jwt-aud``,
``kb-jwt-iat-in-past``, ``kb-jwt-iat-in-future``) and going further (replay, second response, unknown state,
encryption, the W3C formats).

Refused means an HTTP 4xx from the Response URI -- never 2xx, 3xx or 5xx: §8.2 allows a 200 after processing a
*wallet error*, but for an invalid presentation this suite reads the spec as "the Verifier MUST NOT report success"
(the OIDF suite sends such 200s to manual review). With the admin API the request must also end ``rejected``.
"""

from __future__ import annotations

import secrets
import time

from conformance.suite.jwe import generate_encryption_key
from conformance.suite.model import CheckModule, Level, Outcome, Skip
from conformance.suite.presenter import Tamper
from conformance.suite.vp_context import PendingRequest, VerifierContext
from conformance.suite.vp_expect import expect_rejected
from conformance.suite.vp_request import query_for_format

__all__ = ["MODULE"]

MODULE: CheckModule[VerifierContext] = CheckModule("vp-negative")
MUST, SHOULD = Level.MUST, Level.SHOULD
YEAR = 365 * 24 * 3600
SD_JWT = "dc+sd-jwt"


def _needs_fresh_requests(ctx: VerifierContext) -> None:
    if not ctx.requests.unlimited:
        raise Skip("needs a fresh request per negative case (pass --admin-token or --request-command)")


async def _fresh(ctx: VerifierContext, *, fmt: str | None = None, response_mode: str | None = None
                 ) -> PendingRequest:
    _needs_fresh_requests(ctx)
    pending = await ctx.new_request(fmt=fmt, response_mode=response_mode)
    if response_mode and pending.fetched.response_mode != response_mode:
        raise Skip(f"the verifier answered a {response_mode} wish with {pending.fetched.response_mode!r}")
    return pending


async def _sd_jwt(ctx: VerifierContext) -> str:
    if SD_JWT not in await ctx.configurations_under_test():
        raise Skip("dc+sd-jwt is not a format under test")
    return SD_JWT


async def _refused(ctx: VerifierContext, *, fmt: str | None = None, tamper: Tamper | None = None,
                   nonce: str | None = None, audience: str | None = None, iat: float | None = None) -> Outcome:
    pending = await _fresh(ctx, fmt=fmt)
    vp_token = await ctx.vp_token(pending, tamper=tamper, nonce=nonce, audience=audience, iat=iat)
    return await expect_rejected(ctx, pending, await ctx.respond(pending, vp_token))


# -- every format -----------------------------------------------------------------------------------------


@MODULE.check(
    "VP-8.6-invalid_credential_signature",
    section="OpenID4VP 1.0 §8.6, App. B.3.5 / B.1.3; RFC 9901 §7.1 (OIDF invalid-credential-signature)",
    level=MUST,
    description="A credential whose issuer signature does not verify is refused",
    per_configuration=True,
)
async def invalid_credential_signature(ctx: VerifierContext) -> Outcome:
    return await _refused(ctx, tamper="credential_signature")


@MODULE.check(
    "VP-8.6-invalid_holder_signature",
    section="OpenID4VP 1.0 §8.6, App. B.3.5 (KB-JWT), B.1.3.1 (VP-JWT), B.1.3.2 (ldp_vp); RFC 9901 §7.3 "
    "(OIDF invalid-kb-jwt-signature)",
    level=MUST,
    description="A presentation whose holder binding (KB-JWT, VP-JWT, VP proof) is signed by another key is refused",
    per_configuration=True,
)
async def invalid_holder_signature(ctx: VerifierContext) -> Outcome:
    return await _refused(ctx, tamper="holder_signature")


@MODULE.check(
    "VP-14.1.2-wrong_nonce",
    section="OpenID4VP 1.0 §14.1.2, §8.6, App. B (OIDF invalid-kb-jwt-nonce)",
    level=MUST,
    description="A presentation bound to another nonce (KB-JWT nonce, VP-JWT nonce, proof challenge) is refused",
    per_configuration=True,
)
async def wrong_nonce(ctx: VerifierContext) -> Outcome:
    return await _refused(ctx, nonce=secrets.token_urlsafe(32))


@MODULE.check(
    "VP-14.1.2-wrong_aud",
    section="OpenID4VP 1.0 §14.1.2, §5.9.1 (the full Client Identifier), App. B (OIDF invalid-kb-jwt-aud)",
    level=MUST,
    description="A presentation bound to another audience (KB-JWT aud, VP-JWT aud, proof domain) is refused",
    per_configuration=True,
)
async def wrong_aud(ctx: VerifierContext) -> Outcome:
    return await _refused(ctx, audience="x509_san_dns:another-verifier.example")


@MODULE.check(
    "VP-8.6-unresolvable_issuer_key",
    section="OpenID4VP 1.0 §8.6 (authenticity of each credential); SD-JWT VC §3.5, VC-JOSE-COSE, VC Data Integrity "
    "(the issuer's key)",
    level=MUST,
    description="A credential re-issued under a did:web without a DID Document (its issuer key cannot be "
    "resolved) is refused with a 4xx, not accepted and not a server error",
    per_configuration=True,
)
async def unresolvable_issuer_key(ctx: VerifierContext) -> Outcome:
    return await _refused(ctx, tamper="unresolvable_issuer")


# -- SD-JWT VC ----------------------------------------------------------------------------------------------


@MODULE.check(
    "VP-B.3-invalid_sd_hash",
    section="OpenID4VP 1.0 App. B.3.5; RFC 9901 §7.3 step 5 (OIDF invalid-sd-hash)",
    level=MUST,
    description="dc+sd-jwt: a KB-JWT whose sd_hash does not match the presented SD-JWT is refused",
)
async def invalid_sd_hash(ctx: VerifierContext) -> Outcome:
    return await _refused(ctx, fmt=await _sd_jwt(ctx), tamper="sd_hash")


@MODULE.check(
    "VP-B.3-kb_jwt_iat_past",
    section="RFC 9901 §7.3 (iat within an acceptable window); OpenID4VP 1.0 App. B.3.5 (OIDF kb-jwt-iat-in-past)",
    level=MUST,
    description="dc+sd-jwt: a KB-JWT issued a year ago is refused",
)
async def kb_jwt_iat_past(ctx: VerifierContext) -> Outcome:
    return await _refused(ctx, fmt=await _sd_jwt(ctx), iat=time.time() - YEAR)


@MODULE.check(
    "VP-B.3-kb_jwt_iat_future",
    section="RFC 9901 §7.3 (iat within an acceptable window); OpenID4VP 1.0 App. B.3.5 "
    "(OIDF kb-jwt-iat-in-future)",
    level=MUST,
    description="dc+sd-jwt: a KB-JWT dated a year ahead is refused",
)
async def kb_jwt_iat_future(ctx: VerifierContext) -> Outcome:
    return await _refused(ctx, fmt=await _sd_jwt(ctx), iat=time.time() + YEAR)


@MODULE.check(
    "VP-B.3-missing_kb_jwt",
    section="OpenID4VP 1.0 App. B.3.5, §6.1 (require_cryptographic_holder_binding defaults to true); "
    "RFC 9901 §7.3",
    level=MUST,
    description="dc+sd-jwt: an SD-JWT without its KB-JWT is refused when the query requires holder binding",
)
async def missing_kb_jwt(ctx: VerifierContext) -> Outcome:
    fmt = await _sd_jwt(ctx)
    pending = await _fresh(ctx, fmt=fmt)
    cq = query_for_format(pending.fetched.dcql_query, [fmt]) or {}
    if cq.get("require_cryptographic_holder_binding") is False:
        raise Skip("the query accepts presentations without holder binding")
    vp_token = await ctx.vp_token(pending, tamper="no_kb")
    return await expect_rejected(ctx, pending, await ctx.respond(pending, vp_token))


@MODULE.check(
    "VP-B.3-kb_jwt_typ",
    section="RFC 9901 §4.3, §7.3 (typ kb+jwt); OpenID4VP 1.0 App. B.3.5",
    level=MUST,
    description="dc+sd-jwt: a KB-JWT whose typ is not kb+jwt is refused",
)
async def kb_jwt_typ(ctx: VerifierContext) -> Outcome:
    return await _refused(ctx, fmt=await _sd_jwt(ctx), tamper="kb_typ")


@MODULE.check(
    "RFC9901-7.1-unreferenced_disclosure",
    section="RFC 9901 §7.1 step 3 (every Disclosure must be referenced by a digest)",
    level=MUST,
    description="dc+sd-jwt: a presentation with a Disclosure the issuer never signed a digest for is refused",
)
async def unreferenced_disclosure(ctx: VerifierContext) -> Outcome:
    return await _refused(ctx, fmt=await _sd_jwt(ctx), tamper="unreferenced_disclosure")


# -- replay and state ---------------------------------------------------------------------------------------


@MODULE.check(
    "VP-14.1.2-replay_other_request",
    section="OpenID4VP 1.0 §14.1.2 (replay detection: nonce and audience), §8.6",
    level=MUST,
    description="An accepted presentation replayed into another request (its state, its encryption key) is "
    "refused",
)
async def replay_other_request(ctx: VerifierContext) -> Outcome:
    accepted = await ctx.accepted()
    other = await _fresh(ctx, fmt=accepted.pending.format)
    cq = query_for_format(other.fetched.dcql_query, [other.format]) or {}
    replayed = {str(cq.get("id")): next(iter(accepted.vp_token.values()))}
    return await expect_rejected(ctx, other, await ctx.respond(other, replayed))


@MODULE.check(
    "VP-13.3-second_response",
    section="OpenID4VP 1.0 §13.3 (a response completes its request), §14.1.2",
    level=SHOULD,
    description="A second response to an answered request is refused and the first result stands",
)
async def second_response(ctx: VerifierContext) -> Outcome:
    accepted = await ctx.accepted()
    resp = await ctx.respond(accepted.pending, accepted.vp_token)
    return await expect_rejected(ctx, accepted.pending, resp, status="verified")


@MODULE.check(
    "VP-14.3.2-unknown_state",
    section="OpenID4VP 1.0 §14.3.2 (check state against a recent request), §5.3",
    level=SHOULD,
    description="A response whose state the request never carried is refused",
)
async def unknown_state(ctx: VerifierContext) -> Outcome:
    pending = await _fresh(ctx)
    if pending.fetched.state is None:
        raise Skip("the request carries no state")
    vp_token = await ctx.vp_token(pending)
    return await expect_rejected(ctx, pending, await ctx.respond(pending, vp_token, state=secrets.token_urlsafe(32)))


# -- response shape and encryption ------------------------------------------------------------------------


@MODULE.check(
    "VP-8.1-unknown_query_id",
    section="OpenID4VP 1.0 §8.1, §8.6 (vp_token keys are Credential Query ids)",
    level=MUST,
    description="A vp_token keyed by an id the query does not define is refused",
)
async def unknown_query_id(ctx: VerifierContext) -> Outcome:
    pending = await _fresh(ctx)
    vp_token = await ctx.vp_token(pending, query_id="not_a_query_of_this_request")
    return await expect_rejected(ctx, pending, await ctx.respond(pending, vp_token))


@MODULE.check(
    "VP-8.1-vp_token_not_object",
    section="OpenID4VP 1.0 §8.1 (vp_token is a JSON object keyed by query id)",
    level=MUST,
    description="A bare presentation as vp_token (the pre-1.0 shape) is refused",
)
async def vp_token_not_object(ctx: VerifierContext) -> Outcome:
    pending = await _fresh(ctx)
    vp_token = await ctx.vp_token(pending)
    bare = next(iter(vp_token.values()))[0]
    return await expect_rejected(ctx, pending, await ctx.respond(pending, bare))


@MODULE.check(
    "VP-8.3.1-plaintext_response",
    section="OpenID4VP 1.0 §8.3, §8.3.1 (only an error may come back unencrypted)",
    level=MUST,
    description="direct_post.jwt: an unencrypted vp_token is refused",
)
async def plaintext_response(ctx: VerifierContext) -> Outcome:
    pending = await _fresh(ctx, response_mode="direct_post.jwt")
    vp_token = await ctx.vp_token(pending)
    return await expect_rejected(ctx, pending, await ctx.respond(pending, vp_token, encrypt=False))


@MODULE.check(
    "VP-8.3-foreign_encryption_key",
    section="OpenID4VP 1.0 §8.3 (the response is encrypted to the request's key)",
    level=MUST,
    description="direct_post.jwt: a response encrypted to another key (with the request key's kid) is refused",
)
async def foreign_encryption_key(ctx: VerifierContext) -> Outcome:
    pending = await _fresh(ctx, response_mode="direct_post.jwt")
    vp_token = await ctx.vp_token(pending)
    _, other = generate_encryption_key()
    return await expect_rejected(ctx, pending, await ctx.respond(pending, vp_token, recipient=other))
