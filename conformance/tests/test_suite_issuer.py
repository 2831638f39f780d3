"""The conformance suite against the real oid4vc app (served on a loopback port): every check must pass, with
the admin API as offer source, and the fixed-offer mode must run what it can and skip the rest with a reason."""

from __future__ import annotations

from pathlib import Path

from conformance.suite import IssuerOptions, OfferOptions, Status, run_issuer_suite
from conformance.suite.checks import ISSUER_MODULES
from conformance.suite.model import Level
from conformance.tests.broken_servers import ADMIN_TOKEN, running_issuer


async def test_all_checks_pass_against_oid4vc(tmp_path: Path) -> None:
    async with running_issuer("good", tmp_path) as url:
        report = await run_issuer_suite(IssuerOptions(url, allow_http=True), OfferOptions(admin_token=ADMIN_TOKEN))
    problems = [f"{r.id}: {r.status} {r.detail}" for r in report.results if r.status in (Status.FAIL, Status.SKIP)]
    assert problems == []
    assert report.exit_code() == 0
    # only the http findings of a dev server are warnings
    assert {r.id for r in report.results if r.status is Status.WARN} == {
        "VCI-12.2.1-issuer_identifier",
        "VCI-12.2.4-https_endpoints",
        "RFC8414-2-token_endpoint",
        "VCI-4.1-offer_uri_https",
    }
    every_check = {c.id for m in ISSUER_MODULES for c in m}
    ran = {r.id.split("[")[0] for r in report.results}
    assert ran == every_check
    configs = report.target["configurations"]
    assert "OpenBadgeCredential_jwt_vc_json" in configs
    assert report.by_id("VCI-8.1-holder_binding[OpenBadgeCredential_jwt_vc_json]").status is Status.PASS


async def test_issuer_identifier_with_a_path(tmp_path: Path) -> None:
    async with running_issuer("good", tmp_path, path="/tenant") as url:
        report = await run_issuer_suite(IssuerOptions(url, allow_http=True), OfferOptions(admin_token=ADMIN_TOKEN),
                                        select=["discovery", "token", "VCI-8.1-holder_binding"])
    detail = report.by_id("VCI-12.2.2-metadata_get").detail
    assert detail.endswith("/.well-known/openid-credential-issuer/tenant -> 200")
    assert [r.id for r in report.results if r.status in (Status.FAIL, Status.SKIP)] == []


async def test_http_is_a_must_failure_without_allow_http(tmp_path: Path) -> None:
    async with running_issuer("good", tmp_path) as url:
        report = await run_issuer_suite(IssuerOptions(url), OfferOptions(admin_token=ADMIN_TOKEN),
                                        select=["discovery"])
    assert report.by_id("VCI-12.2.4-https_endpoints").status is Status.FAIL
    assert report.exit_code() == 1


async def test_single_offer_uri_runs_the_main_flow_and_skips_the_rest(tmp_path: Path) -> None:
    async with running_issuer("good", tmp_path) as url:
        from aiohttp import ClientSession

        async with ClientSession() as session:
            resp = await session.post(f"{url}/admin/offers", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
                                      json={"credential_configuration_id": "OpenBadgeCredential_jwt_vc_json",
                                            "credential_subject": {"achievement": {
                                                "id": "https://example.edu/a/1", "type": ["Achievement"],
                                                "name": "One", "description": "One",
                                                "criteria": {"narrative": "Done."}}},
                                            "tx_code": True})
            created = await resp.json()
        report = await run_issuer_suite(
            IssuerOptions(url, allow_http=True, config_ids=("OpenBadgeCredential_jwt_vc_json",)),
            OfferOptions(offer_uris=(created["offer_uri"],), tx_codes=(created["tx_code"],)),
        )
    assert report.must_failures == []
    for check_id in ("VCI-6.1-token_pre_authorized", "VCI-4.1.1-code_single_use", "VCI-8.3.1.2-invalid_nonce",
                     "VCI-F.4-bad_signature", "VCI-8.1-holder_binding[OpenBadgeCredential_jwt_vc_json]",
                     "VCI-4.1.3-offer_by_reference", "HTTP-errors_not_2xx"):
        assert report.by_id(check_id).status is Status.PASS, report.by_id(check_id)
    skipped = {r.id: r.detail for r in report.results if r.status is Status.SKIP}
    assert "VCI-3.3.2-batch_issued" in skipped
    assert "VCI-6.3-missing_tx_code" in skipped
    assert all(reason for reason in skipped.values())
    assert report.target["configurations"] == ["OpenBadgeCredential_jwt_vc_json"]


async def test_without_offers_only_discovery_runs(tmp_path: Path) -> None:
    async with running_issuer("good", tmp_path) as url:
        report = await run_issuer_suite(IssuerOptions(url, allow_http=True))
    assert report.exit_code() == 0
    assert report.by_id("VCI-12.2.2-metadata_get").status is Status.PASS
    token = report.by_id("VCI-6.1-token_pre_authorized")
    assert token.status is Status.SKIP and "--admin-token" in token.detail


async def test_unreachable_issuer_fails_discovery_and_skips_the_rest(tmp_path: Path) -> None:
    async with running_issuer("good", tmp_path) as url:
        pass  # the port is closed again
    report = await run_issuer_suite(IssuerOptions(url, allow_http=True), OfferOptions(admin_token=ADMIN_TOKEN),
                                    request_timeout=5)
    assert report.by_id("VCI-12.2.2-metadata_get").status is Status.FAIL
    assert "HTTP request failed" in report.by_id("VCI-12.2.2-metadata_get").detail
    assert report.exit_code() == 1
    assert all(r.status is not Status.PASS for r in report.results if r.level is Level.MUST)
