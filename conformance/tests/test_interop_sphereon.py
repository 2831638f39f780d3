"""Sphereon's wallet library against the real server (OpenID4VCI 1.0 #section-3.5, pre-authorized code).

``conformance/interop/wallet_sphereon.mjs`` drives ``OpenID4VCIClient`` of ``@sphereon/oid4vci-client`` (offer by
reference or by value, with and without ``tx_code``, proof key as ``jwk`` or as a ``did:jwk`` ``kid``) for every
credential configuration in the server's metadata whose format has a verification script. Two release lines are
installed: 0.20.1 (the newest; speaks draft 15) and 0.16.0 (the newest whose declared dependencies all exist in the
registry; speaks draft 13). Neither sends the OpenID4VCI 1.0 ``proofs`` parameter (#section-8.2), so a 1.0 issuer
must refuse their credential requests: those flows are recorded as failures, and the tests are ``xfail(strict)``
only for that exact, checked gap (anything else fails normally). A third set of flows runs 0.20.1 with the wallet
script rewriting ``proof`` into ``proofs`` on the wire; what it receives is checked with an independent library as in
``test_interop_vci.py`` and the admin API must report ``issued``.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

from conformance.tests.conftest import JsonObject, NodeRun, NodeScript, ResultLog, Server
from conformance.tests.test_interop_vci import (
    VERIFIER_SCRIPTS,
    Flow,
    _configs_with_format,
    _create_offer,
    _subject_for,
    _subject_ids,
    _verify,
)

pytestmark = pytest.mark.interop

LIBRARY = "@sphereon/oid4vci-client"
PARALLEL = 4

# Row details (short, they end up in docs/wallet-compatibility.md) and the longer xfail reasons.
GAP_DRAFT15 = "draft-15 `proof` instead of `proofs` (OpenID4VCI 1.0 #section-8.2)"
GAP_DRAFT13 = (
    "draft-13 request: `format` + `credential_definition` + `proof`, no `credential_configuration_id`; proof JWT "
    "without `nonce` (no Nonce Endpoint call)"
)
GAP_SD_JWT = "client refuses format `dc+sd-jwt` (knows draft-13 `vc+sd-jwt` only); no request sent"
XFAIL_DRAFT15 = (
    "@sphereon/oid4vci-client 0.20.1 sends the draft-15 `proof` object (with `credential_configuration_id`); "
    "OpenID4VCI 1.0 #section-8.2 defines only `proofs`, required when the configuration lists `proof_types_supported`"
)
XFAIL_DRAFT13 = (
    "@sphereon/oid4vci-client 0.16.0 speaks draft 13: `format` + `credential_definition` + `proof` and no "
    "`credential_configuration_id`, a proof JWT without `nonce` (it never calls the Nonce Endpoint), and no "
    "`dc+sd-jwt`; OpenID4VCI 1.0 #section-8.2 needs `credential_configuration_id` and `proofs`"
)


@dataclass(frozen=True, slots=True)
class Line:
    """One way of running the library: results.json label, npm package to import, and the proofs shim."""

    label: str
    package: str
    proofs_shim: bool = False
    draft: int = 15

    def flow_name(self, flow: Flow) -> str:
        return f"{flow.name} [harness: proof->proofs]" if self.proofs_shim else flow.name


LATEST = Line(LIBRARY, "@sphereon/oid4vci-client")
LATEST_SHIMMED = Line(LIBRARY, "@sphereon/oid4vci-client", proofs_shim=True)
LEGACY = Line(f"{LIBRARY}@0.16.0", "sphereon-oid4vci-client-0.16", draft=13)

FLOWS = [
    Flow("pre-auth by_reference"),
    Flow("pre-auth by_reference tx_code", tx_code=True),
    Flow("pre-auth by_value kid=did:jwk", by_reference=False, kid_did_jwk=True),
]


class LibraryGap(AssertionError):
    """The library failed in the known way: its request has a draft shape that a 1.0 issuer must refuse."""


def _xfail(reason: str) -> pytest.MarkDecorator:
    return pytest.mark.xfail(strict=True, raises=LibraryGap, reason=reason)


LINES = [
    pytest.param(LATEST, id="0.20.1", marks=_xfail(XFAIL_DRAFT15)),
    pytest.param(LATEST_SHIMMED, id="0.20.1-proofs-shim"),
    pytest.param(LEGACY, id="0.16.0", marks=_xfail(XFAIL_DRAFT13)),
]


def _wallet(node_script: NodeScript, line: Line, offer: JsonObject, config_id: str, flow: Flow) -> NodeRun:
    args = ["--offer", offer["offer_uri"], "--config-id", config_id, "--package", line.package]
    if flow.tx_code:
        args += ["--tx-code", offer["tx_code"]]
    if flow.kid_did_jwk:
        args.append("--kid-did-jwk")
    if line.proofs_shim:
        args.append("--proofs-shim")
    return node_script("wallet_sphereon.mjs", *args)


def _known_gap(line: Line, fmt: str, out: JsonObject) -> str | None:
    """The documented reason when the run failed exactly in the known way (everything before it worked)."""
    error = out.get("error") or {}
    details = error.get("details") or {}
    if details.get("stage") != "credential":
        return None
    tokens = [h for h in details.get("http", []) if str(h.get("url", "")).endswith("/token")]
    if not tokens or tokens[-1].get("status") != 200:
        return None
    requests = details.get("credential_requests") or []
    if not requests:
        if line.draft == 13 and fmt == "dc+sd-jwt" and "Invalid format: dc+sd-jwt" in str(error.get("message")):
            return GAP_SD_JWT
        return None
    last = requests[-1]
    sent = set(last.get("sent_by_library", {}).get("parameters", []))
    answer = last.get("error_response") or {}
    if last.get("status") != 400 or "proof" not in sent or "proofs" in sent or line.proofs_shim:
        return None
    if answer.get("error") not in {"invalid_credential_request", "invalid_proof"}:
        return None
    described = f" -> 400 {answer.get('error')}: {answer.get('error_description', '')}"
    if line.draft == 15 and "credential_configuration_id" in sent:
        return GAP_DRAFT15 + described
    if line.draft == 13 and {"format", "credential_definition"} <= sent:
        return GAP_DRAFT13 + described
    return None


def _check_received(fmt: str, out: JsonObject, server: Server, node_script: NodeScript) -> None:
    """Independent signature check and holder binding of every credential the library handed back."""
    assert out["format"] == fmt
    for credential, holder_jwk, holder_did in zip(
        out["credentials"], out["holder_jwks"], out["holder_dids"], strict=True
    ):
        verified = _verify(node_script, server, fmt, credential, holder_jwk)
        assert verified.ok, verified.describe()
        body = verified.output
        assert body["valid"] is True
        failed_checks = {k: v for k, v in (body.get("checks") or {}).items() if v is False}
        assert not failed_checks, f"checks failed: {failed_checks}"
        binding = body.get("holder_binding") or {}
        assert binding.get("matches") is True, f"credential not bound to the wallet key: {binding}"
        subject_ids = _subject_ids(fmt, body)
        if fmt != "dc+sd-jwt":
            assert holder_did in subject_ids, f"credentialSubject.id {subject_ids} is not {holder_did}"


@dataclass(frozen=True, slots=True)
class Outcome:
    """One configuration's result: its results.json row, and the known-gap reason or the unexpected failure."""

    row: JsonObject
    passed: bool
    detail: str = ""
    gap: str | None = None


