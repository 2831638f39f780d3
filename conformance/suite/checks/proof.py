"""Key proofs of type ``jwt`` (OpenID4VCI 1.0 App. F.1, verification rules F.4): each rule broken on its own.

Mirrors the OpenID Foundation modules ``fail-invalid-nonce`` and ``fail-invalid-jwt-proof-signature`` and goes
through the rest of F.4 one rule at a time. Each check gets its own access token when the offer source allows
it, so one wrongly accepted proof cannot change the next check's answer.
"""

from __future__ import annotations

import time

from conformance.suite.checks.requests import needs_nonce_endpoint, with_proof
from conformance.suite.context import SuiteContext, random_value
from conformance.suite.expect import expect_error
from conformance.suite.model import CheckModule, Level, Outcome

__all__ = ["MODULE"]

MODULE = CheckModule("proof")
MUST, SHOULD = Level.MUST, Level.SHOULD
DAY = 24 * 3600


@MODULE.check(
    "VCI-8.3.1.2-invalid_nonce",
    section="OpenID4VCI 1.0 §8.3.1.2, App. F.4",
    level=MUST,
    description="A proof whose nonce was never issued is refused with HTTP 400 invalid_nonce",
)
async def invalid_nonce(ctx: SuiteContext) -> Outcome:
    await needs_nonce_endpoint(ctx)
    return expect_error(await with_proof(ctx, nonce=random_value()), "invalid_nonce")


@MODULE.check(
    "VCI-F.1-missing_nonce",
    section="OpenID4VCI 1.0 App. F.1, §8.3.1.2",
    level=MUST,
    description="A proof without nonce (the issuer has a Nonce Endpoint) is refused with HTTP 400 invalid_proof",
)
async def missing_nonce(ctx: SuiteContext) -> Outcome:
    await needs_nonce_endpoint(ctx)
    return expect_error(await with_proof(ctx, nonce=None), "invalid_proof")


@MODULE.check(
    "VCI-F.1-wrong_aud",
    section="OpenID4VCI 1.0 App. F.1, §8.2",
    level=MUST,
    description="A proof whose aud is not the Credential Issuer Identifier is refused with HTTP 400 invalid_proof",
)
async def wrong_aud(ctx: SuiteContext) -> Outcome:
    return expect_error(await with_proof(ctx, audience="https://attacker.example"), "invalid_proof")


@MODULE.check(
    "VCI-F.1-missing_iat",
    section="OpenID4VCI 1.0 App. F.1, F.4",
    level=MUST,
    description="A proof without iat is refused with HTTP 400 invalid_proof",
)
async def missing_iat(ctx: SuiteContext) -> Outcome:
    return expect_error(await with_proof(ctx, drop=("iat",)), "invalid_proof")


@MODULE.check(
    "VCI-F.4-stale_iat",
    section="OpenID4VCI 1.0 App. F.4, §13.8",
    level=SHOULD,
    description="A proof with iat one day in the past is refused with invalid_proof (F.4 lets an issuer judge "
    "freshness by a server-timestamped nonce instead, hence SHOULD)",
)
async def stale_iat(ctx: SuiteContext) -> Outcome:
    return expect_error(await with_proof(ctx, iat=time.time() - DAY), "invalid_proof")


@MODULE.check(
    "VCI-F.4-future_iat",
    section="OpenID4VCI 1.0 App. F.4, §13.8",
    level=SHOULD,
    description="A proof with iat one day in the future is refused with invalid_proof (only seconds or "
    "minutes of skew are reasonable)",
)
async def future_iat(ctx: SuiteContext) -> Outcome:
    return expect_error(await with_proof(ctx, iat=time.time() + DAY), "invalid_proof")


@MODULE.check(
    "VCI-F.4-bad_signature",
    section="OpenID4VCI 1.0 App. F.4",
    level=MUST,
    description="A proof signed by another key than the one in its header is refused with HTTP 400 invalid_proof",
)
async def bad_signature(ctx: SuiteContext) -> Outcome:
    other = await ctx.new_key()
    return expect_error(await with_proof(ctx, signer=other), "invalid_proof")


@MODULE.check(
    "VCI-F.1-alg_none",
    section="OpenID4VCI 1.0 App. F.1, F.4",
    level=MUST,
    description="An unsigned proof (alg none) is refused with HTTP 400 invalid_proof",
)
async def alg_none(ctx: SuiteContext) -> Outcome:
    return expect_error(await with_proof(ctx, header={"alg": "none"}, signer=None), "invalid_proof")


@MODULE.check(
    "VCI-F.1-alg_mac",
    section="OpenID4VCI 1.0 App. F.1, F.4",
    level=MUST,
    description="A MAC-protected proof (HS256, keyed with the public key) is refused with HTTP 400 invalid_proof",
)
async def alg_mac(ctx: SuiteContext) -> Outcome:
    key = await ctx.new_key()
    token = await ctx.token_for_negative_check()
    proof = await ctx.proof(key, header={"alg": "HS256"}, hmac_secret=key.thumbprint.encode())
    return expect_error(await ctx.credential_request(token, await ctx.request_body([proof])), "invalid_proof")


@MODULE.check(
    "VCI-F.1-typ",
    section="OpenID4VCI 1.0 App. F.1, F.4",
    level=MUST,
    description="A proof typed JWT instead of openid4vci-proof+jwt is refused with HTTP 400 invalid_proof",
)
async def wrong_typ(ctx: SuiteContext) -> Outcome:
    return expect_error(await with_proof(ctx, header={"typ": "JWT"}), "invalid_proof")


@MODULE.check(
    "VCI-F.4-private_key_in_header",
    section="OpenID4VCI 1.0 App. F.4",
    level=MUST,
    description="A proof whose jwk header holds a private key is refused with HTTP 400 invalid_proof",
)
async def private_key_in_header(ctx: SuiteContext) -> Outcome:
    key = await ctx.new_key()
    token = await ctx.token_for_negative_check()
    proof = await ctx.proof(key, key_form="jwk", header={"jwk": key.private_jwk})
    return expect_error(await ctx.credential_request(token, await ctx.request_body([proof])), "invalid_proof")


@MODULE.check(
    "VCI-F.1-kid_and_jwk",
    section="OpenID4VCI 1.0 App. F.1",
    level=MUST,
    description="A proof naming its key by both kid and jwk is refused with HTTP 400 invalid_proof",
)
async def kid_and_jwk(ctx: SuiteContext) -> Outcome:
    key = await ctx.new_key()
    token = await ctx.token_for_negative_check()
    proof = await ctx.proof(key, key_form="jwk", header={"kid": key.kid("did:jwk")})
    return expect_error(await ctx.credential_request(token, await ctx.request_body([proof])), "invalid_proof")
