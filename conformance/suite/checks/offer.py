"""Credential Offer (OpenID4VCI 1.0 §4.1): the link, by value and by reference, and the offer object."""

from __future__ import annotations

from typing import Any

from conformance.suite.context import ResolvedOffer, SuiteContext
from conformance.suite.model import CheckModule, Level, Outcome, Skip, failed, passed, warned
from conformance.suite.offers import PRE_AUTHORIZED_GRANT, OfferWanted, parse_offer_link

__all__ = ["MODULE", "offer_problems"]

MODULE = CheckModule("offer")
MUST, SHOULD = Level.MUST, Level.SHOULD


def offer_problems(offer: dict[str, Any], *, issuer_id: str, known_configs: set[str]) -> list[str]:
    """What is wrong with a Credential Offer object (§4.1.1) for a pre-authorized code flow."""
    problems = []
    if offer.get("credential_issuer") != issuer_id:
        problems.append(f"credential_issuer is {offer.get('credential_issuer')!r}, expected {issuer_id!r}")
    ids = offer.get("credential_configuration_ids")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        problems.append("credential_configuration_ids is not a non-empty array of strings")
    else:
        if len(set(ids)) != len(ids):
            problems.append("credential_configuration_ids repeats an id")
        unknown = [i for i in ids if i not in known_configs]
        if unknown:
            problems.append(f"not in credential_configurations_supported: {', '.join(unknown)}")
    grants = offer.get("grants")
    if grants is not None and not isinstance(grants, dict):
        problems.append("grants is not an object")
    grant = grants.get(PRE_AUTHORIZED_GRANT) if isinstance(grants, dict) else None
    if isinstance(grant, dict):
        code = grant.get("pre-authorized_code")
        if not isinstance(code, str) or not code:
            problems.append("pre-authorized_code is missing or empty")
        if "tx_code" in grant:
            problems += _tx_code_problems(grant["tx_code"])
    return problems


def _tx_code_problems(tx_code: Any) -> list[str]:
    if not isinstance(tx_code, dict):
        return ["tx_code is not an object"]
    problems = []
    if tx_code.get("input_mode", "numeric") not in ("numeric", "text"):
        problems.append(f"tx_code.input_mode is {tx_code['input_mode']!r}")
    length = tx_code.get("length")
    if length is not None and (not isinstance(length, int) or isinstance(length, bool) or length < 1):
        problems.append(f"tx_code.length is {length!r}")
    description = tx_code.get("description")
    if description is not None and (not isinstance(description, str) or len(description) > 300):
        problems.append("tx_code.description is not a string of at most 300 characters")
    return problems


async def _inspected_offer(ctx: SuiteContext, **want: Any) -> ResolvedOffer:
    """An offer to look at (never redeemed): released back to a limited source afterwards."""
    offer = await ctx.new_offer(**want, need_tx_value=False)
    ctx.offers.release(offer.obtained)
    return offer


async def _reference_offer(ctx: SuiteContext) -> ResolvedOffer:
    return await ctx.once("offer:by_reference", lambda: _inspected_offer(ctx, by_reference=True))


@MODULE.check(
    "VCI-4.1-offer_link",
    section="OpenID4VCI 1.0 §4.1",
    level=MUST,
    description="The offer link carries exactly one of credential_offer and credential_offer_uri",
)
async def offer_link(ctx: SuiteContext) -> Outcome:
    obtained = await ctx.offers.obtain(OfferWanted(await ctx.config_id()))
    ctx.offers.release(obtained)
    try:
        link = parse_offer_link(obtained.link)
    except ValueError as exc:
        return failed(str(exc))
    return passed("by reference" if link.credential_offer_uri else "by value")


