"""The pages for people in a real browser (headless Chromium) against a real ``oid4vc serve``.

(a) a learner's offer page follows a Python wallet through redemption and issuance without a reload;
(b) a verifier's page shows the verified achievement once the wallet presents it;
(c) the operator console signs in with the admin token, creates an offer and a presentation request, and
    revokes the credential the wallet received.

Screenshots for people to look at: ``conformance/artifacts/*.png``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp

from conformance.browser.conftest import Server
from conformance.browser.wallet import Wallet
from oid4vc.jose import parse_compact_jws

TIMEOUT_MS = 15_000
BADGE_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 120">'
    '<circle cx="60" cy="60" r="56" fill="#0b57d0"/><circle cx="60" cy="60" r="44" fill="#fff"/>'
    '<path d="M60 28l9 20 22 2-17 15 5 22-19-11-19 11 5-22-17-15 22-2z" fill="#f4b400"/></svg>'
)
ACHIEVEMENT: dict[str, Any] = {
    "id": "https://example.edu/achievements/nursing-101",
    "type": ["Achievement"],
    "name": "Nursing Basics",
    "description": "Foundations of patient care: hygiene, vital signs and safe handling.",
    "criteria": {"narrative": "Completed the 40-hour practicum and passed the final assessment."},
    "image": {"id": "data:image/svg+xml," + quote(BADGE_SVG), "type": "Image", "caption": "A gold star"},
    "achievementType": "Certificate",
    "alignment": [
        {"type": ["Alignment"], "targetName": "Patient safety", "targetCode": "PS-1",
         "targetUrl": "https://example.edu/skills/patient-safety"},
        {"type": ["Alignment"], "targetName": "Vital signs", "targetUrl": "https://example.edu/skills/vitals"},
    ],
    "resultDescription": [
        {"id": "urn:uuid:6c3b2f0e-3f0e-4c39-9a8d-0c1b2f3e4d5a", "type": ["ResultDescription"],
         "name": "Final assessment", "resultType": "Percent"}
    ],
}
SUBJECT: dict[str, Any] = {
    "achievement": ACHIEVEMENT,
    "result": [{"type": ["Result"], "resultDescription": "urn:uuid:6c3b2f0e-3f0e-4c39-9a8d-0c1b2f3e4d5a",
                "value": "92"}],
}
DESKTOP = {"width": 1100, "height": 900}
PHONE = {"width": 390, "height": 844}


async def admin(http: aiohttp.ClientSession, server: Server, method: str, path: str,
                body: dict[str, Any] | None = None) -> dict[str, Any]:
    async with http.request(method, f"{server.base_url}{path}", json=body, headers=server.admin) as resp:
        text = await resp.text()
        assert resp.status in (200, 201), f"{method} {path} -> {resp.status}: {text}"
        return dict(json.loads(text))


async def issue(http: aiohttp.ClientSession, server: Server, wallet: Wallet) -> str:
    created = await admin(http, server, "POST", "/admin/offers",
                          {"credential_configuration_id": "OpenBadgeCredential_jwt_vc_json",
                           "credential_subject": SUBJECT})
    offer = await wallet.resolve_offer(created["offer_uri"])
    token = await wallet.token(offer, None)
    return await wallet.credential(offer, token["access_token"])


async def shot(page: Any, artifacts: Path, name: str) -> None:
    await page.screenshot(path=str(artifacts / name), full_page=True)


async def test_offer_page_follows_the_wallet_without_reloading(
    server: Server, browser: Any, http: aiohttp.ClientSession, artifacts: Path
) -> None:
    created = await admin(http, server, "POST", "/admin/offers",
                          {"credential_configuration_id": "OpenBadgeCredential_jwt_vc_json",
                           "credential_subject": SUBJECT, "tx_code": True, "expires_in": 900})
    phone = await browser.new_page(viewport=PHONE)
    await phone.goto(created["page_url"])
    await shot(phone, artifacts, "offer-1-offered-phone.png")
    await phone.close()

    page = await browser.new_page(viewport=DESKTOP)
    await page.goto(created["page_url"])
    assert await page.text_content("h1") == "Nursing Basics"
    assert await page.get_attribute("a.button", "href") == created["offer_uri"]
    assert await page.locator("img.qr").evaluate("img => img.complete && img.naturalWidth > 0")
    assert "6-digit PIN" in await page.text_content(".pin-hint")
    assert created["tx_code"] not in await page.content()
    await page.evaluate("window.__sameDocument = true")
    await shot(page, artifacts, "offer-1-offered.png")

    wallet = Wallet(http)
    offer = await wallet.resolve_offer(created["offer_uri"])
    token = await wallet.token(offer, created["tx_code"])
    await page.wait_for_selector('#live[data-state="redeemed"]', timeout=TIMEOUT_MS)
    assert await page.locator("img.qr").count() == 0
    await shot(page, artifacts, "offer-2-redeemed.png")

    await wallet.credential(offer, token["access_token"])
    await page.wait_for_selector('#live[data-state="issued"]', timeout=TIMEOUT_MS)
    assert await page.evaluate("window.__sameDocument") is True  # swapped in place, never reloaded
    assert await page.text_content("#announce") == "Delivered"
    await shot(page, artifacts, "offer-3-issued.png")


async def test_verifier_page_shows_the_verified_achievement(
    server: Server, browser: Any, http: aiohttp.ClientSession, artifacts: Path
) -> None:
    wallet = Wallet(http)
    credential = await issue(http, server, wallet)
    issuer = parse_compact_jws(credential).payload["iss"]
    created = await admin(http, server, "POST", "/admin/presentations",
                          {"preset": {"preset": "open_badge", "achievement_name": "Nursing Basics",
                                      "issuers": [issuer], "max_age_days": 30}})
    page = await browser.new_page(viewport=DESKTOP)
    await page.goto(created["page_url"])
    assert await page.text_content("h1") == "Show your badge"
    assert await page.get_attribute("a.button", "href") == created["request_uri"]
    assert await page.locator("img.qr").evaluate("img => img.complete && img.naturalWidth > 0")
    await page.evaluate("window.__sameDocument = true")
    await shot(page, artifacts, "verifier-1-pending.png")

    request = await wallet.request(created["request_uri"])
    await wallet.present(request, "open_badge_jwt_vc_json", credential)
    await page.wait_for_selector('#live[data-state="verified"]', timeout=TIMEOUT_MS)
    assert await page.evaluate("window.__sameDocument") is True
    assert await page.text_content("h1") == "Badge verified"
    assert await page.text_content(".result-title") == "Nursing Basics"
    text = await page.text_content("#live") or ""
    for expected in (issuer, wallet.did, "Patient safety", "Final assessment", "92", "Certificate"):
        assert expected in text
    outcomes = await page.eval_on_selector_all(".check", "els => els.map(e => [e.dataset.check, e.className])")
    assert {name for name, _ in outcomes} >= {"signature", "holder_binding", "validity", "schema", "trust", "age"}
    assert all("check-failed" not in cls for _, cls in outcomes), outcomes
    await shot(page, artifacts, "verifier-2-verified.png")
    phone = await browser.new_page(viewport=PHONE)
    await phone.goto(created["page_url"])
    await shot(phone, artifacts, "verifier-2-verified-phone.png")


async def test_console_creates_an_offer_and_a_request_and_revokes(
    server: Server, browser: Any, http: aiohttp.ClientSession, artifacts: Path
) -> None:
    page = await browser.new_page(viewport=DESKTOP)
    page.on("dialog", lambda dialog: dialog.accept())
    await page.goto(f"{server.base_url}/console")
    await page.fill("#admin-token", "not-the-token")
    await page.click("#login-form button")
    await page.wait_for_selector("#console-error:not([hidden])", timeout=TIMEOUT_MS)
    assert "not accepted" in (await page.text_content("#console-error") or "")
    await shot(page, artifacts, "console-0-sign-in.png")

    await page.fill("#admin-token", server.admin_token)
    await page.click("#login-form button")
    await page.wait_for_selector("#workspace:not([hidden])", timeout=TIMEOUT_MS)
    await page.select_option("#offer-config", "OpenBadgeCredential_jwt_vc_json")
    await page.fill("#offer-name", "First Aid Responder")
    await page.fill("#offer-description", "Can give first aid until help arrives.")
    await page.fill("#offer-criteria", "Passed the practical first-aid exam.")
    await page.click("#offer-form button[type=submit]")
    await page.wait_for_selector("#offer-result h3", timeout=TIMEOUT_MS)
    pin = await page.text_content("[data-pin]")
    assert pin and pin.isdigit()
    offer_id = await page.get_attribute("#recent li[data-kind=offer]", "data-id")
    assert offer_id
    offer_view = await admin(http, server, "GET", f"/admin/offers/{offer_id}")
    assert offer_view["state"] == "offered" and offer_view["tx_code_required"] is True
    await shot(page, artifacts, "console-1-offer.png")

    await page.fill("#presentation-name", "First Aid Responder")
    await page.fill("#presentation-age", "7")
    await page.click("#presentation-form button[type=submit]")
    await page.wait_for_selector("#presentation-result h3", timeout=TIMEOUT_MS)
    pid = await page.get_attribute("#recent li[data-kind=presentation]", "data-id")
    presentation = await admin(http, server, "GET", f"/admin/presentations/{pid}")
    assert presentation["status"] == "pending"
    await shot(page, artifacts, "console-2-presentation.png")

    wallet = Wallet(http)
    offer = await wallet.resolve_offer(offer_view["offer_uri"])
    token = await wallet.token(offer, pin)
    await wallet.credential(offer, token["access_token"])
    await page.click("#refresh")
    revoke = page.locator("#recent li[data-kind=offer] button.danger")
    await revoke.wait_for(timeout=TIMEOUT_MS)
    credential_id = (await page.text_content("#recent li[data-kind=offer] .credentials code")) or ""
    await revoke.click()
    await page.wait_for_selector("#recent li[data-kind=offer] button.danger:text('Revoked')", timeout=TIMEOUT_MS)
    assert (await admin(http, server, "GET", f"/admin/credentials/{credential_id}"))["state"] == "revoked"
    await shot(page, artifacts, "console-3-revoked.png")
