"""Batch issuance (OpenID4VCI 1.0 §3.3.2, §8.2, §8.3, §12.2.4 ``batch_credential_issuance``, §14.6).

Mirrors the OpenID Foundation module ``oid4vci-1_0-issuer-batch-issuance``: n proofs with n distinct keys, at most
n credentials back, each bound to a different proof key, all with the same Credential Dataset.
"""

from __future__ import annotations

from conformance.suite.context import Issuance, SuiteContext
from conformance.suite.credentials import (
    SUPPORTED_FORMATS,
    CredentialFormatError,
    InspectedCredential,
    binding_thumbprints,
    inspect_credential,
)
from conformance.suite.expect import expect_error, seen
from conformance.suite.model import CheckModule, Level, Outcome, Skip, failed, passed, warned

__all__ = ["MODULE"]

MODULE = CheckModule("batch")
MUST, SHOULD = Level.MUST, Level.SHOULD
MAX_PROBE = 20  # like the OpenID Foundation suite, never send more than 20 proofs


async def _batch_size(ctx: SuiteContext) -> int:
    batch = (await ctx.metadata()).get("batch_credential_issuance")
    size = batch.get("batch_size") if isinstance(batch, dict) else None
    if not isinstance(size, int) or size < 2:
        raise Skip("the issuer does not advertise batch_credential_issuance")
    if "proof_types_supported" not in await ctx.config():
        raise Skip("the configuration has no key binding, so there is nothing to batch")
    return size


async def _batch(ctx: SuiteContext) -> Issuance:
    async def run() -> Issuance:
        n = min(await _batch_size(ctx), max(2, ctx.options.batch_max))
        token = await ctx.fresh_token() if ctx.offers.unlimited else None
        if token is None:
            raise Skip("needs a fresh offer (an unlimited offer source such as --admin-token)")
        return await ctx.issue(token, keys=n)

    return await ctx.once("batch", run)


async def _inspected(ctx: SuiteContext) -> tuple[Issuance, list[InspectedCredential]]:
    issued = await _batch(ctx)
    if issued.response.status != 200 or not issued.credentials:
        raise Skip(f"needs a batch response (see VCI-3.3.2-batch_issued): {seen(issued.response)}")
    if issued.format not in SUPPORTED_FORMATS:
        raise Skip(f"the suite does not read {issued.format} credentials yet")
    try:
        return issued, [inspect_credential(issued.format, c) for c in issued.credentials]
    except CredentialFormatError as exc:
        raise Skip(f"a credential of the batch is malformed: {exc}") from None


@MODULE.check(
    "VCI-3.3.2-batch_issued",
    section="OpenID4VCI 1.0 §3.3.2, §8.3, §14.6",
    level=MUST,
    description="A request with n proofs (distinct keys, n <= batch_size) answers HTTP 200 with 1..n credentials",
)
async def batch_issued(ctx: SuiteContext) -> Outcome:
    issued = await _batch(ctx)
    n = len(issued.keys)
    if issued.response.status != 200:
        return failed(f"{n} proofs: {seen(issued.response)}")
    got = len(issued.credentials)
    if got == 0 or got > n:
        return failed(f"{n} proofs, {got} credentials")
    if got < n:
        return warned(f"{n} proofs, only {got} credentials (allowed: the issuer decides, §14.6)")
    return passed(f"{n} proofs, {got} credentials")


@MODULE.check(
    "VCI-8.3-batch_one_credential_per_key",
    section="OpenID4VCI 1.0 §8.3, §3.3.2",
    level=MUST,
    description="Each credential of a batch is bound to one of the proof keys, and no key to more than one",
)
async def batch_one_credential_per_key(ctx: SuiteContext) -> Outcome:
    issued, inspected = await _inspected(ctx)
    keys = {k.thumbprint for k in issued.keys}
    bound: list[str] = []
    for item in inspected:
        found, unresolved = binding_thumbprints(item)
        if len(found) != 1 or unresolved:
            raise Skip(f"cannot resolve the holder binding ({unresolved or 'no holder key'})")
        bound += list(found)
    if not set(bound) <= keys:
        return failed("a credential is bound to a key that was not in the proofs")
    if len(set(bound)) != len(bound):
        return failed("two credentials are bound to the same key")
    return passed(f"{len(bound)} credentials, {len(set(bound))} distinct keys")


@MODULE.check(
    "VCI-3.3.2-batch_same_dataset",
    section="OpenID4VCI 1.0 §3.3.2",
    level=MUST,
    description="The credentials of a batch share format and Credential Dataset (same claims apart from holder)",
)
async def batch_same_dataset(ctx: SuiteContext) -> Outcome:
    _, inspected = await _inspected(ctx)
    if len({(i.types, i.vct, i.dataset) for i in inspected}) != 1:
        return failed("the credentials carry different claims")
    return passed()


@MODULE.check(
    "VCI-3.3.2-batch_distinct_ids",
    section="OpenID4VCI 1.0 §3.3.2, §15.4.1",
    level=SHOULD,
    description="The credentials of a batch differ in their cryptographic data, including their identifiers "
    "(id / jti), so they cannot be linked",
)
async def batch_distinct_ids(ctx: SuiteContext) -> Outcome:
    issued, inspected = await _inspected(ctx)
    if len(set(map(str, issued.credentials))) != len(issued.credentials):
        return failed("two identical credentials in one batch")
    ids = [i.credential_id for i in inspected if i.credential_id is not None]
    if not ids:
        return passed("the credentials carry no identifier")
    if len(set(ids)) != len(ids):
        return failed("credentials of the batch share an identifier")
    return passed(f"{len(ids)} distinct identifiers")


@MODULE.check(
    "VCI-12.2.4-batch_size_enforced",
    section="OpenID4VCI 1.0 §12.2.4 (batch_size), §8.3.1.2",
    level=SHOULD,
    description="More proofs than batch_size are refused with HTTP 400 (invalid_credential_request or "
    "invalid_proof)",
)
async def batch_size_enforced(ctx: SuiteContext) -> Outcome:
    size = await _batch_size(ctx)
    if size + 1 > MAX_PROBE:
        raise Skip(f"batch_size {size} is too large to probe (the suite sends at most {MAX_PROBE} proofs)")
    if not ctx.offers.unlimited:
        raise Skip("needs a fresh offer (an unlimited offer source such as --admin-token)")
    issued = await ctx.issue(await ctx.fresh_token(), keys=size + 1)
    return expect_error(issued.response, "invalid_credential_request", "invalid_proof")
