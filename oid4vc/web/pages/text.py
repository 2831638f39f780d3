"""Wording and small formatters shared by the pages: state labels, dates, check names."""

from __future__ import annotations

from datetime import UTC, datetime

from oid4vc.web.pages.html import Markup, el

__all__ = ["CHECK_LABELS", "OFFER_STATES", "PRESENTATION_STATES", "check_label", "date_html", "when"]

# state -> (short label, heading)
OFFER_STATES: dict[str, tuple[str, str]] = {
    "offered": ("Waiting for your wallet", "Add this badge to your wallet"),
    "redeemed": ("Wallet connected", "Your wallet is collecting the badge"),
    "pending": ("Waiting for approval", "The issuer is reviewing this badge"),
    "issued": ("Delivered", "The badge is in your wallet"),
    "expired": ("Expired", "This offer has expired"),
    "locked": ("Locked", "This offer is locked"),
}
PRESENTATION_STATES: dict[str, tuple[str, str]] = {
    "pending": ("Waiting for a wallet", "Show your badge"),
    "verified": ("Verified", "Badge verified"),
    "rejected": ("Not verified", "The badge could not be verified"),
    "expired": ("Expired", "This request has expired"),
}
CHECK_LABELS: dict[str, str] = {  # in the order a result lists them
    "signature": "Issuer's signature",
    "holder_binding": "Presented by its holder",
    "trust": "Issued by a trusted issuer",
    "status": "Not revoked or suspended",
    "validity": "Within its validity period",
    "age": "Recent enough",
    "schema": "Well-formed Open Badge",
}


def check_label(name: str) -> str:
    return CHECK_LABELS.get(name, name.replace("_", " ").capitalize())


def when(value: object) -> datetime | None:
    """A DateTimeZ string (or a datetime) as an aware datetime, or None."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def date_html(value: object, *, with_time: bool = False) -> Markup | None:
    """``<time datetime=...>22 November 2026</time>`` (UTC), or the text as given when it is no date."""
    moment = when(value)
    if moment is None:
        return el("span", value) if isinstance(value, str) and value else None
    utc = moment.astimezone(UTC)
    text = f"{utc.day} {utc:%B %Y}" + (f", {utc:%H:%M} UTC" if with_time else "")
    return el("time", text, datetime=utc.strftime("%Y-%m-%dT%H:%M:%SZ"))
