"""The verifier side of the conformance suite against the real oid4vc app (served on a loopback port): every MUST
check passes with the admin API as request source, for each Client Identifier Prefix the server offers; the
``--request-uri``, ``--request-command`` and ``--credential`` adapters run what they can and skip the rest with a
reason."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import aiohttp
import pytest

from conformance.suite import Status
from conformance.suite.checks import VERIFIER_MODULES
from conformance.suite.model import Level, Report
from conformance.suite.runner import VerifierSources, run_verifier_suite
from conformance.suite.vp_context import VerifierOptions
from conformance.tests.broken_verifiers import ADMIN_TOKEN, KNOWN_SERVER_DEFECTS, running_verifier

ADMIN = VerifierSources(admin_token=ADMIN_TOKEN)
SKIPPED_FOR_A_DID_VERIFIER = {
    "VP-5.9.3-x509_san_dns": "decentralized_identifier",
    "VP-5.9.3-x509_hash": "decentralized_identifier",
    "VP-5.9.3-redirect_uri": "decentralized_identifier",
    "VP-5.3-state_required": "holder binding",
    "VP-8.4-transaction_data": "no transaction_data",
}


def _by_status(report: Report, status: Status) -> dict[str, str]:
    return {r.id: r.detail for r in report.results if r.status is status}


async def test_all_checks_pass_against_oid4vc(tmp_path: Path) -> None:
    async with running_verifier("good", tmp_path) as url:
        report = await run_verifier_suite(VerifierOptions(url, allow_http=True), ADMIN)
    failed = _by_status(report, Status.FAIL)
    assert set(failed) == set(KNOWN_SERVER_DEFECTS), failed  # nothing else fails
    assert all("HTTP 500" in failed[cid] for cid in KNOWN_SERVER_DEFECTS)
    skipped = _by_status(report, Status.SKIP)
    assert set(skipped) == set(SKIPPED_FOR_A_DID_VERIFIER)
    assert all(reason in skipped[cid] for cid, reason in SKIPPED_FOR_A_DID_VERIFIER.items())
    # only the http findings of a dev server are warnings
    assert set(_by_status(report, Status.WARN)) == {"VP-5.10-request_link", "VP-8.2-response_uri"}
    assert {r.id.split("[")[0] for r in report.results} == {c.id for m in VERIFIER_MODULES for c in m}
    assert report.target["formats"] == ["dc+sd-jwt", "jwt_vc_json", "ldp_vc"]
    assert report.target["client_id"].startswith("decentralized_identifier:did:key:")
    assert len(report.results) == 69
    for fmt in report.target["formats"]:
        assert "verified" in report.by_id(f"VP-8.6-result_verified[{fmt}]").detail
        assert "admin API: rejected" in report.by_id(f"VP-14.1.2-wrong_nonce[{fmt}]").detail
    assert "admin API: verified" in report.by_id("VP-13.3-second_response").detail  # the first result stands
    assert report.by_id("VP-8.3-each_enc_value").detail == "A128GCM, A256GCM"


@pytest.mark.parametrize(("variant", "check", "outcome"), [
    ("did_web", "VP-5.9.3-decentralized_identifier", "did:web"),
    ("x509_san_dns", "VP-5.9.3-x509_san_dns", "self-signed"),
    ("x509_hash", "VP-5.9.3-x509_hash", "self-signed"),
    ("redirect_uri", "VP-5.9.3-redirect_uri", "client_id = response_uri"),
])
async def test_each_client_id_prefix(variant: str, check: str, outcome: str, tmp_path: Path) -> None:
    # a did:web issuer on plain http cannot have its credentials verified (did:web means https): requests only
    select = ["vp-request"] + ([] if variant == "did_web" else ["VP-8.2-valid_presentation", "VP-14.1.2-wrong_aud"])
    async with running_verifier(variant, tmp_path) as url:
        strict = await run_verifier_suite(VerifierOptions(url, allow_http=True, formats=("dc+sd-jwt",)), ADMIN,
                                          select=select)
        lenient = await run_verifier_suite(
            VerifierOptions(url, allow_http=True, accept_self_signed=True, formats=("dc+sd-jwt",)), ADMIN,
            select=[check])
    assert outcome in strict.by_id(check).detail
    if variant.startswith("x509_"):
        # the dev certificate is a self-signed leaf: a failure unless --accept-self-signed, then a warning
        assert _by_status(strict, Status.FAIL) == {check: strict.by_id(check).detail}
        assert lenient.by_id(check).status is Status.WARN
        assert strict.by_id("VP-5.9.3-request_signature").status is Status.PASS
    else:
        assert _by_status(strict, Status.FAIL) == {}
        assert strict.by_id(check).status is Status.PASS
    if variant != "did_web":
        assert strict.by_id("VP-8.2-valid_presentation[dc+sd-jwt]").status is Status.PASS
        assert strict.by_id("VP-14.1.2-wrong_aud[dc+sd-jwt]").status is Status.PASS
    assert strict.target["client_id"].startswith(variant.replace("did_web", "decentralized_identifier:did:web"))


async def _create(url: str, body: dict[str, object]) -> dict[str, object]:
    async with aiohttp.ClientSession() as session, session.post(
        f"{url}/admin/presentations", json=body, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
    ) as resp:
        assert resp.status == 201, await resp.text()
        created: dict[str, object] = await resp.json()
        return created


async def test_a_single_request_uri_runs_the_happy_path_and_skips_what_needs_more(tmp_path: Path) -> None:
    async with running_verifier("good", tmp_path) as url:
        query = {"credentials": [{"id": "badge", "format": "dc+sd-jwt",
                                  "meta": {"vct_values": [f"{url}/vct/OpenBadgeCredential"]},
                                  "claims": [{"path": ["credentialSubject", "result"]}]}]}
        created = await _create(url, {"dcql_query": query, "request_uri_method": "post"})
        sources = VerifierSources(request_uris=(str(created["request_uri"]),), issuer_admin_token=ADMIN_TOKEN)
        report = await run_verifier_suite(VerifierOptions(url, allow_http=True), sources)
    assert report.must_failures == []
    assert report.target["formats"] == ["dc+sd-jwt"]
    assert report.target["request_source"] == "request links given with --request-uri"
    for check_id in ("VP-5.9.3-request_signature", "VP-5.10-request_uri_method_post", "VP-5.10-no_wallet_nonce_on_get",
                     "VP-5.1-dcql_query", "VP-8.2-valid_presentation[dc+sd-jwt]", "VP-13.3-second_response",
                     "VP-8.3-direct_post_jwt"):
        assert report.by_id(check_id).status is Status.PASS, report.by_id(check_id)
    skipped = _by_status(report, Status.SKIP)
    assert "--admin-token or --request-command" in skipped["VP-14.1.2-wrong_nonce[dc+sd-jwt]"]
    assert "admin API" in skipped["VP-8.6-result_verified[dc+sd-jwt]"]
    assert {"VP-14.1.2-nonce_fresh", "VP-8.2-direct_post", "VP-14.1.2-replay_other_request"} <= set(skipped)
    assert all(skipped.values())


REQUEST_SCRIPT = """
    import json, os, sys, urllib.request
    body = {"dcql_query": json.loads(os.environ["OID4VC_CONFORMANCE_DCQL_QUERY"])}
    for name, key in (("RESPONSE_MODE", "response_mode"), ("REQUEST_URI_METHOD", "request_uri_method")):
        if os.environ["OID4VC_CONFORMANCE_" + name]:
            body[key] = os.environ["OID4VC_CONFORMANCE_" + name]
    request = urllib.request.Request(sys.argv[1] + "/admin/presentations", data=json.dumps(body).encode(),
                                     method="POST", headers={"Authorization": "Bearer " + sys.argv[2],
                                                             "Content-Type": "application/json"})
    print(json.load(urllib.request.urlopen(request))["request_uri"])
