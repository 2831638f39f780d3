"""Token Endpoint, pre-authorized code grant (OpenID4VCI 1.0 §6, §13.6; RFC 6749 §5)."""

from __future__ import annotations

from conformance.suite.context import ResolvedOffer, SuiteContext
from conformance.suite.expect import expect_error, seen
from conformance.suite.http import HttpResponse
from conformance.suite.model import CheckModule, Level, Outcome, Skip, failed, passed, warned
from conformance.suite.wallet import b64url_encode

__all__ = ["MODULE"]

MODULE = CheckModule("token")
MUST, SHOULD = Level.MUST, Level.SHOULD


def _wrong_tx_code(right: str) -> str:
    """A value of the same shape that is not ``right``."""
    if right.isdigit():
        return str((int(right) + 1) % 10 ** len(right)).zfill(len(right))
    return right[::-1] if right[::-1] != right else right + "x"


def _unlimited(ctx: SuiteContext, what: str) -> None:
    if not ctx.offers.unlimited:
        raise Skip(f"needs {what} (an unlimited offer source such as --admin-token or --offer-command)")


@MODULE.check(
    "VCI-6.1-token_pre_authorized",
    section="OpenID4VCI 1.0 §6.1, §6.2; RFC 6749 §5.1",
    level=MUST,
    description="A token request with the offer's pre-authorized_code answers HTTP 200 JSON with an access_token "
    "and token_type",
)
async def token_pre_authorized(ctx: SuiteContext) -> Outcome:
    try:
        redemption = await ctx.main_redemption()
    except Skip as exc:
        if "needs an access token" in str(exc):
            return failed(str(exc).removeprefix("needs an access token: "))
        raise
    resp = redemption.response
    body = resp.json_object() or {}
    if not resp.is_json:
        return failed(f"Content-Type is {resp.content_type!r}")
    if not isinstance(body.get("token_type"), str):
        return failed("token_type is missing")
    return passed(f"token_type {body['token_type']}")


@MODULE.check(
    "RFC6749-5.1-token_no_store",
    section="RFC 6749 §5.1; OpenID4VCI 1.0 §6.2",
    level=MUST,
    description="The token response carries Cache-Control: no-store",
)
async def token_no_store(ctx: SuiteContext) -> Outcome:
    resp = (await ctx.main_redemption()).response
    if "no-store" not in resp.cache_control():
        return failed(f"Cache-Control is {resp.headers.get('Cache-Control')!r}")
    return passed()


@MODULE.check(
    "VCI-13.10-access_token_lifetime",
    section="OpenID4VCI 1.0 §13.10",
    level=MUST,
    description="A Bearer (not sender-constrained) access token lives at most about 5 minutes (expires_in <= 300)",
)
async def access_token_lifetime(ctx: SuiteContext) -> Outcome:
    body = (await ctx.main_redemption()).response.json_object() or {}
    if str(body.get("token_type", "")).lower() != "bearer":
        return passed(f"token_type {body.get('token_type')}: sender-constrained")
    expires_in = body.get("expires_in")
    if not isinstance(expires_in, int | float):
        return warned("expires_in is absent: the lifetime cannot be checked")
    if expires_in > 300:
        return failed(f"a Bearer token with expires_in {expires_in} s is long-lived")
    return passed(f"expires_in {expires_in} s")


@MODULE.check(
    "VCI-12.3-anonymous_access_advertised",
    section="OpenID4VCI 1.0 §12.3, §6.1",
    level=SHOULD,
    description="An AS that redeems pre-authorized codes without client_id says so "
    "(pre-authorized_grant_anonymous_access_supported: true)",
)
async def anonymous_access_advertised(ctx: SuiteContext) -> Outcome:
    if ctx.options.client_id:
        raise Skip("token requests carry --client-id")
    await ctx.main_redemption()
    if (await ctx.as_metadata()).get("pre-authorized_grant_anonymous_access_supported") is not True:
        return failed("anonymous token requests succeed but the AS metadata does not advertise it")
    return passed()


@MODULE.check(
    "VCI-6.1-token_with_tx_code",
    section="OpenID4VCI 1.0 §6.1",
    level=MUST,
    description="For an offer with tx_code, a token request with the right tx_code answers HTTP 200",
)
async def token_with_tx_code(ctx: SuiteContext) -> Outcome:
    offer = await ctx.new_offer(tx_code=True)
    resp = await ctx.token_request(ctx.token_form(offer))
    if resp.status != 200 or not isinstance((resp.json_object() or {}).get("access_token"), str):
        return failed(seen(resp))
    return passed()


