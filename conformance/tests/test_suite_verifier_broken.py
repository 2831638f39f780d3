"""The verifier checks must catch real defects: each deliberately broken variant of the oid4vc verifier
(conformance/tests/broken_verifiers.py) makes exactly the checks for its defect fail."""

from __future__ import annotations

from pathlib import Path

from conformance.suite import Status
from conformance.suite.checks import vp_negative
from conformance.suite.model import Report
from conformance.suite.runner import VerifierSources, run_verifier_suite
from conformance.suite.vp_context import VerifierOptions
from conformance.tests.broken_verifiers import ADMIN_TOKEN, KNOWN_SERVER_DEFECTS, running_verifier


async def _run(variant: str, data_dir: Path, select: list[str] | None = None) -> Report:
    async with running_verifier(variant, data_dir) as url:
        return await run_verifier_suite(VerifierOptions(url, allow_http=True), VerifierSources(admin_token=ADMIN_TOKEN),
                                        select=select or [])


def _failed(report: Report) -> dict[str, str]:
    """The failures beyond the real app's own known defects."""
    return {r.id: r.detail for r in report.results if r.status is Status.FAIL and r.id not in KNOWN_SERVER_DEFECTS}


async def test_a_verifier_accepting_replayed_nonces_is_caught(tmp_path: Path) -> None:
    report = await _run("replayed_nonce", tmp_path)
    failed = _failed(report)
    assert set(failed) == {"VP-14.1.2-wrong_nonce[dc+sd-jwt]", "VP-14.1.2-replay_other_request"}
    assert all("accepted: HTTP 200" in d and "admin API: verified" in d for d in failed.values())
    assert report.by_id("VP-14.1.2-wrong_nonce[jwt_vc_json]").status is Status.PASS  # only SD-JWT KB is broken
    assert report.exit_code() == 1


async def test_a_verifier_ignoring_the_kb_jwt_aud_is_caught(tmp_path: Path) -> None:
    report = await _run("kb_aud_unchecked", tmp_path)
    assert set(_failed(report)) == {"VP-14.1.2-wrong_aud[dc+sd-jwt]"}


async def test_a_verifier_answering_200_to_invalid_presentations_is_caught(tmp_path: Path) -> None:
    report = await _run("invalid_as_200", tmp_path)
    failed = _failed(report)
    negatives = {r.id for r in report.results if r.module == vp_negative.MODULE.name} - set(KNOWN_SERVER_DEFECTS)
    assert set(failed) == negatives and len(negatives) == 28 - len(KNOWN_SERVER_DEFECTS)
    # the verifier still concluded "rejected": the report says so, the check fails on the answer alone
    assert "admin API: rejected (signature_failed)" in failed["VP-8.6-invalid_credential_signature[dc+sd-jwt]"]
    assert "admin API: verified" in failed["VP-13.3-second_response"]
    assert all(r.status is not Status.FAIL for r in report.results if r.module != vp_negative.MODULE.name)


async def test_an_unsigned_request_object_without_typ_is_caught(tmp_path: Path) -> None:
    report = await _run("unsigned_request", tmp_path, ["vp-request", "VP-8.2-valid_presentation"])
    failed = _failed(report)
    assert set(failed) == {"VP-5-request_object_typ", "VP-5.9.3-request_signature",
                           "VP-5.9.3-decentralized_identifier", "VP-5.10-request_uri_method_post"}
    assert "typ is None" in failed["VP-5-request_object_typ"]
    assert "alg is 'none'" in failed["VP-5.9.3-request_signature"]
    # the rest of the request is intact, and the presentation still goes through
    assert report.by_id("VP-5.10.1-client_id_match").status is Status.PASS
    assert report.by_id("VP-8.2-valid_presentation[dc+sd-jwt]").status is Status.PASS
