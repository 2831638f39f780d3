"""``python -m conformance verifier`` end to end against ``oid4vc serve`` (separate processes, real HTTP), the
report files it writes, its exit codes and usage errors."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.suite.cli import main
from conformance.tests.broken_verifiers import ADMIN_TOKEN, KNOWN_SERVER_DEFECTS

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``oid4vc serve`` (dev mode, temp data dir, known admin token) on a free loopback port."""
    root = tmp_path_factory.mktemp("verifier-cli")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = os.environ | {"OID4VC_ADMIN_TOKEN": ADMIN_TOKEN}
    cmd = [sys.executable, "-c", "import sys; from oid4vc.cli import main; sys.exit(main())", "serve",
           "--host", "127.0.0.1", "--port", str(port), "--data-dir", str(root / "data")]
    with (root / "server.log").open("wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=root)
    try:
        deadline = time.monotonic() + 20
        while True:
            assert proc.poll() is None, (root / "server.log").read_text()
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
    env = os.environ | {"OID4VC_ADMIN_TOKEN": ADMIN_TOKEN, "NO_COLOR": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "conformance", "verifier", "--verifier", served, "--allow-http",
         "--json", str(tmp_path / "r.json"), "--html", str(tmp_path / "r.html"),
         "--markdown", str(tmp_path / "r.md")],
        capture_output=True, text=True, timeout=120, env=env, cwd=ROOT, check=False,
    )
    report = json.loads((tmp_path / "r.json").read_text())
    failed = {r["id"] for r in report["results"] if r["status"] == "fail"}
    assert failed == set(KNOWN_SERVER_DEFECTS), proc.stdout[-3000:] + proc.stderr[-3000:]
    assert proc.returncode == (1 if KNOWN_SERVER_DEFECTS else 0)
    assert "-- vp-request" in proc.stdout and "-- vp-negative" in proc.stdout
    assert f"69 checks: {69 - 7 - len(failed)} pass, {len(failed)} fail" in proc.stdout
    assert report["role"] == "verifier"
    assert report["target"]["verifier"] == served
    assert report["target"]["formats"] == ["dc+sd-jwt", "jwt_vc_json", "ldp_vc"]
    assert all(r["section"] for r in report["results"])
    assert (tmp_path / "r.md").read_text().startswith("# OpenID4VP 1.0 verifier conformance report")
    assert "<table>" in (tmp_path / "r.html").read_text()


def test_cli_exit_code_reflects_must_failures(served: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OID4VC_ADMIN_TOKEN", ADMIN_TOKEN)
    # without --allow-http the dev server's http request_uri and response_uri are MUST failures
    assert main(["verifier", "--verifier", served, "--only", "VP-5.10-request_link", "--quiet"]) == 1
    assert main(["verifier", "--verifier", served, "--only", "VP-5.10-request_link", "--quiet",
                 "--allow-http"]) == 0


def test_cli_request_uri_with_credentials_from_the_env_token(served: str, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    query = {"credentials": [{"id": "badge", "format": "jwt_vc_json", "meta": {"type_values": [[
        "https://www.w3.org/2018/credentials#VerifiableCredential",
        "https://purl.imsglobal.org/spec/vc/ob/vocab.html#OpenBadgeCredential"]]}}]}
    request = urllib.request.Request(f"{served}/admin/presentations", data=json.dumps({"dcql_query": query}).encode(),
                                     method="POST", headers={"Authorization": f"Bearer {ADMIN_TOKEN}",
                                                             "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as resp:
        link = json.load(resp)["request_uri"]
    monkeypatch.setenv("OID4VC_ADMIN_TOKEN", ADMIN_TOKEN)  # not a request source here: only the issuer's token
    out = tmp_path / "r.json"
    assert main(["verifier", "--verifier", served, "--allow-http", "--request-uri", link, "--quiet",
                 "--json", str(out)]) == 0
    results = {r["id"]: r["status"] for r in json.loads(out.read_text())["results"]}
    assert results["VP-8.2-valid_presentation[jwt_vc_json]"] == "pass"
    assert results["VP-13.3-second_response"] == "pass" and results["VP-14.1.2-wrong_nonce[jwt_vc_json]"] == "skip"


def test_cli_list_and_usage_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["verifier", "--list", "--only", "vp-negative"]) == 0
    listed = capsys.readouterr().out
    assert "VP-14.1.2-wrong_nonce[<format>]" in listed and "VP-5.2-nonce " not in listed
    assert listed.rstrip().endswith("18 checks")
    for argv in (["verifier"], ["verifier", "--verifier", "http://v.example", "--credential", str(tmp_path)],
                 ["verifier", "--verifier", "http://v.example", "--credential", "x.json", "--holder-key", "k.json"],
                 ["verifier", "--verifier", "http://v.example", "--format", "mso_mdoc"]):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 2
