"""The pages' stylesheet and scripts (``static/*``), served from memory under versioned URLs.

Only the files listed in ``CONTENT_TYPES`` are served; each URL carries a hash of the file's bytes (``?v=``), so a
browser may cache it for a day and still sees a new release at once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources

from aiohttp import web

__all__ = ["CONTENT_TYPES", "StaticFiles", "load_static"]

CONTENT_TYPES: Mapping[str, str] = {
    "pages.css": "text/css",
    "live.js": "text/javascript",
    "console.js": "text/javascript",
}
_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "public, max-age=86400",
}


@dataclass(frozen=True, slots=True)
class StaticFiles:
    base: str  # URL path of the folder, e.g. /pages/static
    files: Mapping[str, bytes]

    @property
    def urls(self) -> dict[str, str]:
        return {
            name: f"{self.base}/{name}?v={hashlib.sha256(body).hexdigest()[:12]}" for name, body in self.files.items()
        }

    async def handle(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        body = self.files.get(name)
        if body is None:
            raise web.HTTPNotFound(reason="no such file")
        return web.Response(body=body, content_type=CONTENT_TYPES[name], charset="utf-8", headers=_HEADERS)


def load_static(base: str) -> StaticFiles:
    folder = resources.files(__package__) / "static"
    return StaticFiles(base, {name: (folder / name).read_bytes() for name in CONTENT_TYPES})
