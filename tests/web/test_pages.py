"""Pages for people through create_app: the offer page, the verifier page, the console and their static files.

What matters here: the right pieces are on each page in each state, the PIN never is, every value is escaped, the
state endpoints answer only the state, and every page carries the security headers (CSP without inline script).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest

from oid4vc.clock import FixedClock
from oid4vc.dids.jwk import did_jwk_from_jwk
from oid4vc.web.pages.html import Markup, el, escape, render, safe_url
from oid4vc.web.pages.links import page_key, presentation_page_path
from oid4vc.web.pages.result_html import credential_html
from tests.conftest import ACHIEVEMENT_SUBJECT, ADMIN, ADMIN_TOKEN, PUBLIC_URL, AppClient
from tests.support.presenter import fetch_request, post_response, vp_jwt
from tests.support.wallet import holder_key
from tests.web.flow import create_offer, credential_request, get_token, pre_authorized_code, resolve_offer
from tests.web.flow import token_request as token_call
from tests.web.test_verifier import issue

PAGE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def path_of(url: str) -> str:
    return urlsplit(url).path


async def html(client: AppClient, path: str, status: int = 200) -> str:
    resp = await client.get(path)
    assert resp.status == status, await resp.text()
    assert resp.content_type == "text/html" and resp.charset == "utf-8"
    csp = resp.headers["Content-Security-Policy"]
    for directive in ("default-src 'self'", "img-src 'self' data: https:", "style-src 'self'", "script-src 'self'"):
        assert directive in csp
    assert "unsafe-inline" not in csp
    for name, value in PAGE_HEADERS.items():
        assert resp.headers[name] == value
    text = await resp.text()
    assert "<script>" not in text and " style=" not in text  # nothing inline: the CSP would block it anyway
    return text


async def state(client: AppClient, path: str) -> str:
    resp = await client.get(path)
    assert resp.status == 200
    body = await resp.json()
    assert list(body) == ["state"], body  # the state and nothing else
    assert resp.headers["Cache-Control"] == "no-store"
    return str(body["state"])


def subject(**achievement: Any) -> dict[str, Any]:
    return {"achievement": ACHIEVEMENT_SUBJECT["achievement"] | achievement}


# -- the offer page ----------------------------------------------------------------------------------------------


async def test_offer_page_shows_badge_qr_wallet_link_and_pin_hint_but_never_the_pin(client: AppClient) -> None:
    image = "https://example.edu/badges/nursing.png"
    created = await create_offer(
        client, tx_code=True, credential_subject=subject(image={"id": image, "type": "Image", "caption": "A lamp"})
    )
    assert created["page_url"] == f"{PUBLIC_URL}/offers/{path_of(created['qr_svg_url']).split('/')[2]}"
    page = await html(client, path_of(created["page_url"]))
    assert "<h1 id=\"badge-name\">Nursing Basics</h1>" in page
    assert "Foundations of patient care." in page and "Completed the 40-hour practicum." in page
    assert "Issued by oid4vc development issuer" in page
    assert f'src="{image}"' in page and 'alt="A lamp"' in page
    assert f'src="{path_of(created["qr_svg_url"])}"' in page
    assert f'href="{escape(created["offer_uri"])}"' in page and "Open in wallet" in page
    assert "6-digit PIN" in page
    assert created["tx_code"] not in page
    assert 'data-state="offered"' in page and "Waiting for your wallet" in page
    assert re.search(r'<script src="/pages/static/live\.js\?v=[0-9a-f]{12}" defer>', page)
    assert await state(client, path_of(created["page_url"]) + "/state") == "offered"


async def test_offer_page_follows_redemption_and_issuance_and_drops_the_qr(client: AppClient) -> None:
    created = await create_offer(client)
    page_path = path_of(created["page_url"])
    offer = await resolve_offer(client, created["offer_uri"])
    resp = await token_call(client, pre_authorized_code(offer))
    assert resp.status == 200
    access_token = (await resp.json())["access_token"]
    assert await state(client, page_path + "/state") == "redeemed"
    page = await html(client, page_path)
    assert "qr.svg" not in page and "openid-credential-offer://" not in page
    assert 'data-state="redeemed"' in page and "Wallet connected" in page
    resp = await credential_request(client, access_token)
    assert resp.status == 200, await resp.text()
    assert await state(client, page_path + "/state") == "issued"
    page = await html(client, page_path)
    assert 'data-state="issued"' in page and "The badge is in your wallet" in page and "qr.svg" not in page


async def test_offer_page_after_expiry(client: AppClient, clock: FixedClock) -> None:
    created = await create_offer(client, expires_in=60)
    clock.advance(61)
    assert await state(client, path_of(created["page_url"]) + "/state") == "expired"
    page = await html(client, path_of(created["page_url"]))
    assert "This offer has expired" in page and "qr.svg" not in page


async def test_offer_page_escapes_everything(client: AppClient) -> None:
    evil = '<script>alert("x")</script>'
    created = await create_offer(
        client,
        credential_subject=subject(
            name=evil, description=f"{evil} & more", criteria={"narrative": "<img src=x onerror=alert(1)>"},
            image={"id": "javascript:alert(1)", "type": "Image"},
        ),
    )
    page = await html(client, path_of(created["page_url"]))
    assert "<script>alert" not in page and "<img src=x" not in page and "javascript:" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


async def test_unknown_offer_is_an_html_404_for_people_and_json_for_the_state(client: AppClient) -> None:
    page = await html(client, "/offers/no-such-reference", status=404)
    assert "This link does not work" in page
    resp = await client.get("/offers/no-such-reference/state")
    assert resp.status == 404 and (await resp.json())["error"] == "not_found"


# -- the verifier page -------------------------------------------------------------------------------------------


async def _presentation(client: AppClient, **preset: Any) -> dict[str, Any]:
    body = {"preset": {"preset": "open_badge", "formats": ["jwt_vc_json"], **preset}, "response_mode": "direct_post"}
    resp = await client.post("/admin/presentations", json=body, headers=ADMIN)
    assert resp.status == 201, await resp.text()
    return dict(await resp.json())


async def test_verifier_page_pending_then_verified_with_a_readable_result(client: AppClient) -> None:
    key = holder_key()
    credential = await issue(
        client,
        "OpenBadgeCredential_jwt_vc_json",
        key,
        subject=subject(alignment=[{"type": ["Alignment"], "targetName": "Patient safety", "targetCode": "PS-1",
                                    "targetUrl": "https://example.edu/skills/ps"}]),
    )
    created = await _presentation(client, achievement_name="Nursing Basics", max_age_days=30)
    page_path = path_of(created["page_url"])
    assert page_path == presentation_page_path("", created["id"], page_key(ADMIN_TOKEN))
    page = await html(client, page_path)
    assert 'data-state="pending"' in page and "Show your badge" in page
    assert f'src="/presentations/{created["id"]}/qr.svg"' in page
    assert f'href="{escape(created["request_uri"])}"' in page
    assert "Achievement name: </strong>Nursing Basics" in page and "the last 30 days" in page
    assert await state(client, page_path + "/state") == "pending"

    request = await fetch_request(client, created["request_uri"])
    holder = did_jwk_from_jwk(key.public_jwk)
    resp = await post_response(client, request, {"open_badge_jwt_vc_json": [vp_jwt(credential, key, holder, request)]})
    assert resp.status == 200, await resp.text()

    assert await state(client, page_path + "/state") == "verified"
    page = await html(client, page_path)
    assert 'data-state="verified"' in page and "Badge verified" in page and "qr.svg" not in page
    assert '<h2 class="result-title">Nursing Basics</h2>' in page
    assert "Issued by</dt><dd>oid4vc development issuer <code>did:" in page
    assert f"<code>{holder}</code>" in page
    assert '<a href="https://example.edu/skills/ps" rel="noopener noreferrer">Patient safety</a> (PS-1)' in page
    for name in ("signature", "holder_binding", "validity", "schema", "status", "age"):
        assert f'data-check="{name}"' in page
    assert 'class="check check-passed" data-check="signature"' in page
    assert "Issuer&#x27;s signature" in page


async def test_verifier_page_shows_why_a_presentation_was_refused(client: AppClient) -> None:
    key = holder_key()
    credential = await issue(client, "OpenBadgeCredential_jwt_vc_json", key)
    created = await _presentation(client, issuers=["did:web:someone-else.example"])
    request = await fetch_request(client, created["request_uri"])
    holder = did_jwk_from_jwk(key.public_jwk)
    resp = await post_response(client, request, {"open_badge_jwt_vc_json": [vp_jwt(credential, key, holder, request)]})
    assert resp.status == 400
    page = await html(client, path_of(created["page_url"]))
    assert 'data-state="rejected"' in page and "Reason: " in page and "trust" in page
    assert 'class="check check-failed" data-check="trust"' in page and "issuer is not one requested" in page


async def test_verifier_page_needs_its_capability(client: AppClient) -> None:
    created = await _presentation(client)
    page = await html(client, f"/presentations/{created['id']}/page/AAAAAAAAAAAAAAAAAAAAAA", status=404)
    assert "no presentation request at this address" in page
    resp = await client.get(f"/presentations/{created['id']}/page/AAAAAAAAAAAAAAAAAAAAAA/state")
    assert resp.status == 404
    assert created["page_url"] not in created["request_uri"]
    await html(client, "/presentations/unknown/page/" + path_of(created["page_url"]).rsplit("/", 1)[1], status=404)


# -- console, static files, helpers ------------------------------------------------------------------------------


async def test_console_page_lists_configurations_and_holds_no_secret(client: AppClient) -> None:
    page = await html(client, "/console")
    assert 'data-admin="/admin"' in page
    assert '<option value="OpenBadgeCredential_jwt_vc_json">' in page
    assert "ClrCredential_" not in page  # its subject is not one achievement
    assert re.search(r'<script src="/pages/static/console\.js\?v=[0-9a-f]{12}" defer>', page)
    assert ADMIN_TOKEN not in page
    assert '<label for="admin-token">' in page and 'type="password"' in page
    assert 'name="token"' not in page  # submitted without JS, the token must not land in a URL


@pytest.mark.parametrize(("name", "kind"), [("pages.css", "text/css"), ("live.js", "text/javascript"),
                                            ("console.js", "text/javascript")])
async def test_static_files(client: AppClient, name: str, kind: str) -> None:
    resp = await client.get(f"/pages/static/{name}")
    assert resp.status == 200 and resp.content_type == kind
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert ".innerHTML" not in await resp.text()  # DOM built from text only
    assert (await client.get("/pages/static/../app.py")).status == 404
    assert (await client.get("/pages/static/qr.py")).status == 404


async def test_admin_views_carry_page_urls(client: AppClient) -> None:
    _, created = await get_token(client)
    resp = await client.get(f"/admin/offers/{created['id']}", headers=ADMIN)
    assert (await resp.json())["page_url"] == created["page_url"]
    presentation = await _presentation(client)
    resp = await client.get(f"/admin/presentations/{presentation['id']}", headers=ADMIN)
    assert (await resp.json())["page_url"] == presentation["page_url"]
    assert presentation["page_url"].startswith(f"{PUBLIC_URL}/presentations/{presentation['id']}/page/")


def test_builder_escapes_text_and_attributes() -> None:
    assert el("a", "<b>", href='x" onclick="y', class_="c", hidden=True, title=None) == (
        '<a href="x&quot; onclick=&quot;y" class="c" hidden>&lt;b&gt;</a>'
    )
    assert el("p", Markup("<em>ok</em>"), 3, None) == "<p><em>ok</em>3</p>"
    assert el("img", src="/x.svg", alt="") == '<img src="/x.svg" alt="">'
    assert render("not_found.html", heading="<h>", message="&").count("&lt;h&gt;") == 1
    with pytest.raises(KeyError):
        render("not_found.html", heading="only one")


@pytest.mark.parametrize(
    ("value", "images", "expected"),
    [
        ("https://example.edu/a.png", True, True),
        ("http://example.edu/a.png", True, False),
        ("http://example.edu/skill", False, True),
        ("data:image/png;base64,AAAA", True, True),
        ("data:text/html,<b>", True, False),
        ("javascript:alert(1)", False, False),
        ("//example.edu/a", False, False),
        (42, False, False),
    ],
)
def test_safe_url(value: Any, images: bool, expected: bool) -> None:
    assert (safe_url(value, images=images) is not None) is expected


def test_result_html_escapes_what_a_credential_says() -> None:
    evil = "<script>alert(1)</script>"
    entry = {
        "format": "jwt_vc_json",
        "issuer": "did:example:issuer",
        "holder": evil,
        "summary": {
            "credential_type": evil,
            "issuer_name": evil,
            "achievements": [
                {"name": evil, "description": evil,
                 "alignments": [{"target_name": evil, "target_url": "javascript:alert(1)", "target_code": evil}]}
            ],
            "results": [{"value": evil, "result_description": evil, "alignments": "not a list"}],
            "valid_from": evil,
            "credentials": "not a list",
        },
        "checks": {evil: {"outcome": evil, "reason": evil}, "signature": "not an object"},
    }
    page = credential_html(entry)
    assert "<script>" not in page and "javascript:" not in page
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 8
    assert 'class="check check-skipped" data-check="signature"' in page  # odd shapes are shown, never raised
