"""Middlewares: request ids, and the one place every ProtocolError is rendered (STYLE rule 9).

Errors are JSON ``{"error", "error_description"}`` with ``Cache-Control: no-store`` and the headers the error
carries (``WWW-Authenticate`` for RFC 6750 errors). Unexpected exceptions become a 500 ``server_error`` whose
body never carries the exception text; the log line carries the request id.
"""

from __future__ import annotations

import logging
import secrets

from aiohttp import web
from aiohttp.typedefs import Handler

from oid4vc.context import request_id as current_request_id
from oid4vc.errors import InvalidRequestError, ProtocolError, ServerError, TemporarilyUnavailableError
from oid4vc.store.base import StoreUnavailableError, StoreValueError
from oid4vc.web.responses import json_no_store

__all__ = ["error_middleware", "request_id_key"]

log = logging.getLogger(__name__)
request_id_key = web.RequestKey("request_id", str)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    request_id = _safe_request_id(request.headers.get("X-Request-Id", "")) or secrets.token_hex(8)
    request[request_id_key] = request_id
    context_token = current_request_id.set(request_id)
    try:
        response = await handler(request)
    except ProtocolError as exc:
        log.info("%s %s -> %s %s rid=%s %s", request.method, request.path, exc.status, exc.error, request_id,
                 exc.detail)
        response = json_no_store(exc.to_body(), status=exc.status, headers=exc.headers)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        error = "not_found" if exc.status == 404 else "method_not_allowed" if exc.status == 405 else "invalid_request"
        response = json_no_store({"error": error, "error_description": exc.reason}, status=exc.status)
    except StoreValueError:  # e.g. a NUL in an id (PostgreSQL text cannot hold one): no such resource can exist
        bad = InvalidRequestError("the request holds a value that cannot be stored or looked up (a NUL character)")
        response = json_no_store(bad.to_body(), status=bad.status)
    except StoreUnavailableError as exc:
        log.warning("store unavailable on %s %s rid=%s: %s", request.method, request.path, request_id, exc)
        unavailable = TemporarilyUnavailableError("the service is temporarily unavailable; retry shortly")
        response = json_no_store(unavailable.to_body(), status=503, headers={"Retry-After": "2"})
    except Exception:
        log.exception("unhandled error on %s %s rid=%s", request.method, request.path, request_id)
        err = ServerError("internal error; see the server log for request id " + request_id)
        response = json_no_store(err.to_body(), status=500)
    finally:
        current_request_id.reset(context_token)
    response.headers["X-Request-Id"] = request_id
    return response


def _safe_request_id(value: str) -> str:
    """A caller-supplied request id, kept only if short and plain ASCII (it reaches logs, events and the response
    header; ``str.isalnum`` alone also takes letters and digits of every script)."""
    plain = value.isascii() and value.replace("-", "").replace("_", "").isalnum()
    return value if len(value) <= 64 and plain else ""
