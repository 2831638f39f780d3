"""The Verifier's Response URI on the happy path (OpenID4VP 1.0 §8.1-§8.3, §8.5, §8.6): a valid presentation in
each format is accepted with HTTP 200 and a JSON object, the Verifier concludes ``verified``, both response modes
and every advertised content encryption work, and a wallet's error response is processed (OIDF
``oid4vp-1final-verifier-happy-flow``, ``request-uri-method-post``)."""

from __future__ import annotations

from conformance.suite.expect import seen
from conformance.suite.model import CheckModule, Level, Outcome, Skip, failed, passed
from conformance.suite.vp_context import VerifierContext
from conformance.suite.vp_expect import accepted_problem, expect_accepted
from conformance.suite.vp_request import FetchedRequest

__all__ = ["MODULE"]

MODULE: CheckModule[VerifierContext] = CheckModule("vp-response")
MUST = Level.MUST


def _mode(fetched: FetchedRequest) -> str:
    return f"{fetched.response_mode}" + (f", {fetched.client_id.split(':')[0]}" if fetched.client_id else "")


@MODULE.check(
    "VP-8.2-valid_presentation",
    section="OpenID4VP 1.0 §8.2, §8.1, App. B (OIDF happy-flow)",
    level=MUST,
    description="A valid presentation is accepted: HTTP 200 with a JSON object (a redirect_uri in it is an "
    "absolute URL)",
    per_configuration=True,
)
async def valid_presentation(ctx: VerifierContext) -> Outcome:
    answered = await ctx.happy()
    problem = accepted_problem(answered.response)
    if problem:
        view = await ctx.result(answered.pending)
        why = f"; admin API: {view.get('status')} {view.get('error_description') or ''}".rstrip() if view else ""
        return failed(problem + why)
    return passed(f"{seen(answered.response)} ({_mode(answered.pending.fetched)})")


@MODULE.check(
    "VP-8.6-result_verified",
    section="OpenID4VP 1.0 §8.6, §6.4, App. B",
    level=MUST,
    description="The Verifier concludes that the valid presentation is verified (read through the admin API)",
    per_configuration=True,
)
async def result_verified(ctx: VerifierContext) -> Outcome:
    if not ctx.requests.has_results:
        raise Skip("needs the admin API to read what the verifier concluded")
    answered = await ctx.accepted()
    view = await ctx.result(answered.pending)
    if view is None:
        return failed("the admin API did not answer")
    if view.get("status") != "verified":
        return failed(f"status {view.get('status')}: {view.get('error')} {view.get('error_description') or ''}")
    credentials = view.get("credentials")
    count = len(credentials) if isinstance(credentials, list) else 0
    return passed(f"verified, {count} credential(s)")


async def _mode_check(ctx: VerifierContext, mode: str) -> Outcome:
    """The happy path when it already used ``mode``; else a request made for ``mode``."""
    try:
        answered = await ctx.happy()
    except Skip:
        answered = None
    if answered is not None and answered.pending.fetched.response_mode == mode:
        return await expect_accepted(ctx, answered.pending, answered.response, verified=True)
    if not ctx.requests.unlimited:
        raise Skip(f"needs a {mode} request; the request source cannot ask for one")
    pending = await ctx.new_request(response_mode=mode)
    if pending.fetched.response_mode != mode:
        raise Skip(f"the verifier answered a {mode} wish with {pending.fetched.response_mode!r}")
    resp = await ctx.respond(pending, await ctx.vp_token(pending))
    return await expect_accepted(ctx, pending, resp, verified=True)


@MODULE.check(
    "VP-8.2-direct_post",
    section="OpenID4VP 1.0 §8.2",
    level=MUST,
    description="response_mode direct_post: a form-encoded vp_token and state are accepted",
)
async def direct_post(ctx: VerifierContext) -> Outcome:
    return await _mode_check(ctx, "direct_post")


@MODULE.check(
    "VP-8.3-direct_post_jwt",
    section="OpenID4VP 1.0 §8.3, §8.3.1",
    level=MUST,
    description="response_mode direct_post.jwt: a response JWE (ECDH-ES to the request's key) is accepted",
)
async def direct_post_jwt(ctx: VerifierContext) -> Outcome:
    return await _mode_check(ctx, "direct_post.jwt")


@MODULE.check(
    "VP-8.3-each_enc_value",
    section="OpenID4VP 1.0 §8.3, §5.1 (encrypted_response_enc_values_supported); HAIP 1.0 §5",
    level=MUST,
    description="A response encrypted with each advertised content encryption the suite supports (A128GCM, "
    "A256GCM) is accepted",
)
async def each_enc_value(ctx: VerifierContext) -> Outcome:
    if not ctx.requests.unlimited:
        raise Skip("needs one direct_post.jwt request per content encryption algorithm")
    probe = await ctx.request_with(response_mode="direct_post.jwt", key="jwt_request")
    if probe.fetched.response_mode != "direct_post.jwt":
        raise Skip("the verifier did not make a direct_post.jwt request")
    supported = [e for e in probe.fetched.enc_values() if e in ("A128GCM", "A256GCM")]
    if not supported:
        raise Skip(f"the verifier accepts {probe.fetched.enc_values()}; the suite encrypts with A128GCM / A256GCM")
    seen_ok = []
    for enc in supported:
        pending = await ctx.new_request(response_mode="direct_post.jwt")
        resp = await ctx.respond(pending, await ctx.vp_token(pending), enc=enc)
        outcome = await expect_accepted(ctx, pending, resp, verified=True)
        if outcome.status.value != "pass":
            return failed(f"{enc}: {outcome.detail}")
        seen_ok.append(enc)
    return passed(", ".join(seen_ok))


@MODULE.check(
    "VP-8.2-wallet_error_response",
    section="OpenID4VP 1.0 §8.2, §8.5",
    level=MUST,
    description="A wallet's error response (error=access_denied with state) is processed: HTTP 200 with a JSON "
    "object, and the request does not end verified",
)
async def wallet_error_response(ctx: VerifierContext) -> Outcome:
    if not ctx.requests.unlimited:
        raise Skip("needs a request of its own (pass --admin-token or --request-command)")
    pending = await ctx.new_request()
    resp = await ctx.respond(pending, extra={"error": "access_denied",
                                             "error_description": "The holder declined (conformance suite)."})
    problem = accepted_problem(resp)
    if problem:
        return failed(problem)
    view = await ctx.result(pending)
    if view is not None and view.get("status") == "verified":
        return failed("the admin API reports verified after a wallet error")
    suffix = f"; admin API: {view.get('status')} ({view.get('error')})" if view is not None else ""
    return passed(f"{seen(resp)}{suffix}")
