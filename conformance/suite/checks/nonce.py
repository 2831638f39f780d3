"""Nonce Endpoint (OpenID4VCI 1.0 §7) and proof replay (§13.8)."""

from __future__ import annotations

from conformance.suite.context import SuiteContext
from conformance.suite.expect import expect_error, seen
from conformance.suite.http import HttpResponse
from conformance.suite.model import CheckModule, Level, Outcome, Skip, failed, passed, warned

__all__ = ["MODULE"]

MODULE = CheckModule("nonce")
MUST, SHOULD = Level.MUST, Level.SHOULD


async def _first(ctx: SuiteContext) -> HttpResponse:
    return await ctx.once("nonce:first", ctx.nonce_response)


@MODULE.check(
    "VCI-7.2-nonce_response",
    section="OpenID4VCI 1.0 §7.1, §7.2",
    level=MUST,
    description="POST to the nonce_endpoint without an access token answers 2xx application/json with a "
    "c_nonce string",
)
async def nonce_response(ctx: SuiteContext) -> Outcome:
    resp = await _first(ctx)
    if not 200 <= resp.status < 300:
        return failed(seen(resp))
    if not resp.is_json:
        return failed(f"Content-Type is {resp.content_type!r}")
    value = (resp.json_object() or {}).get("c_nonce")
    if not isinstance(value, str) or not value:
        return failed("c_nonce is missing or not a string")
    return passed()


@MODULE.check(
    "VCI-7.2-nonce_no_store",
    section="OpenID4VCI 1.0 §7.2",
    level=MUST,
    description="The nonce response carries Cache-Control: no-store",
)
async def nonce_no_store(ctx: SuiteContext) -> Outcome:
    resp = await _first(ctx)
    if not 200 <= resp.status < 300:
        raise Skip(f"the nonce request failed ({seen(resp)})")
    if "no-store" not in resp.cache_control():
        return failed(f"Cache-Control is {resp.headers.get('Cache-Control')!r}")
    return passed()


@MODULE.check(
    "VCI-7.2-nonce_fresh",
    section="OpenID4VCI 1.0 §7.2, §13.8",
    level=SHOULD,
    description="Consecutive nonce requests get different, unpredictable-looking c_nonce values (>= 16 characters)",
)
async def nonce_fresh(ctx: SuiteContext) -> Outcome:
    values = [await ctx.c_nonce() for _ in range(3)]
    if any(v is None for v in values):
        raise Skip("the issuer has no nonce_endpoint")
    if len(set(values)) != len(values):
        return failed("the same c_nonce was returned twice")
    short = min(len(v or "") for v in values)
    if short < 16:
        return warned(f"c_nonce values of {short} characters may be guessable")
    return passed()


@MODULE.check(
    "VCI-13.8-nonce_single_use",
    section="OpenID4VCI 1.0 §13.8, §8.3.1.2",
    level=SHOULD,
    description="A c_nonce already used for an issued credential is refused afterwards with invalid_nonce "
    "(replayed proofs cannot mint more credentials)",
)
async def nonce_single_use(ctx: SuiteContext) -> Outcome:
    if not ctx.offers.unlimited:
        raise Skip("needs two fresh offers (an unlimited offer source such as --admin-token)")
    if await ctx.nonce_endpoint() is None:
        raise Skip("the issuer has no nonce_endpoint")
    first = await ctx.issue(await ctx.fresh_token())
    if first.response.status != 200:
        raise Skip(f"needs an issued credential: {seen(first.response)}")
    key = await ctx.new_key()
    proof = await ctx.proof(key, nonce=first.nonce)
    resp = await ctx.credential_request(await ctx.fresh_token(), await ctx.request_body([proof]))
    return expect_error(resp, "invalid_nonce")