"""


async def test_request_command_drives_another_verifier(tmp_path: Path) -> None:
    script = tmp_path / "make_request.py"
    script.write_text(textwrap.dedent(REQUEST_SCRIPT))
    async with running_verifier("good", tmp_path) as url:
        sources = VerifierSources(request_command=f"{sys.executable} {script} {url} {ADMIN_TOKEN}",
                                  issuer_admin_token=ADMIN_TOKEN)
        report = await run_verifier_suite(VerifierOptions(url, allow_http=True, formats=("dc+sd-jwt",)), sources,
                                          select=["VP-5.10-request_uri_method_post", "VP-14.1.2-nonce_fresh",
                                                  "vp-response", "VP-14.1.2-wrong_nonce", "VP-8.3.1-*"])
    assert report.target["request_source"] == "request command"
    assert _by_status(report, Status.FAIL) == {}
    assert set(_by_status(report, Status.SKIP)) == {"VP-8.6-result_verified[dc+sd-jwt]"}  # no admin view


async def test_credential_files_with_a_holder_key(tmp_path: Path) -> None:
    async with running_verifier("good", tmp_path) as url:
        from conformance.suite.http import HttpClient
        from conformance.suite.vp_sources import IssuerCredentials

        async with aiohttp.ClientSession() as session:
            held = await IssuerCredentials(HttpClient(session), url, ADMIN_TOKEN, allow_http=True).obtain("dc+sd-jwt")
        (tmp_path / "badge.sd-jwt").write_text(held.credential)
        (tmp_path / "holder.jwk").write_text(json.dumps(held.key.private_jwk))
        sources = VerifierSources(admin_token=ADMIN_TOKEN, credential_files=((None, tmp_path / "badge.sd-jwt"),),
                                  holder_key=tmp_path / "holder.jwk")
        report = await run_verifier_suite(VerifierOptions(url, allow_http=True), sources,
                                          select=["vp-response", "VP-B.3-*"])
    assert report.target["formats"] == ["dc+sd-jwt"]
    assert report.target["credential_source"] == "credential files"
    assert _by_status(report, Status.FAIL) == {}
    assert report.by_id("VP-8.6-result_verified[dc+sd-jwt]").status is Status.PASS


async def test_without_sources_everything_is_skipped_with_the_reason(tmp_path: Path) -> None:
    async with running_verifier("good", tmp_path) as url:
        report = await run_verifier_suite(VerifierOptions(url, allow_http=True))
    assert report.exit_code() == 0
    assert {r.status for r in report.results} == {Status.SKIP}
    assert "--admin-token" in report.by_id("VP-5.2-nonce").detail


async def test_unreachable_verifier_fails_the_first_check_and_skips_the_rest(tmp_path: Path) -> None:
    async with running_verifier("good", tmp_path) as url:
        pass  # the port is closed again
    report = await run_verifier_suite(VerifierOptions(url, allow_http=True), ADMIN, request_timeout=5)
    first = report.results[0]
    assert first.status is Status.FAIL and "HTTP request failed" in first.detail
    assert report.exit_code() == 1
    assert all(r.status is not Status.PASS for r in report.results if r.level is Level.MUST)
