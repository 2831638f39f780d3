"""The issuer check modules, in run order: discovery first, every negative credential request before the first
successful one (proof, then credential), the cross-cutting error checks last."""

from __future__ import annotations

from conformance.suite.checks import batch, credential, discovery, errors, nonce, offer, proof, token
from conformance.suite.model import CheckModule

__all__ = ["ISSUER_MODULES"]

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
