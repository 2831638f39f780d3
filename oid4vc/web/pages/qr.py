"""QR codes of offer / request links, as PNG and SVG (segno), and as text for terminals."""

from __future__ import annotations

import io

import segno

__all__ = ["qr_png", "qr_svg", "qr_terminal"]


def _qr(data: str) -> segno.QRCode:
    return segno.make(data, error="m", micro=False)


def qr_png(data: str, *, scale: int = 6) -> bytes:
    buf = io.BytesIO()
    _qr(data).save(buf, kind="png", scale=scale, border=4)
    return buf.getvalue()


def qr_svg(data: str, *, scale: int = 6) -> bytes:
    buf = io.BytesIO()
    _qr(data).save(buf, kind="svg", scale=scale, border=4, xmldecl=False, title="Scan with your wallet")
    return buf.getvalue()


def qr_terminal(data: str) -> str:
    buf = io.StringIO()
    _qr(data).terminal(out=buf, compact=True)
    return buf.getvalue()
