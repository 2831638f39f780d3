"""Third-party wallet presents to our verifier (OpenID4VP 1.0 §5, §5.9.3, §5.10, §8.2, §8.3; App. B).

One ``oid4vc serve`` process per Client Identifier Prefix (``decentralized_identifier``, ``x509_san_dns`` with a
``localhost`` public URL, ``x509_hash``, ``redirect_uri``; set with ``OID4VC_VERIFIER_CLIENT_ID_PREFIX``). Each
server issues an Open Badge in every format to the ``@openid4vc/openid4vci`` wallet (``wallet_vci.mjs``; the
``ldp_vc`` holder is an Ed25519 ``did:key``), then the ``@openid4vc/openid4vp`` wallet (``wallet_vp.mjs``)
resolves the verifier's request, presents (SD-JWT + KB-JWT, VP-JWT, ``ldp_vp`` with ``eddsa-rdfc-2022``) and posts
the response (``direct_post`` or ``direct_post.jwt``). The admin API must report ``verified`` with exactly the
disclosed claims; a presentation with one flipped signature byte must be ``rejected``. Outcomes are written to
``conformance/interop/results.json`` (role ``wallet-presenter``) next to the issuance rows.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conformance.tests.conftest import (
    READY_TIMEOUT_S,
    JsonObject,
    NodeRun,
    NodeScript,
    ResultLog,
    Server,
    _free_port,
    _server_command,
)

pytestmark = pytest.mark.interop

LIBRARY = "@openid4vc/openid4vp"
ROLE = "wallet-presenter"
PREFIXES = ("decentralized_identifier", "x509_san_dns", "x509_hash", "redirect_uri")
SIGNED_PREFIXES = PREFIXES[:3]
MODES = ("direct_post", "direct_post.jwt")
CONFIGS = {
    "dc+sd-jwt": "OpenBadgeCredential_dc_sd_jwt",
    "jwt_vc_json": "OpenBadgeCredential_jwt_vc_json",
    "ldp_vc": "OpenBadgeCredential_ldp_vc",
}
NAME = ["credentialSubject", "achievement", "name"]
RESULT = ["credentialSubject", "result"]
W3C_TYPES = [
    [
        "https://www.w3.org/2018/credentials#VerifiableCredential",
        "https://purl.imsglobal.org/spec/vc/ob/vocab.html#OpenBadgeCredential",
    ]
]
SUBJECT: JsonObject = {
    "achievement": {
        "id": "https://example.edu/achievements/nursing-101",
        "type": ["Achievement"],
        "name": "Nursing Basics",
        "description": "Foundations of patient care.",
        "criteria": {"narrative": "Completed the practicum."},
    },
    "result": [{"type": ["Result"], "value": "A"}],
}


@dataclass(frozen=True, slots=True)
class Verifier:
    """One server configured with one Client Identifier Prefix, and the credentials it issued."""

    prefix: str
    server: Server
    public_url: str
    credential_files: dict[str, Path]

    def issued(self, fmt: str) -> JsonObject:
        data: JsonObject = json.loads(self.credential_files[fmt].read_text(encoding="utf-8"))
        return data


# --- servers ---------------------------------------------------------------------------------------------------


@contextmanager
def _serve(prefix: str, root: Path) -> Iterator[tuple[Server, str, subprocess.Popen[bytes]]]:
    """Start ``oid4vc serve`` for ``prefix`` (not yet ready); terminate it on exit."""
    port = _free_port()
    data_dir = root / prefix / "data"
    data_dir.mkdir(parents=True)
    log_path = root / prefix / "server.log"
    token = secrets.token_urlsafe(24)
    env = {**os.environ, "OID4VC_ADMIN_TOKEN": token, "OID4VC_VERIFIER_CLIENT_ID_PREFIX": prefix}
    # x509_san_dns needs a DNS name as the public URL's host (the dev certificate's dNSName SAN).
    public_url = f"http://localhost:{port}" if prefix == "x509_san_dns" else f"http://127.0.0.1:{port}"
    cmd = [*_server_command(), "serve", "--host", "127.0.0.1", "--port", str(port), "--data-dir", str(data_dir)]
    cmd += ["--public-url", public_url]
    server = Server(base_url=f"http://127.0.0.1:{port}", admin_token=token, data_dir=data_dir, log_path=log_path)
    with log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=root / prefix)
    try:
        yield server, public_url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _wait_ready(server: Server, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while True:
        if proc.poll() is not None:
            pytest.fail(f"oid4vc serve exited with {proc.returncode}:\n{server.log_tail()}")
        try:
            status, _ = server.request("GET", "/.well-known/openid-credential-issuer")
            if status == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"oid4vc serve not ready after {READY_TIMEOUT_S}s:\n{server.log_tail()}")
        time.sleep(0.1)


def _issue(server: Server, fmt: str, node_script: NodeScript, out: Path) -> Path:
    """Redeem a fresh offer with wallet_vci.mjs and keep its output (with the holder's private key)."""
    body = {"credential_configuration_id": CONFIGS[fmt], "credential_subject": SUBJECT, "expires_in": 600}
    status, offer = server.request("POST", "/admin/offers", body, admin=True)
    assert status == 201, f"POST /admin/offers -> {status} {offer}"
    args = ["--offer", offer["offer_uri"], "--allow-insecure-urls", "--dpop", "never", "--export-private-keys"]
    if fmt == "ldp_vc":  # an ldp_vp is signed by an Ed25519 did:key holder that is the credential's subject
        args += ["--holder-key", "ed25519", "--kid-did-key"]
    run = node_script("wallet_vci.mjs", *args)
    assert run.ok, run.describe()
    out.write_text(json.dumps(run.output), encoding="utf-8")
    return out


def _status_list_urls(issued: JsonObject) -> list[str]:
    """Status list URLs a credential names (W3C ``credentialStatus`` or SD-JWT VC ``status.status_list``)."""
    credential = issued["credentials"][0]
    if isinstance(credential, str):
        segment = credential.split("~")[0].split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
        credential = claims.get("vc", claims)
        token_list = (claims.get("status") or {}).get("status_list") or {}
        if isinstance(token_list.get("uri"), str):
            return [token_list["uri"]]
    entries = credential.get("credentialStatus") or []
    entries = entries if isinstance(entries, list) else [entries]
    return [e["statusListCredential"] for e in entries if isinstance(e, dict) and "statusListCredential" in e]


def _warm_status_lists(server: Server, files: list[Path]) -> None:
    """Have the server sign its status lists once, after all issuance and before any presentation.

    Works around a server race this harness hit (not a library issue): a status list (re)built *during* a
    verification gets ``validFrom`` = the build time truncated to seconds, while the status check compares it with
    the ``now`` taken when the response arrived; across a second boundary the list is "not yet valid" and the
    presentation is rejected (``status: unknown: STATUS_VERIFICATION_ERROR``)."""
    urls = {url for path in files for url in _status_list_urls(json.loads(path.read_text(encoding="utf-8")))}
    for url in sorted(urls):
        status, body = server.request("GET", url)
        assert status == 200, f"GET {url} -> {status} {body}"


@pytest.fixture(scope="module")
def verifiers(node_script: NodeScript, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Verifier]]:
    root = tmp_path_factory.mktemp("oid4vc-vp-interop")
    with ExitStack() as stack:
        started = {prefix: stack.enter_context(_serve(prefix, root)) for prefix in PREFIXES}
        for server, _, proc in started.values():
            _wait_ready(server, proc)
        jobs = [(prefix, fmt) for prefix in PREFIXES for fmt in CONFIGS]
        with ThreadPoolExecutor(max_workers=6) as pool:
            files = list(
                pool.map(
                    lambda job: _issue(started[job[0]][0], job[1], node_script, root / job[0] / f"{job[1]}.json"),
                    jobs,
                )
            )
        by_prefix: dict[str, dict[str, Path]] = {prefix: {} for prefix in PREFIXES}
        for (prefix, fmt), path in zip(jobs, files, strict=True):
            by_prefix[prefix][fmt] = path
        for prefix, paths in by_prefix.items():
            _warm_status_lists(started[prefix][0], list(paths.values()))
        yield {
            prefix: Verifier(prefix, server, public_url, by_prefix[prefix])
            for prefix, (server, public_url, _) in started.items()
        }


