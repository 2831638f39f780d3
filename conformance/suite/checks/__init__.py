"""The issuer check modules, in run order (discovery first, the cross-cutting error checks last)."""

from __future__ import annotations

from conformance.suite.checks import batch, credential, discovery, errors, nonce, offer, token
from conformance.suite.model import CheckModule

__all__ = ["ISSUER_MODULES"]

ISSUER_MODULES: tuple[CheckModule, ...] = (
    discovery.MODULE,
    offer.MODULE,
    token.MODULE,
    nonce.MODULE,
    credential.MODULE,
    batch.MODULE,
    errors.MODULE,
)
