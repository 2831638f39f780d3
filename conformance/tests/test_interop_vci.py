"""Third-party wallet interop against the real server (OpenID4VCI 1.0 #section-3.5, pre-authorized code).

For every credential configuration the server's metadata lists whose format has a verification script
(``jwt_vc_json``, ``ldp_vc``, ``dc+sd-jwt``), the ``@openid4vc/openid4vci`` wallet in
``conformance/interop/wallet_vci.mjs`` redeems a pre-authorized code offer (by reference or by value, with and
without ``tx_code``, proof key as ``jwk`` or as a ``did:jwk`` ``kid``, batch when offered). The credential is
then checked by an independent library (``jose``, ``@digitalcredentials/vc``, ``@sd-jwt/sd-jwt-vc``), its
holder binding is compared with the wallet's key, and the admin API must report the offer as ``issued``.
Each outcome is written to ``conformance/interop/results.json``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from conformance.tests.conftest import JsonObject, NodeRun, NodeScript, ResultLog, Server

pytestmark = pytest.mark.interop

WALLET_LIBRARY = "@openid4vc/openid4vci"

VERIFIER_SCRIPTS: dict[str, tuple[str, str]] = {
    "jwt_vc_json": ("verify_jwt_vc.mjs", "jose"),
    "ldp_vc": ("verify_ldp_vc.mjs", "@digitalcredentials/vc"),
    "dc+sd-jwt": ("verify_sd_jwt_vc.mjs", "@sd-jwt/sd-jwt-vc"),
}

CREDENTIAL_SUBJECT: JsonObject = {
    "achievement": {
        "id": "https://example.edu/achievements/1",
        "type": ["Achievement"],
        "name": "Nursing Basics",
        "description": "Foundations of patient care.",
        "criteria": {"narrative": "Completed the course and the practical assessment."},
    }
}


@dataclass(frozen=True, slots=True)
class Flow:
    name: str
    by_reference: bool = True
    tx_code: bool = False
    kid_did_jwk: bool = False
    batch: int = 1
    dpop: bool = False


FLOWS = [
    Flow("pre-auth by_reference"),
    Flow("pre-auth by_reference tx_code", tx_code=True),
    Flow("pre-auth by_value kid=did:jwk", by_reference=False, kid_did_jwk=True),
    Flow("pre-auth batch=2", batch=2),
    Flow("pre-auth DPoP", dpop=True),
]


def _configs_with_format(metadata: JsonObject, fmt: str) -> list[str]:
    configs: dict[str, JsonObject] = metadata.get("credential_configurations_supported", {})
    return sorted(cid for cid, conf in configs.items() if conf.get("format") == fmt)


def _subject_for(metadata: JsonObject, config_id: str) -> JsonObject:
    """An Open Badge subject, or a CLR of two badges when the configuration issues a ClrCredential."""
    config = metadata["credential_configurations_supported"][config_id]
    types = (config.get("credential_definition") or {}).get("type", [])
    if "ClrCredential" in types:
        second = {"achievement": dict(CREDENTIAL_SUBJECT["achievement"], id="https://example.edu/achievements/2")}
        return {"name": "Interop transcript", "credential_subjects": [CREDENTIAL_SUBJECT, second]}
    return CREDENTIAL_SUBJECT


def _create_offer(server: Server, config_id: str, flow: Flow, subject: JsonObject = CREDENTIAL_SUBJECT) -> JsonObject:
    body: JsonObject = {
        "credential_configuration_id": config_id,
        "credential_subject": subject,
        "tx_code": flow.tx_code,
        "by_reference": flow.by_reference,
        "expires_in": 600,
    }
    status, offer = server.request("POST", "/admin/offers", body, admin=True)
    assert status == 201, f"POST /admin/offers -> {status} {offer}"
    query = parse_qs(urlsplit(offer["offer_uri"]).query)
    expected = "credential_offer_uri" if flow.by_reference else "credential_offer"
    assert expected in query, f"offer_uri lacks {expected}: {offer['offer_uri']}"
    if flow.tx_code:
        assert isinstance(offer.get("tx_code"), str), "tx_code asked for but missing from POST /admin/offers"
    return offer


def _wallet(node_script: NodeScript, offer: JsonObject, config_id: str, flow: Flow) -> NodeRun:
    args = ["--offer", offer["offer_uri"], "--config-id", config_id, "--allow-insecure-urls"]
    if flow.tx_code:
        args += ["--tx-code", offer["tx_code"]]
    if flow.kid_did_jwk:
        args.append("--kid-did-jwk")
    if flow.batch > 1:
        args += ["--batch", str(flow.batch)]
    args += ["--dpop", "always" if flow.dpop else "never"]
    return node_script("wallet_vci.mjs", *args)


def _local_document(server: Server, url: str) -> str | None:
    """GET a JSON document served by the server under test (loopback only)."""
    if not url.startswith(server.base_url):
        return None
    status, body = server.request("GET", url)
    return json.dumps(body) if status == 200 else None


def _did_web_url(server: Server, did: str) -> str | None:
    host = urlsplit(server.base_url).netloc
    parts = did.split("#")[0].split(":")
    if parts[:2] != ["did", "web"] or len(parts) < 3 or parts[2] != quote(host, safe=""):
        return None
    path = "/".join(parts[3:])
    return f"{server.base_url}/{path}/did.json" if path else f"{server.base_url}/.well-known/did.json"


def _ldp_args(server: Server, credential: JsonObject) -> list[str]:
    issuer = credential.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    args: list[str] = []
    if isinstance(issuer_id, str):
        url = _did_web_url(server, issuer_id) if issuer_id.startswith("did:web:") else issuer_id
        doc = _local_document(server, url) if url else None
        if doc:
            args += ["--controller-document", doc]
    return args


def _sd_jwt_args(server: Server, credential: str) -> list[str]:
    payload = json.loads(_b64url_json(credential.split("~")[0].split(".")[1]))
    iss = payload.get("iss", "")
    if not isinstance(iss, str) or not iss.startswith(server.base_url):
        return []  # did:jwk / did:key issuers are resolved by the script itself
    parts = urlsplit(iss)
    status, meta = server.request(
        "GET", f"{parts.scheme}://{parts.netloc}/.well-known/jwt-vc-issuer{parts.path.rstrip('/')}"
    )
    if status != 200:
        return []
    jwks = meta.get("jwks")
    if jwks is None and isinstance(meta.get("jwks_uri"), str):
        _, jwks = server.request("GET", meta["jwks_uri"])
    return ["--issuer-jwks", json.dumps(jwks)] if jwks else []


def _b64url_json(segment: str) -> str:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)).decode()


def _verify(node_script: NodeScript, server: Server, fmt: str, credential: Any, holder_jwk: JsonObject) -> NodeRun:
    script, _ = VERIFIER_SCRIPTS[fmt]
    holder = ["--holder-jwk", json.dumps(holder_jwk)]
    if fmt == "ldp_vc":
        assert isinstance(credential, dict), f"ldp_vc credential is not a JSON object: {type(credential)}"
        extra = _ldp_args(server, credential)
        return node_script(script, "--credential", json.dumps(credential), *holder, *extra)
    assert isinstance(credential, str), f"{fmt} credential must be a string, got {type(credential)}"
    extra = _sd_jwt_args(server, credential) if fmt == "dc+sd-jwt" else []
    return node_script(script, "--credential", credential, *holder, *extra)


def _tampered(fmt: str, credential: Any) -> Any:
    """A copy with one signed claim changed: the independent verifier must reject it."""
    if fmt == "ldp_vc":
        return dict(credential, name="Forged name")
    head, payload, *rest = credential.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["forged"] = True
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return ".".join([head, forged, *rest])


def _subject_ids(fmt: str, verified: JsonObject) -> list[str]:
    if fmt == "jwt_vc_json":
        payload = verified["payload"]
        vc = payload.get("vc", payload)
        subjects = vc.get("credentialSubject", [])
        return [s["id"] for s in (subjects if isinstance(subjects, list) else [subjects]) if "id" in s]
    if fmt == "ldp_vc":
        return [i for i in verified.get("credential_subject_ids", []) if i]
    return []


@pytest.mark.parametrize("flow", FLOWS, ids=lambda f: f.name.replace(" ", "-"))
@pytest.mark.parametrize("fmt", sorted(VERIFIER_SCRIPTS))
def test_wallet_receives_and_verifies(
    fmt: str,
    flow: Flow,
    oid4vc_server: Server,
    issuer_metadata: JsonObject,
    as_metadata: JsonObject,
    node_script: NodeScript,
    interop_results: ResultLog,
) -> None:
    config_ids = _configs_with_format(issuer_metadata, fmt)
    if not config_ids:
        pytest.skip(f"the server's metadata lists no {fmt} credential configuration")
    batch_size = int(issuer_metadata.get("batch_credential_issuance", {}).get("batch_size", 1))
    if flow.batch > batch_size:
        pytest.skip(f"the server offers batch_size={batch_size} (< {flow.batch})")
    if flow.dpop and "ES256" not in as_metadata.get("dpop_signing_alg_values_supported", []):
        pytest.skip("the server's AS metadata does not list ES256 in dpop_signing_alg_values_supported")

    failures: list[str] = []
    for config_id in config_ids:
        try:
            subject = _subject_for(issuer_metadata, config_id)
            _run_one(fmt, flow, config_id, subject, oid4vc_server, node_script, interop_results)
        except AssertionError as exc:
            failures.append(f"[{config_id}] {exc}")
    assert not failures, "\n".join(failures)


@contextmanager
def _recording(results: ResultLog, row: JsonObject) -> Iterator[JsonObject]:
    """Record one results.json row: pass when the block completes, fail (then re-raise) on AssertionError."""
    try:
        yield row
    except AssertionError as exc:
        results.record(**row, passed=False, detail=str(exc))
        raise
    results.record(**row, passed=True)


def _run_one(
    fmt: str, flow: Flow, config_id: str, subject: JsonObject, server: Server, node_script: NodeScript,
    results: ResultLog,
) -> None:
    offer = _create_offer(server, config_id, flow, subject)
    common = {"format": fmt, "credential_configuration_id": config_id, "flow": flow.name}

    wallet = _wallet(node_script, offer, config_id, flow)
    out = wallet.output
    version = (out.get("versions") or {}).get(WALLET_LIBRARY)
    with _recording(results, {"library": WALLET_LIBRARY, "version": version, "role": "wallet", **common}):
        assert wallet.ok, wallet.describe()
        assert out["detected_version"] == "V1", f"oid4vc-ts parsed the metadata as {out['detected_version']}"
        assert out["format"] == fmt
        assert out["c_nonce_source"] == "nonce_endpoint", out["c_nonce_source"]
        if flow.dpop:
            assert out["dpop"]["token_bound"] is True, f"token_type {out['token_response']['token_type']!r}"
        count = len(out["credentials"])
        assert count == flow.batch, f"{count} credentials for {flow.batch} proofs"

    _, library = VERIFIER_SCRIPTS[fmt]
    with _recording(results, {"library": library, "version": None, "role": "verifier", **common}) as row:
        for credential, holder_jwk, holder_did in zip(
            out["credentials"], out["holder_jwks"], out["holder_dids"], strict=True
        ):
            verified = _verify(node_script, server, fmt, credential, holder_jwk)
            row["version"] = (verified.output.get("versions") or {}).get(library)
            assert verified.ok, verified.describe()
            body = verified.output
            assert body["valid"] is True
            failed_checks = {k: v for k, v in (body.get("checks") or {}).items() if v is False}
            assert not failed_checks, f"checks failed: {failed_checks}"
            binding = body.get("holder_binding") or {}
            assert binding.get("matches") is True, f"credential not bound to the wallet key: {binding}"
            subject_ids = _subject_ids(fmt, body)
            if fmt != "dc+sd-jwt":
                assert subject_ids, "credentialSubject.id is missing"
            if subject_ids:
                # With `kid` the wallet names its key by this DID; with `jwk` the issuer derives a did:jwk,
                # and the RFC 7638 member order (what both sides use) yields the same string.
                assert holder_did in subject_ids, f"credentialSubject.id {subject_ids} is not {holder_did}"
        tampered = _verify(node_script, server, fmt, _tampered(fmt, out["credentials"][0]), out["holder_jwks"][0])
        assert not (tampered.ok and tampered.output.get("valid") is True), "a tampered copy verified"

    status, state = server.request("GET", f"/admin/offers/{offer['id']}", admin=True)
    assert status == 200, f"GET /admin/offers/{offer['id']} -> {status} {state}"
    assert state.get("state") == "issued", f"admin state {state.get('state')!r}, expected 'issued'"
    assert len(state.get("credential_ids", [])) == flow.batch, state.get("credential_ids")


def test_wrong_tx_code_is_rejected(oid4vc_server: Server, issuer_metadata: JsonObject, node_script: NodeScript) -> None:
    """A wrong ``tx_code`` fails the wallet's token request with ``invalid_grant`` (OpenID4VCI 1.0 #6.3)."""
    config_ids = _configs_with_format(issuer_metadata, "jwt_vc_json")
    if not config_ids:
        pytest.skip("the server's metadata lists no jwt_vc_json credential configuration")
    flow = Flow("pre-auth tx_code wrong", tx_code=True)
    offer = _create_offer(oid4vc_server, config_ids[0], flow, _subject_for(issuer_metadata, config_ids[0]))
    zeros = "0" * len(offer["tx_code"])
    wrong = zeros if offer["tx_code"] != zeros else "1" * len(zeros)
    wallet = _wallet(node_script, {**offer, "tx_code": wrong}, config_ids[0], flow)
    assert not wallet.ok, "token request with a wrong tx_code succeeded"
    error = wallet.output.get("error", {})
    assert (error.get("errorResponse") or {}).get("error") == "invalid_grant", wallet.describe()
    status, state = oid4vc_server.request("GET", f"/admin/offers/{offer['id']}", admin=True)
    assert status == 200
    assert state.get("state") in {"offered", "locked"}, state