# --- helpers ---------------------------------------------------------------------------------------------------


def _dcql(verifier: Verifier, fmt: str) -> JsonObject:
    meta: JsonObject = (
        {"vct_values": [f"{verifier.public_url}/vct/OpenBadgeCredential"]}
        if fmt == "dc+sd-jwt"
        else {"type_values": W3C_TYPES}
    )
    return {"credentials": [{"id": "badge", "format": fmt, "meta": meta, "claims": [{"path": NAME}]}]}


def _create(verifier: Verifier, fmt: str, mode: str, **extra: Any) -> JsonObject:
    body = {"dcql_query": _dcql(verifier, fmt), "response_mode": mode, **extra}
    status, created = verifier.server.request("POST", "/admin/presentations", body, admin=True)
    assert status == 201, f"POST /admin/presentations -> {status} {created}"
    assert created["request_uri"].startswith("openid4vp://?client_id="), created["request_uri"]
    return created


def _present(node_script: NodeScript, verifier: Verifier, fmt: str, created: JsonObject, *extra: str) -> NodeRun:
    args = ["--request", created["request_uri"], "--credential-file", str(verifier.credential_files[fmt])]
    args += ["--allow-insecure-urls", *extra]
    if verifier.prefix.startswith("x509_"):
        args.append("--accept-self-signed-x5c")  # the dev certificate is a self-signed leaf
    return node_script("wallet_vp.mjs", *args)


