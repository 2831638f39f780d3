"""The conformance suite must catch real defects: each deliberately broken variant of the oid4vc app
(conformance/tests/broken_servers.py) makes the named checks fail, and only where the defect is."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.suite import IssuerOptions, OfferOptions, Report, Status, run_issuer_suite
from conformance.tests.broken_servers import ADMIN_TOKEN, running_issuer


async def _run(variant: str, data_dir: Path, select: list[str]) -> Report:
    async with running_issuer(variant, data_dir) as url:
        return await run_issuer_suite(IssuerOptions(url, allow_http=True), OfferOptions(admin_token=ADMIN_TOKEN),
                                      select=select)


def _failed(report: Report) -> set[str]:
    return {r.id for r in report.results if r.status is Status.FAIL}


async def test_nonce_reuse_is_caught(tmp_path: Path) -> None:
    report = await _run("nonce_reuse", tmp_path, ["nonce", "VCI-8.3.1.2-invalid_nonce"])
    assert _failed(report) == {"VCI-13.8-nonce_single_use"}
    detail = report.by_id("VCI-13.8-nonce_single_use").detail
    assert "accepted: HTTP 200" in detail
    assert report.by_id("VCI-8.3.1.2-invalid_nonce").status is Status.PASS  # never-issued nonces still fail
    assert report.exit_code() == 0 and report.exit_code(strict=True) == 1  # a SHOULD


async def test_errors_answered_with_200_are_caught(tmp_path: Path) -> None:
    report = await _run("errors_as_200", tmp_path, ["token", "VCI-8.3.1.2-*", "VCI-F.1-alg_none", "errors"])
    failed = _failed(report)
    assert {"HTTP-errors_not_2xx", "VCI-6.3-wrong_tx_code", "VCI-6.3-missing_tx_code", "VCI-4.1.1-code_single_use",
            "RFC6749-5.2-unsupported_grant_type", "VCI-8.3.1.2-invalid_nonce", "VCI-F.1-alg_none",
            "VCI-8.3.1.2-unknown_credential_configuration"} <= failed
    assert "VCI-6.1-token_pre_authorized" not in failed
    assert "with error=invalid_grant in the body" in report.by_id("VCI-6.3-wrong_tx_code").detail
    assert report.exit_code() == 1


async def test_wrong_tx_code_burning_the_offer_is_caught(tmp_path: Path) -> None:
    report = await _run("tx_code_burns_offer", tmp_path, ["VCI-6.*tx_code*", "VCI-13.6.3-*"])
    assert report.by_id("VCI-6.3-wrong_tx_code").status is Status.PASS
    retry = report.by_id("VCI-13.6.3-tx_code_retry")
    assert retry.status is Status.FAIL and "invalid_grant" in retry.detail
    assert _failed(report) == {"VCI-13.6.3-tx_code_retry"}


async def test_missing_no_store_is_caught(tmp_path: Path) -> None:
    report = await _run("no_store_missing", tmp_path, ["RFC6749-5.1-token_no_store", "VCI-7.2-*"])
    assert _failed(report) == {"RFC6749-5.1-token_no_store", "VCI-7.2-nonce_no_store"}
    assert report.by_id("VCI-7.2-nonce_response").status is Status.PASS
    assert report.exit_code() == 1


@pytest.mark.parametrize("variant", ["nonce_reuse", "tx_code_burns_offer", "no_store_missing"])
async def test_broken_variants_still_issue(variant: str, tmp_path: Path) -> None:
    """The defects are narrow: the happy path of every variant still works."""
    report = await _run(variant, tmp_path, ["VCI-8.3-credential_response", "VCI-8.1-holder_binding"])
    assert report.results and all(r.status is Status.PASS for r in report.results)
