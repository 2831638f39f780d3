"""HTML for people: a tiny escaping builder, file templates and page responses with a strict CSP.

Every value reaches a page through ``escape`` (text and attribute values alike) unless it is ``Markup`` built by
``el`` / ``render`` from escaped parts; there is no other way to get a string into a page. Templates are package
files (``templates/*.html``) with ``{{name}}`` placeholders. Pages carry no inline script or style, so the
Content-Security-Policy allows scripts and styles from this origin only (``static/*``).
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Iterable, Mapping
from importlib import resources
from urllib.parse import urlsplit

from aiohttp import web

__all__ = [
    "CSP",
    "PAGE_HEADERS",
    "Child",
    "Markup",
    "el",
    "escape",
    "join",
    "page_response",
    "render",
    "safe_url",
]

CSP = (
    "default-src 'self'; img-src 'self' data: https:; style-src 'self'; script-src 'self'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
PAGE_HEADERS: Mapping[str, str] = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}")
_VOID = frozenset({"br", "hr", "img", "input", "link", "meta"})


class Markup(str):
    """HTML that is already safe: built by ``el``, ``join``, ``render`` or ``escape``."""

    __slots__ = ()


Child = Markup | str | int | None


def escape(value: Child) -> Markup:
    """Text as HTML (``&<>"'`` escaped); ``Markup`` passes through; None is empty."""
    if isinstance(value, Markup):
        return value
    return Markup("" if value is None else html.escape(str(value), quote=True))


def join(parts: Iterable[Child], sep: str = "") -> Markup:
    return Markup(escape(sep).join(escape(p) for p in parts))


def _attrs(attrs: Mapping[str, str | int | bool | None]) -> str:
    out = []
    for name, value in attrs.items():
        key = name.rstrip("_").replace("_", "-")
        if value is None or value is False:
            continue
        out.append(f" {key}" if value is True else f' {key}="{escape(value)}"')
    return "".join(out)


def el(tag: str, *children: Child, **attrs: str | int | bool | None) -> Markup:
    """``el("a", "Open", href=url, class_="button")``: an element with escaped children and attributes
    (``class_`` -> ``class``, ``data_state`` -> ``data-state``; None / False attributes are left out)."""
    opening = f"<{tag}{_attrs(attrs)}>"
    if tag in _VOID:
        return Markup(opening)
    return Markup(f"{opening}{join(children)}</{tag}>")


@functools.cache
def _template(name: str) -> str:
    return (resources.files(__package__) / "templates" / name).read_text(encoding="utf-8")


def render(name: str, /, **values: Child) -> Markup:
    """Template ``templates/<name>`` with each ``{{key}}`` replaced by the escaped value (KeyError if missing)."""

    def fill(match: re.Match[str]) -> str:
        return escape(values[match.group(1)])

    return Markup(_PLACEHOLDER.sub(fill, _template(name)))


def safe_url(value: object, *, images: bool = False) -> str | None:
    """``value`` if it is an absolute https URL (or http, for links), or a ``data:image/`` URI for images; else
    None. Keeps ``javascript:`` and other schemes out of ``href`` / ``src``."""
    if not isinstance(value, str) or len(value) > 100_000:
        return None
    if images and value.startswith("data:image/"):
        return value  # an image context runs no script, SVG included
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    allowed = ("https",) if images else ("https", "http")
    return value if parts.scheme in allowed and parts.netloc else None


def page_response(
    title: str,
    main: Markup,
    *,
    site: str,
    static: Mapping[str, str],
    scripts: Iterable[str] = (),
    status: int = 200,
) -> web.Response:
    """A whole page (``templates/base.html``): ``main`` inside ``<main>``, with ``scripts`` (names of static
    files) and the stylesheet; ``static`` maps a static file name to its versioned URL."""
    tags = join(el("script", src=static[name], defer=True) for name in scripts)
    body = render("base.html", title=title, site=site, main=main, stylesheet=static["pages.css"], scripts=tags)
    return web.Response(
        text=body, status=status, content_type="text/html", charset="utf-8", headers=dict(PAGE_HEADERS)
    )
