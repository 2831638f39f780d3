"""JWT-Secured Authorization Request (RFC 9101), the pieces a Verifier needs to send Request Objects.

- the Request Object is a signed JWT whose claims are the authorization request parameters (§4); its JOSE
  header ``typ`` is ``oauth-authz-req+jwt`` (§4, §10.8; OpenID4VP 1.0 §5 makes it a MUST);
- by reference, ``request_uri`` is an absolute https URL without a fragment, and is answered with the media type
  ``application/oauth-authz-req+jwt`` (§5.2, §5.2.3);
- ``request`` and ``request_uri`` never appear inside a Request Object (§4).
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from oid4vc.crypto.base import JwtSigner
from oid4vc.jose import JsonObject

__all__ = ["REQUEST_OBJECT_MEDIA_TYPE", "REQUEST_OBJECT_TYP", "check_request_uri", "sign_request_object"]

REQUEST_OBJECT_TYP = "oauth-authz-req+jwt"
REQUEST_OBJECT_MEDIA_TYPE = "application/oauth-authz-req+jwt"


def check_request_uri(request_uri: str, *, allow_http: bool = False) -> None:
    """§5.2: an absolute https URL (http only in dev), no fragment. Raises ValueError."""
    parts = urlsplit(request_uri)
    schemes = ("https", "http") if allow_http else ("https",)
    if parts.scheme not in schemes or not parts.netloc or parts.fragment or "#" in request_uri:
        raise ValueError("request_uri must be an absolute https URL without a fragment")


def sign_request_object(
    claims: JsonObject, *, signer: JwtSigner, x5c: Sequence[str] = (), kid: str | None = None
) -> str:
    """Sign ``claims`` as a Request Object. ``x5c`` (leaf first) or ``kid`` name the key to the wallet."""
    if "request" in claims or "request_uri" in claims:
        raise ValueError("a Request Object must not contain request or request_uri")
    header: JsonObject = {"typ": REQUEST_OBJECT_TYP}
    if x5c:
        header["x5c"] = list(x5c)
    if kid is not None:
        header["kid"] = kid
    return signer.sign(header, claims)
