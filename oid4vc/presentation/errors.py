"""Errors of the Verifier's endpoints (OpenID4VP 1.0 §5, §8.2, §8.6).

Both keep the wire code ``invalid_request`` (RFC 6749 §4.1.2.1 / §5.2): the Response URI answers an invalid
presentation with a 4xx (specs.md §2.8: a Verifier may refuse at once), and a DCQL query that breaks a MUST of
§6 is refused when the request is created. ``reason`` is a stable machine-readable code for logs, tests and the
relying application; ``description`` stays public and never carries presentation contents.
"""

from __future__ import annotations

from oid4vc.errors import InvalidRequestError

__all__ = ["InvalidDcqlQueryError", "InvalidPresentationError"]


class InvalidDcqlQueryError(InvalidRequestError):
    """A ``dcql_query`` that breaks a rule of OpenID4VP 1.0 §6."""

    def __init__(self, reason: str, description: str, *, detail: str = "") -> None:
        super().__init__(description, detail=detail)
        self.reason = reason


class InvalidPresentationError(InvalidRequestError):
    """An Authorization Response, VP Token or Presentation the Verifier rejects (§8.6)."""

    def __init__(self, reason: str, description: str, *, detail: str = "") -> None:
        super().__init__(description, detail=detail)
        self.reason = reason