@MODULE.check(
    "VCI-4.1.3-offer_by_reference",
    section="OpenID4VCI 1.0 §4.1.3",
    level=MUST,
    description="GET credential_offer_uri answers HTTP 200 with the offer as an application/json object",
)
async def offer_by_reference(ctx: SuiteContext) -> Outcome:
    obtained = await ctx.offers.obtain(OfferWanted(await ctx.config_id(), by_reference=True))
    ctx.offers.release(obtained)
    try:
        uri = parse_offer_link(obtained.link).credential_offer_uri
    except ValueError as exc:
        return failed(str(exc))
    if uri is None:
        if ctx.offers.unlimited:
            return failed("asked for an offer by reference, got one by value")
        raise Skip("none of the given offers is by reference")
    resp = await ctx.http.get(uri, headers={"Accept": "application/json"})
    if resp.status != 200:
        return failed(f"GET credential_offer_uri answered HTTP {resp.status}")
    if resp.content_type != "application/json":
        return failed(f"Content-Type is {resp.headers.get('Content-Type')!r}")
    if resp.json_object() is None:
        return failed("the body is not a JSON object")
    return passed()


@MODULE.check(
    "VCI-4.1-offer_uri_https",
    section="OpenID4VCI 1.0 §4.1",
    level=MUST,
    description="credential_offer_uri is a URL using the https scheme",
)
async def offer_uri_https(ctx: SuiteContext) -> Outcome:
    offer = await _reference_offer(ctx)
    problem = ctx.url_problem(offer.link.credential_offer_uri, "credential_offer_uri", reveal=False)
    if problem is None:
        return passed()
    return failed(problem[1]) if problem[0] else warned(problem[1] + " (accepted because of --allow-http)")


@MODULE.check(
    "VCI-4.1.1-offer_parameters",
    section="OpenID4VCI 1.0 §4.1.1",
    level=MUST,
    description="The offer names this credential_issuer, known unique credential_configuration_ids, and a "
    "well-formed pre-authorized_code grant (tx_code: input_mode, length, description <= 300)",
)
async def offer_parameters(ctx: SuiteContext) -> Outcome:
    offer = await _reference_offer(ctx)
    problems = offer_problems(offer.offer, issuer_id=ctx.issuer_id, known_configs=set(await ctx.configurations()))
    return failed("; ".join(problems)) if problems else passed()


@MODULE.check(
    "VCI-4.1.1-offer_with_tx_code",
    section="OpenID4VCI 1.0 §4.1.1",
    level=MUST,
    description="An offer requiring a Transaction Code carries a well-formed tx_code object",
)
async def offer_with_tx_code(ctx: SuiteContext) -> Outcome:
    offer = await _inspected_offer(ctx, tx_code=True)
    problems = offer_problems(offer.offer, issuer_id=ctx.issuer_id, known_configs=set(await ctx.configurations()))
    if problems:
        return failed("; ".join(problems))
    return passed(f"tx_code {(offer.pre_authorized_grant or {}).get('tx_code')}")


@MODULE.check(
    "VCI-4.1.2-offer_by_value",
    section="OpenID4VCI 1.0 §4.1, §4.1.2",
    level=MUST,
    description="An offer sent by value is a URL-encoded JSON object with valid parameters",
)
async def offer_by_value(ctx: SuiteContext) -> Outcome:
    offer = await _inspected_offer(ctx, by_reference=False)
    problems = offer_problems(offer.offer, issuer_id=ctx.issuer_id, known_configs=set(await ctx.configurations()))
    return failed("; ".join(problems)) if problems else passed()


@MODULE.check(
    "VCI-4.1.3-unique_offer_uri",
    section="OpenID4VCI 1.0 §4.1.3",
    level=SHOULD,
    description="Each offer gets its own credential_offer_uri (no shared, cacheable URI)",
)
async def unique_offer_uri(ctx: SuiteContext) -> Outcome:
    if not ctx.offers.unlimited:
        raise Skip("needs two fresh offers by reference (an offer source such as --admin-token)")
    first = await _reference_offer(ctx)
    second = await _inspected_offer(ctx, by_reference=True)
    if first.link.credential_offer_uri == second.link.credential_offer_uri:
        return failed("two offers share one credential_offer_uri")
    if first.pre_authorized_code == second.pre_authorized_code:
        return failed("two offers share one pre-authorized_code")
    return passed()
