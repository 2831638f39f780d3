"""Error responses across the run (RFC 6749 §5.2, RFC 6750 §3, OpenID4VCI 1.0 §6.3, §8.3.1): evaluated last,
over every wallet-facing exchange the other checks made (the admin adapter's exchanges are not counted)."""

from __future__ import annotations

import re

from conformance.suite.context import SuiteContext
from conformance.suite.http import HttpResponse
from conformance.suite.model import CheckModule, Level, Outcome, Skip, failed, passed

__all__ = ["MODULE"]

MODULE = CheckModule("errors")
MUST = Level.MUST
_DESCRIPTION_CHARS = re.compile(r"^[\x20-\x21\x23-\x5b\x5d-\x7e]*$")


def _protocol(ctx: SuiteContext) -> list[HttpResponse]:
    exchanges = [r for r in ctx.http.log if r.purpose == "protocol"]
    if not exchanges:
        raise Skip("no wallet-facing requests were made")
    return exchanges


def _list(responses: list[HttpResponse]) -> str:
    return "; ".join(r.describe() for r in responses[:5]) + (f" (+{len(responses) - 5} more)" if len(responses) > 5
                                                             else "")


@MODULE.check(
    "HTTP-errors_not_2xx",
    section="RFC 6749 §5.2; RFC 6750 §3.1; OpenID4VCI 1.0 §6.3, §8.3.1.2",
    level=MUST,
    description="No response carrying an OAuth error member has a 2xx status (never '200 with an error inside')",
)
async def errors_not_2xx(ctx: SuiteContext) -> Outcome:
    bad = [r for r in _protocol(ctx) if 200 <= r.status < 300 and r.error is not None]
    return failed(_list(bad)) if bad else passed()


@MODULE.check(
    "HTTP-error_bodies_json",
    section="RFC 6749 §5.2; OpenID4VCI 1.0 §8.3.1.2",
    level=MUST,
    description="Every HTTP 400 from the token and credential endpoints is application/json with a string error",
)
async def error_bodies_json(ctx: SuiteContext) -> Outcome:
    endpoints = {await ctx.token_endpoint(), await ctx.credential_endpoint()}
    errors = [r for r in _protocol(ctx) if r.status == 400 and r.url in endpoints]
    if not errors:
        raise Skip("no HTTP 400 was seen from the token or credential endpoint")
    bad = [r for r in errors if not r.is_json or r.error is None]
    return failed(_list(bad)) if bad else passed(f"{len(errors)} error responses")


@MODULE.check(
    "VCI-8.3.1.2-error_description_charset",
    section="OpenID4VCI 1.0 §8.3.1.2; RFC 6749 §5.2",
    level=MUST,
    description="error_description values use only %x20-21 / %x23-5B / %x5D-7E",
)
async def error_description_charset(ctx: SuiteContext) -> Outcome:
    described = [(r, (r.json_object() or {}).get("error_description")) for r in _protocol(ctx) if r.error]
    described = [(r, d) for r, d in described if d is not None]
    if not described:
        raise Skip("no error_description was seen")
    bad = [r for r, d in described if not isinstance(d, str) or not _DESCRIPTION_CHARS.match(d)]
    return failed(_list(bad)) if bad else passed(f"{len(described)} descriptions")
