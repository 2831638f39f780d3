"""Assertions shared by the verifier checks: what an accepted response and a refused one look like
(OpenID4VP 1.0 §8.2), and what the Verifier must conclude (its admin API view, when the suite can read it)."""

from __future__ import annotations

from typing import Any

from conformance.suite.expect import seen
from conformance.suite.http import HttpResponse
from conformance.suite.model import Outcome, failed, passed
from conformance.suite.vp_context import PendingRequest, VerifierContext

__all__ = ["accepted_problem", "described", "expect_accepted", "expect_rejected"]


def described(resp: HttpResponse) -> str:
    """``seen`` plus the ``error_description`` of a JSON error body (shortened)."""
    body = resp.json_object() or {}
    description = body.get("error_description")
    return seen(resp) + (f" ({description[:200]})" if isinstance(description, str) and description else "")


def accepted_problem(resp: HttpResponse) -> str | None:
    """§8.2: after processing a response the Response URI answers HTTP 200 with a JSON object; a
    ``redirect_uri`` in it is an absolute URL."""
    if resp.status != 200:
        return f"{described(resp)}; expected HTTP 200"
    if not resp.is_json:
        return f"{seen(resp)}; the answer must be application/json"
    body = resp.json_object()
    if body is None:
        return f"{seen(resp)}; the answer must be a JSON object"
    redirect = body.get("redirect_uri")
    if redirect is not None and (not isinstance(redirect, str) or "://" not in redirect):
        return f"redirect_uri {redirect!r} is not an absolute URL"
    return None


def _view_text(view: dict[str, Any]) -> str:
    text = f"admin API: {view.get('status')}"
    if view.get("error"):
        text += f" ({view.get('error')})"
    return text


async def expect_accepted(ctx: VerifierContext, pending: PendingRequest, resp: HttpResponse, *,
                          verified: bool = False) -> Outcome:
    """200 JSON; with ``verified``, the admin API must also report ``verified``."""
    problem = accepted_problem(resp)
    if problem:
        return failed(problem)
    if not verified:
        return passed(seen(resp))
    view = await ctx.result(pending)
    if view is None:
        return passed(seen(resp))
    if view.get("status") != "verified":
        return failed(f"{seen(resp)}, but {_view_text(view)} {view.get('error_description') or ''}".rstrip())
    return passed(f"{seen(resp)}; {_view_text(view)}")


async def expect_rejected(ctx: VerifierContext, pending: PendingRequest, resp: HttpResponse, *,
                          status: str = "rejected") -> Outcome:
    """The response must be refused with a 4xx (never 2xx, 3xx or 5xx); when the admin API is available, the
    request's status must then be ``status`` (``rejected``, or ``verified`` for a request answered before)."""
    # a verdict is due after a 2xx or 4xx; after a 3xx or 5xx just look (the request is likely left pending)
    view = await ctx.result(pending, wait=2.0 if 200 <= resp.status < 300 or 400 <= resp.status < 500 else 0.0)
    admin = f"; {_view_text(view)}" if view is not None else ""
    if 200 <= resp.status < 300:
        return failed(f"accepted: {seen(resp)}{admin}; an invalid response must be refused with a 4xx")
    if not 400 <= resp.status < 500:
        return failed(f"{seen(resp)}{admin}; expected a 4xx")
    if view is not None and view.get("status") != status:
        return failed(f"{seen(resp)}, but {_view_text(view)} (expected {status})")
    return passed(f"{seen(resp)}{admin}")
