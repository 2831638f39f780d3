"""oid4vc conformance suite: plays a wallet against any OpenID4VCI 1.0 Credential Issuer
(``python -m conformance issuer --issuer URL``) or any OpenID4VP 1.0 Verifier
(``python -m conformance verifier --verifier URL``) and names the spec section behind every check
(docs/conformance.md).

The suite is not part of the ``oid4vc`` package: ``oid4vc`` never imports it, and it does not rely on ``oid4vc``
either (its wallet code is its own), so it can test other issuers and verifiers and cannot share a bug with ours.
"""

from __future__ import annotations

from conformance.suite.checks import ISSUER_MODULES, VERIFIER_MODULES
from conformance.suite.cli import main
from conformance.suite.context import IssuerOptions, SuiteContext
from conformance.suite.model import Check, CheckModule, Level, Outcome, Report, Result, Skip, Status
from conformance.suite.runner import OfferOptions, VerifierSources, run_issuer_suite, run_verifier_suite
from conformance.suite.vp_context import VerifierContext, VerifierOptions

__all__ = [
    "ISSUER_MODULES",
    "VERIFIER_MODULES",
    "Check",
    "CheckModule",
    "IssuerOptions",
    "Level",
    "OfferOptions",
    "Outcome",
    "Report",
    "Result",
    "Skip",
    "Status",
    "SuiteContext",
    "VerifierContext",
    "VerifierOptions",
    "VerifierSources",
    "main",
    "run_issuer_suite",
    "run_verifier_suite",
]