def _status(verifier: Verifier, created: JsonObject) -> JsonObject:
    status, body = verifier.server.request("GET", f"/admin/presentations/{created['id']}", admin=True)
    assert status == 200, f"GET /admin/presentations/{created['id']} -> {status} {body}"
    return body


def _output(run: NodeRun) -> JsonObject:
    """The wallet's report; on failure (non-2xx from the Response URI) it sits in error.details."""
    if run.ok:
        return run.output
    details = (run.output.get("error") or {}).get("details")
    return details if isinstance(details, dict) else {}


@contextmanager
def _recording(results: ResultLog, fmt: str, flow: str) -> Iterator[JsonObject]:
    row: JsonObject = {"detail": ""}
    try:
        yield row
    except AssertionError as exc:
        results.record(
            library=LIBRARY,
            version=row.get("version"),
            role=ROLE,
            format=fmt,
            credential_configuration_id=CONFIGS[fmt],
            flow=flow,
            passed=False,
            detail=str(exc),
        )
        raise
    results.record(
        library=LIBRARY,
        version=row.get("version"),
        role=ROLE,
        format=fmt,
        credential_configuration_id=CONFIGS[fmt],
        flow=flow,
        passed=True,
        detail=str(row["detail"]),
    )


def _assert_wallet_side(out: JsonObject, verifier: Verifier, mode: str) -> None:
    assert out.get("client_id_prefix") == verifier.prefix, out.get("client_id_prefix")
    assert out.get("response_mode") == mode, out.get("response_mode")
    assert out.get("version") == 100, f"oid4vc-ts parsed the request as draft {out.get('version')}"
    if verifier.prefix in SIGNED_PREFIXES:
        assert out.get("request_by") == "reference"
        request_object = out.get("request_object") or {}
        assert request_object.get("signature_verified") is True, request_object
        assert request_object.get("typ") == "oauth-authz-req+jwt", request_object
    else:
        assert out.get("request_by") == "value" and out.get("request_object") is None
    if verifier.prefix.startswith("x509_"):
        assert (out.get("x5c_trust") or {}).get("accepted") is True, out.get("x5c_trust")
    if mode == "direct_post.jwt":
        header = out.get("jwe_header") or {}
        assert header.get("alg") == "ECDH-ES" and header.get("enc") in {"A128GCM", "A256GCM"}, header


def _assert_verified(result: JsonObject, fmt: str, issued: JsonObject, disclosed_result: bool) -> None:
    assert result["status"] == "verified", (
        f"{result['status']}: {result.get('error')} {result.get('error_description')}"
    )
    [entry] = result["credentials"]
    assert entry["format"] == fmt and entry["query_id"] == "badge", entry
    assert entry["requested_claims"] == [{"id": None, "path": NAME, "values": ["Nursing Basics"]}]
    outcomes = {name: check["outcome"] for name, check in entry["checks"].items()}
    assert outcomes["signature"] == "passed" and outcomes["holder_binding"] == "passed", outcomes
    assert "failed" not in outcomes.values(), outcomes
    subject = entry["claims"]["credentialSubject"]
    assert subject["achievement"]["name"] == "Nursing Basics"
    if fmt == "dc+sd-jwt":
        # exactly what the holder disclosed: the selectively disclosable result only when asked for
        assert ("result" in subject) is disclosed_result, sorted(subject)
    else:
        assert entry["holder"] == issued["holder_did"], entry["holder"]
        assert subject.get("id") == issued["holder_did"], subject.get("id")


# --- tests -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", list(CONFIGS))
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("prefix", PREFIXES)
def test_wallet_presents(
    prefix: str,
    mode: str,
    fmt: str,
    verifiers: dict[str, Verifier],
    node_script: NodeScript,
    interop_results: ResultLog,
) -> None:
    verifier = verifiers[prefix]
    # SD-JWT: nothing selectively disclosed with direct_post, the result disclosed with direct_post.jwt.
    disclose = fmt == "dc+sd-jwt" and mode == "direct_post.jwt"
    # Both content encryption algorithms the verifier offers: A256GCM for VP-JWTs, the library's pick otherwise.
    enc = ["--enc", "A256GCM"] if mode == "direct_post.jwt" and fmt == "jwt_vc_json" else []
    extra = ["--disclose", ".".join(RESULT)] if disclose else []
    with _recording(interop_results, fmt, f"{prefix} {mode}") as row:
        created = _create(verifier, fmt, mode)
        run = _present(node_script, verifier, fmt, created, *extra, *enc)
        out = _output(run)
        row["version"] = (out.get("versions") or {}).get(LIBRARY)
        assert run.ok, run.describe()
        assert out["response_status"] == 200 and out["response_body"] == {}, out["response_body"]
        _assert_wallet_side(out, verifier, mode)
        if enc:
            assert out["jwe_header"]["enc"] == "A256GCM", out["jwe_header"]
        _assert_verified(_status(verifier, created), fmt, verifier.issued(fmt), disclose)
        jwe = out.get("jwe_header") or {}
        row["detail"] = " ".join(
            part
            for part in (
                f"request by {out['request_by']}",
                f"enc {jwe['enc']}" if jwe else "",
                "disclosed credentialSubject.result" if disclose else "",
                "self-signed x5c accepted explicitly" if out.get("x5c_trust") else "",
            )
            if part
        )


