"""``python -m conformance issuer`` end to end against ``oid4vc serve`` (separate processes, real HTTP), the
report files it writes, the usage errors, and the ``--offer-command`` adapter."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.suite import IssuerOptions, OfferOptions, Status, run_issuer_suite
from conformance.suite.cli import main
from conformance.tests.broken_servers import ADMIN_TOKEN, running_issuer

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """``oid4vc serve`` (dev mode, temp data dir, known admin token) on a free loopback port."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = os.environ | {"OID4VC_ADMIN_TOKEN": ADMIN_TOKEN}
    cmd = [sys.executable, "-c", "import sys; from oid4vc.cli import main; sys.exit(main())", "serve",
           "--host", "127.0.0.1", "--port", str(port), "--data-dir", str(tmp_path / "data")]
    with (tmp_path / "server.log").open("wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=tmp_path)
    try:
        deadline = time.monotonic() + 20
        while True:
            assert proc.poll() is None, (tmp_path / "server.log").read_text()
            try:
                with urllib.request.urlopen(f"{url}/.well-known/openid-credential-issuer", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, "oid4vc serve did not start"
            time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_cli_against_oid4vc_serve_writes_all_reports(served: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    env = os.environ | {"OID4VC_ADMIN_TOKEN": ADMIN_TOKEN, "NO_COLOR": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "conformance", "issuer", "--issuer", served, "--allow-http",
         "--json", str(out / "r.json"), "--html", str(out / "r.html"), "--markdown", str(out / "r.md")],
        capture_output=True, text=True, timeout=120, env=env, cwd=ROOT, check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "-- discovery" in proc.stdout and " 0 fail (0 MUST)" in proc.stdout
    report = json.loads((out / "r.json").read_text())
    assert report["summary"]["must_failed"] == 0 and report["summary"]["fail"] == 0
    assert report["target"]["credential_issuer"] == served
    assert all(r["section"] for r in report["results"])
    assert (out / "r.md").read_text().startswith("# OpenID4VCI 1.0 issuer conformance report")
    assert "<table>" in (out / "r.html").read_text()


def test_cli_exit_code_reflects_must_failures(served: str) -> None:
    # without --allow-http the dev server's http endpoints are MUST failures
    assert main(["issuer", "--issuer", served, "--only", "discovery", "--quiet"]) == 1
    assert main(["issuer", "--issuer", served, "--only", "discovery", "--quiet", "--allow-http"]) == 0


def test_cli_list_and_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["issuer", "--list", "--only", "token"]) == 0
    listed = capsys.readouterr().out
    assert "VCI-6.3-wrong_tx_code" in listed and "VCI-F.1-alg_none" not in listed
    with pytest.raises(SystemExit) as exc:
        main(["issuer"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit):
        main(["verifier"])


OFFER_SCRIPT = """
    import json, os, sys, urllib.request
    body = {"credential_configuration_id": os.environ["OID4VC_CONFORMANCE_CONFIG_ID"],
            "credential_subject": {"achievement": {"id": "https://example.edu/a/cmd", "type": ["Achievement"],
                                   "name": "Cmd", "description": "Cmd", "criteria": {"narrative": "Done."}}},
            "tx_code": os.environ["OID4VC_CONFORMANCE_TX_CODE"] == "1",
            "by_reference": os.environ["OID4VC_CONFORMANCE_BY_REFERENCE"] != "0"}
    request = urllib.request.Request(sys.argv[1] + "/admin/offers", data=json.dumps(body).encode(), method="POST",
                                     headers={"Authorization": "Bearer " + sys.argv[2],
                                              "Content-Type": "application/json"})
    created = json.load(urllib.request.urlopen(request))
    print(json.dumps({"offer_uri": created["offer_uri"], "tx_code": created.get("tx_code")}))
"""


async def test_offer_command_drives_another_issuer(tmp_path: Path) -> None:
    script = tmp_path / "make_offer.py"
    script.write_text(textwrap.dedent(OFFER_SCRIPT))
    async with running_issuer("good", tmp_path) as url:
        command = f"{sys.executable} {script} {url} {ADMIN_TOKEN}"
        options = IssuerOptions(url, allow_http=True, config_ids=("OpenBadgeCredential_jwt_vc_json",))
        report = await run_issuer_suite(options, OfferOptions(offer_command=command),
                                        select=["token", "VCI-8.1-holder_binding"])
    assert report.target["offer_source"] == "offer command"
    assert [r.id for r in report.results if r.status is not Status.PASS] == []


async def test_failing_offer_command_skips_with_its_error(tmp_path: Path) -> None:
    async with running_issuer("good", tmp_path) as url:
        command = f"{sys.executable} -c \"import sys; sys.exit('no offers today')\""
        report = await run_issuer_suite(IssuerOptions(url, allow_http=True), OfferOptions(offer_command=command),
                                        select=["VCI-6.1-token_with_tx_code"])
    result = report.by_id("VCI-6.1-token_with_tx_code")
    assert result.status is Status.SKIP and "no offers today" in result.detail
