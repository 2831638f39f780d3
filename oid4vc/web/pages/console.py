"""The operator console: ``GET /console`` (not a wallet protocol).

The page itself holds no secret and no data: ``static/console.js`` asks for the admin token once, keeps it in
``sessionStorage`` (this tab only) and calls the bearer-protected JSON API under ``/admin`` to create offers and
presentation requests, read their states and revoke credentials where the server offers revocation. The credential
configurations that take an Open Badge achievement are listed server-side from the settings (the same list the
issuer metadata publishes).
"""

from __future__ import annotations

from aiohttp import web

from oid4vc.config import Settings
from oid4vc.web.keys import settings_key
from oid4vc.web.pages.html import Markup, el, join, render
from oid4vc.web.pages.site import Site

__all__ = ["ConsolePage", "configuration_options"]

_FORMATS = {"jwt_vc_json": "VC-JWT", "ldp_vc": "Data Integrity", "dc+sd-jwt": "SD-JWT VC"}


def configuration_options(settings: Settings) -> Markup:
    """``<option>``s for the configurations whose subject is one achievement (CLR offers need nested badges)."""
    options = []
    for config_id, config in settings.credential_configurations.items():
        if config.credential_type == "ClrCredential":
            continue
        label = config.display_name or config.credential_type
        options.append(el("option", f"{label} \u2013 {_FORMATS.get(config.format, config.format)} ({config_id})",
                          value=config_id))
    return join(options)


class ConsolePage:
    def __init__(self, site: Site) -> None:
        self.site = site

    async def page(self, request: web.Request) -> web.Response:
        main = render(
            "console.html",
            admin=f"{self.site.prefix}/admin",
            configurations=configuration_options(request.config_dict[settings_key]),
        )
        return self.site.page(request, "Operator console", main, scripts=["console.js"])