async def _wrong_attempt(ctx: SuiteContext) -> tuple[ResolvedOffer, HttpResponse]:
    async def run() -> tuple[ResolvedOffer, HttpResponse]:
        offer = await ctx.new_offer(tx_code=True)
        assert offer.obtained.tx_code is not None
        resp = await ctx.token_request(ctx.token_form(offer, tx_code=_wrong_tx_code(offer.obtained.tx_code)))
        return offer, resp

    return await ctx.once("token:wrong_tx_code", run)


@MODULE.check(
    "VCI-6.3-wrong_tx_code",
    section="OpenID4VCI 1.0 §6.3",
    level=MUST,
    description="A wrong tx_code is refused with HTTP 400 invalid_grant",
)
async def wrong_tx_code(ctx: SuiteContext) -> Outcome:
    _, resp = await _wrong_attempt(ctx)
    return expect_error(resp, "invalid_grant")


@MODULE.check(
    "VCI-13.6.3-tx_code_retry",
    section="OpenID4VCI 1.0 §13.6.3 (errata); §6.3",
    level=SHOULD,
    description="One wrong tx_code does not burn the offer: the right tx_code still works afterwards "
    "(attempts are limited, not single)",
)
async def tx_code_retry(ctx: SuiteContext) -> Outcome:
    offer, first = await _wrong_attempt(ctx)
    if first.status == 200:
        raise Skip("the wrong tx_code was accepted (see VCI-6.3-wrong_tx_code)")
    resp = await ctx.token_request(ctx.token_form(offer))
    if resp.status != 200:
        return failed(f"after one wrong attempt the right tx_code got {seen(resp)}")
    return passed()


@MODULE.check(
    "VCI-6.3-missing_tx_code",
    section="OpenID4VCI 1.0 §6.1, §6.3",
    level=MUST,
    description="A token request without the tx_code the offer requires is refused with HTTP 400 invalid_request",
)
async def missing_tx_code(ctx: SuiteContext) -> Outcome:
    offer = await ctx.new_offer(tx_code=True, need_tx_value=False)
    return expect_error(await ctx.token_request(ctx.token_form(offer, tx_code=None)), "invalid_request")


@MODULE.check(
    "VCI-6.3-unexpected_tx_code",
    section="OpenID4VCI 1.0 §6.1, §6.3",
    level=MUST,
    description="A tx_code sent for an offer without tx_code is refused with HTTP 400 invalid_request",
)
async def unexpected_tx_code(ctx: SuiteContext) -> Outcome:
    offer = await ctx.new_offer(tx_code=False)
    return expect_error(await ctx.token_request(ctx.token_form(offer, tx_code="123456")), "invalid_request")


@MODULE.check(
    "VCI-4.1.1-code_single_use",
    section="OpenID4VCI 1.0 §4.1.1, §6.3",
    level=MUST,
    description="A pre-authorized_code is single use: redeeming it again is refused with HTTP 400 invalid_grant",
)
async def code_single_use(ctx: SuiteContext) -> Outcome:
    offer = (await ctx.main_redemption()).offer
    return expect_error(await ctx.token_request(ctx.token_form(offer)), "invalid_grant")


@MODULE.check(
    "VCI-6.3-unknown_code",
    section="OpenID4VCI 1.0 §6.3",
    level=MUST,
    description="An unknown pre-authorized_code is refused with HTTP 400 invalid_grant",
)
async def unknown_code(ctx: SuiteContext) -> Outcome:
    form = {"grant_type": "urn:ietf:params:oauth:grant-type:pre-authorized_code",
            "pre-authorized_code": b64url_encode(b"conformance-unknown-code-0001")}
    if ctx.options.client_id:
        form["client_id"] = ctx.options.client_id
    return expect_error(await ctx.token_request(form), "invalid_grant")


@MODULE.check(
    "RFC6749-5.2-unsupported_grant_type",
    section="RFC 6749 §5.2; OpenID4VCI 1.0 §6.3",
    level=MUST,
    description="An unknown grant_type is refused with HTTP 400 unsupported_grant_type",
)
async def unsupported_grant_type(ctx: SuiteContext) -> Outcome:
    form = {"grant_type": "urn:example:conformance:unknown-grant", "pre-authorized_code": "x"}
    return expect_error(await ctx.token_request(form), "unsupported_grant_type")


@MODULE.check(
    "VCI-6.1-token_ignores_unknown_parameters",
    section="OpenID4VCI 1.0 §6.1",
    level=MUST,
    description="The AS ignores unrecognized token request parameters",
)
async def token_ignores_unknown_parameters(ctx: SuiteContext) -> Outcome:
    _unlimited(ctx, "a fresh offer")
    offer = await ctx.new_offer(tx_code=False)
    form = ctx.token_form(offer, **{"conformance_unknown": "1", "x-random-field": "ignored"})
    resp = await ctx.token_request(form)
    if resp.status != 200:
        return failed(f"with two unknown parameters: {seen(resp)}")
    return passed()
