"""Credential requests the negative checks share: one bad thing at a time, everything else valid."""

from __future__ import annotations

from typing import Any

from conformance.suite.context import SuiteContext
from conformance.suite.http import HttpResponse
from conformance.suite.model import Skip

__all__ = ["needs_nonce_endpoint", "valid_body", "with_body", "with_proof"]


async def with_proof(ctx: SuiteContext, **mutations: Any) -> HttpResponse:
    """A credential request whose single proof is mutated as given (a fresh c_nonce unless ``nonce=``)."""
    token = await ctx.token_for_negative_check()
    proof = await ctx.proof(await ctx.new_key(), **mutations)
    return await ctx.credential_request(token, await ctx.request_body([proof]))


async def with_body(ctx: SuiteContext, body: Any) -> HttpResponse:
    return await ctx.credential_request(await ctx.token_for_negative_check(), body)


async def needs_nonce_endpoint(ctx: SuiteContext) -> None:
    if await ctx.nonce_endpoint() is None:
        raise Skip("the issuer has no nonce_endpoint, so proofs carry no c_nonce")


async def valid_body(ctx: SuiteContext) -> dict[str, Any]:
    return await ctx.request_body([await ctx.proof(await ctx.new_key())])