def _run_one(
    line: Line, flow: Flow, fmt: str, config_id: str, metadata: JsonObject, server: Server, node_script: NodeScript
) -> Outcome:
    """One offer redeemed by the library, its credentials checked independently (no recording: threads)."""
    offer = _create_offer(server, config_id, flow, _subject_for(metadata, config_id))
    wallet = _wallet(node_script, line, offer, config_id, flow)
    out = wallet.output
    error_details = (out.get("error") or {}).get("details") or {}
    row: JsonObject = {
        "library": line.label,
        "version": (out.get("versions") or {}).get(LIBRARY) or error_details.get("version"),
        "role": "wallet",
        "format": fmt,
        "credential_configuration_id": config_id,
        "flow": line.flow_name(flow),
    }
    if not wallet.ok:
        gap = _known_gap(line, fmt, out)
        return Outcome(row, False, f"known gap: {gap}" if gap else wallet.describe(), gap)
    try:
        detected = out["detected_version"]
        assert detected == (1015 if line.draft == 15 else 1013), f"library assumed spec version {detected}"
        _check_received(fmt, out, server, node_script)
        status, state = server.request("GET", f"/admin/offers/{offer['id']}", admin=True)
        assert status == 200, f"GET /admin/offers/{offer['id']} -> {status} {state}"
        assert state.get("state") == "issued", f"admin state {state.get('state')!r}, expected 'issued'"
    except AssertionError as exc:
        return Outcome(row, False, str(exc))
    return Outcome(row, True)


@pytest.mark.parametrize("flow", FLOWS, ids=lambda f: f.name.replace(" ", "-"))
@pytest.mark.parametrize("line", LINES)
def test_sphereon_wallet(
    line: Line,
    flow: Flow,
    oid4vc_server: Server,
    issuer_metadata: JsonObject,
    node_script: NodeScript,
    interop_results: ResultLog,
) -> None:
    targets = [(fmt, cid) for fmt in sorted(VERIFIER_SCRIPTS) for cid in _configs_with_format(issuer_metadata, fmt)]
    if not targets:
        pytest.skip("the server's metadata lists no configuration in a format with a verification script")

    def one(target: tuple[str, str]) -> Outcome:
        fmt, config_id = target
        return _run_one(line, flow, fmt, config_id, issuer_metadata, oid4vc_server, node_script)

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        outcomes = list(pool.map(one, targets))  # in target order, so results.json rows are stable
    for outcome in outcomes:
        interop_results.record(**outcome.row, passed=outcome.passed, detail=outcome.detail)
    failures = [f"[{o.row['credential_configuration_id']}] {o.detail}" for o in outcomes if not o.passed and not o.gap]
    assert not failures, "\n".join(failures)
    gaps = {o.row["credential_configuration_id"]: o.gap for o in outcomes if o.gap}
    if gaps:
        raise LibraryGap(json.dumps(gaps, indent=1))
