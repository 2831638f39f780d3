"""Public URLs of the pages (not a wallet protocol).

An offer page lives under the offer's unguessable ``reference`` (already public in its ``credential_offer_uri`` and
QR code, and showing nothing more than the offer itself). A presentation page shows what a holder proved, while its
id travels in the QR code anyone near the screen can scan; so its URL also carries a capability: an HMAC of the id
under a key derived from the admin token (the same in every worker; a new admin token retires old page links).
"""

from __future__ import annotations

import hashlib
import hmac

from oid4vc.encoding import b64url_encode

__all__ = ["offer_page_path", "page_key", "presentation_page_path", "presentation_page_token"]


def page_key(admin_token: str) -> bytes:
    return hashlib.sha256(b"oid4vc pages\x1f" + admin_token.encode("utf-8")).digest()


def presentation_page_token(key: bytes, presentation_id: str) -> str:
    """128 bits of HMAC-SHA-256 over the presentation id, base64url."""
    mac = hmac.new(key, b"presentation-page\x1f" + presentation_id.encode("utf-8"), hashlib.sha256)
    return b64url_encode(mac.digest()[:16])


def offer_page_path(base: str, reference: str) -> str:
    """``base``: the public URL (for links) or its path (for routes)."""
    return f"{base}/offers/{reference}"


def presentation_page_path(base: str, presentation_id: str, key: bytes) -> str:
    return f"{base}/presentations/{presentation_id}/page/{presentation_page_token(key, presentation_id)}"
