"""What every page handler shares: the route prefix, the static file URLs and the page / 404 responses."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from aiohttp import web

from oid4vc.web.keys import settings_key
from oid4vc.web.pages.html import Markup, page_response, render

__all__ = ["Site"]


@dataclass(frozen=True, slots=True)
class Site:
    prefix: str  # path of the public URL ("" or "/tenant")
    static: Mapping[str, str]  # static file name -> versioned URL

    def page(
        self, request: web.Request, title: str, main: Markup, *, scripts: Iterable[str] = (), status: int = 200
    ) -> web.Response:
        site = request.config_dict[settings_key].issuer.name
        return page_response(title, main, site=site, static=self.static, scripts=scripts, status=status)

    def not_found(self, request: web.Request, message: str) -> web.Response:
        """A 404 a person can read (the wallet-facing API answers JSON errors; pages answer HTML)."""
        main = render("not_found.html", heading="This link does not work", message=message)
        return self.page(request, "Not found", main, status=404)
