"""oid4vc conformance suite: plays a wallet against any OpenID4VCI 1.0 Credential Issuer and names the spec
section behind every check (``python -m conformance issuer --issuer URL``; docs/conformance.md).

The suite is not part of the ``oid4vc`` package: ``oid4vc`` never imports it, and it does not rely on ``oid4vc``
either (its wallet code is its own), so it can test other issuers and cannot share a bug with ours.
"""

from __future__ import annotations

from conformance.suite.checks import ISSUER_MODULES
from conformance.suite.cli import main
from conformance.suite.context import IssuerOptions, SuiteContext
from conformance.suite.model import Check, CheckModule, Level, Outcome, Report, Result, Skip, Status
from conformance.suite.runner import OfferOptions, run_issuer_suite

__all__ = [
    "ISSUER_MODULES",
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
    "main",
    "run_issuer_suite",
]
