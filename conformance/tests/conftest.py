"""Fixtures for the Node interop harness ``conformance/interop`` (OpenID4VCI 1.0 #section-3.5).

The ``oid4vc_server`` fixture starts the real server (``oid4vc serve``) on a free loopback port with a
temporary data directory; ``node_script`` runs one of the harness scripts and parses the single JSON object it
prints. Everything is skipped, with the reason spelled out, only when ``conformance/interop/node_modules`` is
missing (``cd conformance/interop && npm ci`` installs it).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import pytest

INTEROP_DIR = Path(__file__).resolve().parent.parent / "interop"
RESULTS_PATH = INTEROP_DIR / "results.json"
NODE_TIMEOUT_S = 60.0
READY_TIMEOUT_S = 30.0

JsonObject = dict[str, Any]


@dataclass(frozen=True, slots=True)
class NodeRun:
    """Outcome of one harness script: the JSON object it printed, its exit code and stderr."""

    args: tuple[str, ...]
    returncode: int
    output: JsonObject
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and self.output.get("ok") is True

    def describe(self) -> str:
        error = json.dumps(self.output.get("error", self.output))[:4000]
        return f"{self.args[0]} exited {self.returncode}: {error}\n{self.stderr[-2000:]}"


class NodeScript(Protocol):
    """Runs one harness script: ``node_script("wallet_vci.mjs", "--offer", uri)``."""

    def __call__(self, script: str, *args: str) -> NodeRun: ...


@dataclass(frozen=True, slots=True)
class Server:
    """A running ``oid4vc serve`` process."""

    base_url: str
    admin_token: str
    data_dir: Path
    log_path: Path

    def request(
        self, method: str, path: str, body: JsonObject | None = None, *, admin: bool = False
    ) -> tuple[int, JsonObject]:
        """Send one JSON request; return (status, parsed body). Errors come back as statuses, not raises."""
        url = path if path.startswith("http") else f"{self.base_url}{path}"
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if admin:
            headers["Authorization"] = f"Bearer {self.admin_token}"
        req = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                raw = resp.read()
                status = int(resp.status)
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            status = exc.code
            exc.close()
        try:
            parsed = json.loads(raw) if raw else {}
        except ValueError:
            parsed = {"_raw": raw[:2000].decode("utf-8", "replace")}
        return status, parsed if isinstance(parsed, dict) else {"_value": parsed}

    def log_tail(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")[-4000:]
        except OSError:
            return ""


@dataclass(slots=True)
class ResultLog:
    """Rows for ``conformance/interop/results.json`` (one per library x format x flow)."""

    rows: list[JsonObject] = field(default_factory=list)
    libraries: dict[str, str] = field(default_factory=dict)

    def record(
        self,
        *,
        library: str,
        version: str | None,
        role: str,
        format: str,
        credential_configuration_id: str,
        flow: str,
        passed: bool,
        detail: str = "",
    ) -> None:
        if version:
            self.libraries[library] = version
        self.rows.append(
            {
                "library": library,
                "version": version,
                "role": role,
                "format": format,
                "credential_configuration_id": credential_configuration_id,
                "flow": flow,
                "result": "pass" if passed else "fail",
                "detail": detail[:500],
            }
        )


def _node_modules_present() -> bool:
    return (INTEROP_DIR / "node_modules").is_dir()


@pytest.fixture(scope="session")
def node_bin() -> str:
    if not _node_modules_present():
        pytest.skip(
            "conformance/interop/node_modules is missing: run `npm ci` in conformance/interop "
            "to enable the third-party wallet interop tests"
        )
    node = shutil.which("node")
    if node is None:
        pytest.skip("`node` is not on PATH (Node >= 20 is needed for conformance/interop)")
    return node


@pytest.fixture(scope="session")
def node_script(node_bin: str) -> NodeScript:
    """``node_script("wallet_vci.mjs", "--offer", uri)`` -> NodeRun."""

    def run(script: str, *args: str) -> NodeRun:
        proc = subprocess.run(
            [node_bin, str(INTEROP_DIR / script), *args],
            cwd=INTEROP_DIR,
            capture_output=True,
            text=True,
            timeout=NODE_TIMEOUT_S,
            check=False,
        )
        lines = [line for line in proc.stdout.splitlines() if line.strip()]
        try:
            output = json.loads(lines[-1]) if lines else {}
        except ValueError:
            output = {
                "ok": False,
                "error": {"message": "script printed no JSON", "stdout": proc.stdout[-2000:]},
            }
        return NodeRun(args=(script, *args), returncode=proc.returncode, output=output, stderr=proc.stderr)

    return run


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _server_command() -> list[str]:
    script = Path(sys.executable).with_name("oid4vc")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "oid4vc"]


@pytest.fixture(scope="session")
def oid4vc_server(node_bin: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The real server on a free 127.0.0.1 port; killed at the end of the session."""
    port = _free_port()
    root = tmp_path_factory.mktemp("oid4vc-interop")
    data_dir = root / "data"
    data_dir.mkdir()
    log_path = root / "server.log"
    token = secrets.token_urlsafe(24)
    env = {**os.environ, "OID4VC_ADMIN_TOKEN": token}
    cmd = [
        *_server_command(),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--data-dir",
        str(data_dir),
    ]
    server = Server(base_url=f"http://127.0.0.1:{port}", admin_token=token, data_dir=data_dir, log_path=log_path)
    with log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=root)
    try:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                pytest.fail(f"oid4vc serve exited with {proc.returncode}:\n{server.log_tail()}")
            try:
                status, _ = server.request("GET", "/.well-known/openid-credential-issuer")
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"oid4vc serve not ready after {READY_TIMEOUT_S}s:\n{server.log_tail()}")
            time.sleep(0.1)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture(scope="session")
def issuer_metadata(oid4vc_server: Server) -> JsonObject:
    status, body = oid4vc_server.request("GET", "/.well-known/openid-credential-issuer")
    assert status == 200, body
    return body


@pytest.fixture(scope="session")
def as_metadata(oid4vc_server: Server) -> JsonObject:
    """RFC 8414 metadata of the issuer's own Authorization Server (OpenID4VCI 1.0 #section-12.3)."""
    status, body = oid4vc_server.request("GET", "/.well-known/oauth-authorization-server")
    assert status == 200, body
    return body


@pytest.fixture(scope="session")
def interop_results(node_bin: str) -> Iterator[ResultLog]:
    """Collects rows and writes ``conformance/interop/results.json`` when the session ends."""
    log = ResultLog()
    try:
        previous = json.loads(RESULTS_PATH.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        previous = {}
    yield log
    if not log.rows:
        return
    # Keep the rows of interop tests that did not run this session (a partial run must not erase them).
    key = ("library", "role", "format", "credential_configuration_id", "flow")
    fresh = {tuple(row.get(k) for k in key) for row in log.rows}
    for row in previous.get("results", []):
        if isinstance(row, dict) and tuple(row.get(k) for k in key) not in fresh:
            log.rows.append(row)
            library, version = row.get("library"), row.get("version")
            if isinstance(library, str) and isinstance(version, str):
                log.libraries.setdefault(library, version)
    node_version = subprocess.run(
        [node_bin, "--version"], capture_output=True, text=True, check=False, timeout=10
    ).stdout.strip()
    document = {
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "node": node_version,
        "libraries": dict(sorted(log.libraries.items())),
        "results": log.rows,
    }
    RESULTS_PATH.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    from conformance.compatibility import OUT, render

    OUT.write_text(render(document), encoding="utf-8")  # docs/wallet-compatibility.md, from what passed
