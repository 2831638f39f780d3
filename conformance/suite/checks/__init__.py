"""The check modules, in run order.

Issuer: discovery first, every negative credential request before the first successful one (proof, then
credential), the cross-cutting error checks last. Verifier: the request checks, then the happy path (which the
replay checks reuse), then the responses that must be refused."""

from __future__ import annotations

from conformance.suite.checks import (
    batch,
    credential,
    discovery,
    errors,
    nonce,
    offer,
    proof,
    token,
    vp_negative,
    vp_request,
    vp_response,
)
from conformance.suite.model import CheckModule
from conformance.suite.vp_context import VerifierContext

__all__ = ["ISSUER_MODULES", "VERIFIER_MODULES"]

ISSUER_MODULES: tuple[CheckModule, ...] = (
    discovery.MODULE,
    offer.MODULE,
    token.MODULE,
    nonce.MODULE,
    proof.MODULE,
    credential.MODULE,
    batch.MODULE,
    errors.MODULE,
)

VERIFIER_MODULES: tuple[CheckModule[VerifierContext], ...] = (
    vp_request.MODULE,
    vp_response.MODULE,
    vp_negative.MODULE,
)