@pytest.mark.parametrize("fmt", list(CONFIGS))
@pytest.mark.parametrize(
    ("prefix", "mode"), [("decentralized_identifier", "direct_post.jwt"), ("x509_san_dns", "direct_post")]
)
def test_tampered_presentation_is_rejected(
    prefix: str,
    mode: str,
    fmt: str,
    verifiers: dict[str, Verifier],
    node_script: NodeScript,
    interop_results: ResultLog,
) -> None:
    """One flipped byte in the holder's signature (KB-JWT, VP-JWT, ldp_vp proofValue): 400 and ``rejected``."""
    verifier = verifiers[prefix]
    with _recording(interop_results, fmt, f"{prefix} {mode} tampered holder signature") as row:
        created = _create(verifier, fmt, mode)
        run = _present(node_script, verifier, fmt, created, "--tamper")
        out = _output(run)
        row["version"] = (out.get("versions") or {}).get(LIBRARY)
        assert not run.ok, "the verifier accepted a presentation with a broken holder signature"
        assert out.get("submitted") is True, run.describe()
        assert out["response_status"] == 400, out.get("response_status")
        assert out["response_body"].get("error") == "invalid_request", out["response_body"]
        result = _status(verifier, created)
        assert result["status"] == "rejected", result["status"]
        assert result["error"] in {"holder_binding_failed", "bad_signature"}, result["error"]
        row["detail"] = f"{out['tampered']} flipped -> rejected: {result['error']}"


@pytest.mark.parametrize("library_body", [False, True], ids=["wallet_nonce", "library-body"])
@pytest.mark.parametrize("prefix", SIGNED_PREFIXES)
def test_request_uri_method_post(
    prefix: str,
    library_body: bool,
    verifiers: dict[str, Verifier],
    node_script: NodeScript,
    interop_results: ResultLog,
) -> None:
    """§5.10: the wallet POSTs to the Request URI. With the spec body (``wallet_nonce``, ``wallet_metadata``) the
    Request Object must echo the nonce (the library checks it); with the library's own body (metadata members as
    form fields, no nonce: a 0.4.6 quirk) the verifier still answers and the Request Object carries no nonce."""
    verifier = verifiers[prefix]
    fmt = "dc+sd-jwt"
    flow = f"{prefix} direct_post request_uri_method=post" + (" library body" if library_body else "")
    with _recording(interop_results, fmt, flow) as row:
        created = _create(verifier, fmt, "direct_post", request_uri_method="post")
        assert "request_uri_method=post" in created["request_uri"]
        run = _present(node_script, verifier, fmt, created, *(["--library-post-body"] if library_body else []))
        out = _output(run)
        row["version"] = (out.get("versions") or {}).get(LIBRARY)
        assert run.ok, run.describe()
        assert [h["method"] for h in out["http"]] == ["POST", "POST"], out["http"]
        nonce = out["wallet_nonce"]
        if library_body:
            assert nonce == {"sent": False, "in_request_object": None}, nonce
            assert "wallet_nonce" not in (out.get("library_post_body") or ""), out.get("library_post_body")
        else:
            assert nonce["sent"] is True and isinstance(nonce["in_request_object"], str), nonce
        _assert_verified(_status(verifier, created), fmt, verifier.issued(fmt), disclosed_result=False)
        row["detail"] = (
            "wallet_nonce echoed in the Request Object"
            if not library_body
            else "library body: no wallet_nonce sent, metadata as top-level form fields"
        )


def test_untrusted_x5c_is_refused_by_the_wallet(verifiers: dict[str, Verifier], node_script: NodeScript) -> None:
    """Without an explicit decision to trust the self-signed dev certificate the wallet stops before presenting."""
    verifier = verifiers["x509_hash"]
    created = _create(verifier, "jwt_vc_json", "direct_post")
    args = ["--request", created["request_uri"], "--credential-file", str(verifier.credential_files["jwt_vc_json"])]
    run = node_script("wallet_vp.mjs", *args, "--allow-insecure-urls")
    assert not run.ok
    assert "self-signed" in json.dumps(run.output.get("error")), run.describe()
    assert _status(verifier, created)["status"] == "pending"
