"""`oid4vc sign` / `oid4vc verify` on the real command line (standalone signing outside a wallet flow)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).parents[1] / "vectors" / "di" / "examples" / "ob3" / "simple.json"


def _oid4vc(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "oid4vc", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=60, check=False)


def test_sign_then_verify_each_format_and_a_tampered_copy(tmp_path: Path) -> None:
    unsigned = json.loads(EXAMPLE.read_text())
    unsigned.pop("proof")
    (tmp_path / "u.json").write_text(json.dumps(unsigned))
    for fmt, suffix in (("ldp_vc", "json"), ("jwt_vc_json", "jwt")):
        signed = _oid4vc("sign", "u.json", "--format", fmt, "--data-dir", "d", cwd=tmp_path)
        assert signed.returncode == 0, signed.stderr
        out = tmp_path / f"signed.{suffix}"
        out.write_text(signed.stdout)
        verified = _oid4vc("verify", out.name, "--json", cwd=tmp_path)
        assert verified.returncode == 0, verified.stdout + verified.stderr
        report = json.loads(verified.stdout)
        assert report["valid"] is True and report["checks"]["signature"]["outcome"] == "passed"
        assert report["issuer"].startswith("did:key:")
    tampered = json.loads((tmp_path / "signed.json").read_text())
    tampered["name"] = "Forged"
    (tmp_path / "t.json").write_text(json.dumps(tampered))
    result = _oid4vc("verify", "t.json", cwd=tmp_path)
    assert result.returncode == 1 and "INVALID" in result.stdout


def test_sign_refuses_a_schema_violation(tmp_path: Path) -> None:
    unsigned = json.loads(EXAMPLE.read_text())
    unsigned.pop("proof")
    del unsigned["credentialSubject"]["achievement"]["name"]
    (tmp_path / "bad.json").write_text(json.dumps(unsigned))
    result = _oid4vc("sign", "bad.json", "--data-dir", "d", cwd=tmp_path)
    assert result.returncode == 1 and "achievement.name" in result.stderr


def test_json_logs_carry_the_request_id(tmp_path: Path) -> None:
    import logging

    from oid4vc.cli import configure_logging
    from oid4vc.context import request_id

    configure_logging("json", "INFO")
    handler = logging.getLogger().handlers[0]
    token = request_id.set("rid-7")
    try:
        record = logging.LogRecord("oid4vc.test", logging.INFO, __file__, 1, "offer created offer=%s", ("o1",), None)
        line = json.loads(handler.format(record))
    finally:
        request_id.reset(token)
        configure_logging("text", "WARNING")
    assert line["message"] == "offer created offer=o1" and line["request_id"] == "rid-7" and line["level"] == "info"
