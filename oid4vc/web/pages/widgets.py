"""Pieces both the offer page and the verifier page show: the QR code and the same-device wallet button."""

from __future__ import annotations

from oid4vc.web.pages.html import Markup, el

__all__ = ["qr_figure", "same_device_link"]


def qr_figure(src: str, alt: str) -> Markup:
    return el(
        "figure",
        el("img", src=src, alt=alt, width=240, height=240, class_="qr"),
        el("figcaption", "Scan with your wallet app"),
        class_="qr-figure",
    )


def same_device_link(link: str | None) -> Markup:
    """The wallet link as a button, for a wallet on the device showing the page (first on a phone: pages.css)."""
    if not link:
        return Markup("")
    return el(
        "p",
        el("a", "Open in wallet", href=link, class_="button", rel="noopener"),
        el("span", "Wallet on this device? Use this button instead of the QR code.", class_="hint"),
        class_="same-device",
    )
