"""Pages and pictures for people: QR codes (PNG, SVG) of offer links, and server-rendered HTML pages.

- ``GET /offers/{reference}`` (+ ``/state``): the learner's offer page (``offer.py``);
- ``GET /presentations/{id}/page/{token}`` (+ ``/state``): the verifier's page (``presentation.py``);
- ``GET /console``: the operator console over the admin API (``console.py``);
- ``GET /pages/static/{name}``: their stylesheet and scripts (``static_files.py``).

Pages carry a strict Content-Security-Policy (no inline script or style), ``nosniff`` and ``no-referrer``, and
escape every value (``html.py``).
"""

from __future__ import annotations

from aiohttp import web

from oid4vc.web.pages.console import ConsolePage
from oid4vc.web.pages.offer import OfferPages
from oid4vc.web.pages.presentation import PresentationPages
from oid4vc.web.pages.site import Site
from oid4vc.web.pages.static_files import load_static

__all__ = ["routes"]


def routes(prefix: str) -> list[web.RouteDef]:
    static = load_static(f"{prefix}/pages/static")
    site = Site(prefix, static.urls)
    offers, presentations, console = OfferPages(site), PresentationPages(site), ConsolePage(site)
    page = f"{prefix}/presentations/{{pid}}/page/{{token}}"
    return [
        web.get(f"{prefix}/offers/{{reference}}", offers.page),
        web.get(f"{prefix}/offers/{{reference}}/state", offers.state),
        web.get(page, presentations.page),
        web.get(f"{page}/state", presentations.state),
        web.get(f"{prefix}/console", console.page),
        web.get(f"{static.base}/{{name}}", static.handle),
    ]
