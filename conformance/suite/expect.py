"""Small assertions shared by the checks; each returns an Outcome whose detail says what was seen."""

from __future__ import annotations

from conformance.suite.http import HttpResponse
from conformance.suite.model import Outcome, failed, passed

__all__ = ["expect_error", "seen"]


def seen(resp: HttpResponse) -> str:
    """``HTTP 400 application/json error=invalid_grant``."""
    text = f"HTTP {resp.status} {resp.content_type or '(no content type)'}"
    return text + (f" error={resp.error}" if resp.error else "")


def expect_error(resp: HttpResponse, *codes: str, status: int = 400) -> Outcome:
    """The request must be refused with HTTP ``status``, a JSON body and one of ``codes``."""
    if 200 <= resp.status < 300:
        suffix = f" with error={resp.error} in the body" if resp.error else ""
        return failed(f"accepted: {seen(resp)}{suffix}; expected HTTP {status} error={'|'.join(codes)}")
    if resp.status != status:
        return failed(f"{seen(resp)}; expected HTTP {status} error={'|'.join(codes)}")
    if not resp.is_json:
        return failed(f"{seen(resp)}; the error body must be application/json")
    if resp.error not in codes:
        return failed(f"{seen(resp)}; expected error={'|'.join(codes)}")
    return passed(seen(resp))
