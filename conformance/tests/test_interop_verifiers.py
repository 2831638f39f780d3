"""Self-checks of the interop verification scripts on signed vectors (VC-JOSE-COSE, VC-DI-EdDSA, SD-JWT VC).

The scripts under ``conformance/interop`` judge our server's credentials, so they are first shown to accept
known-good third-party vectors (``conformance/interop/fixtures``, see its SOURCES.md) and to reject tampered
ones. No server is needed.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID

from conformance.tests.conftest import INTEROP_DIR, NodeScript
from oid4vc.dids.jwk import did_jwk_from_jwk
from oid4vc.dids.key import did_key_from_jwk

pytestmark = pytest.mark.interop

FIXTURES = INTEROP_DIR / "fixtures"
LDP = FIXTURES / "ldp"
SD = FIXTURES / "sd-jwt"


def _at(path: Path) -> str:
    return f"@{path}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _jwt(
    header: dict[str, Any],
    payload: dict[str, Any],
    key: ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey,
) -> str:
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(payload).encode())}".encode()
    if isinstance(key, ed25519.Ed25519PrivateKey):
        signature = key.sign(signing_input)
    else:
        r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
        signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return f"{signing_input.decode()}.{_b64(signature)}"


def _p256() -> tuple[ec.EllipticCurvePrivateKey, dict[str, str]]:
    key = ec.generate_private_key(ec.SECP256R1())
    numbers = key.public_key().public_numbers()
    jwk = {
        "kty": "EC",
        "crv": "P-256",
        "x": _b64(numbers.x.to_bytes(32, "big")),
        "y": _b64(numbers.y.to_bytes(32, "big")),
    }
    return key, jwk


def _ed25519() -> tuple[ed25519.Ed25519PrivateKey, dict[str, str]]:
    key = ed25519.Ed25519PrivateKey.generate()
    raw = key.public_key().public_bytes_raw()
    return key, {"kty": "OKP", "crv": "Ed25519", "x": _b64(raw)}


def _ob_payload(issuer: str, subject: str) -> dict[str, Any]:
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:00000000-0000-4000-8000-000000000001",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer, "type": ["Profile"], "name": "Test"},
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": subject, "type": ["AchievementSubject"]},
        "iss": issuer,
        "sub": subject,
        "jti": "urn:uuid:00000000-0000-4000-8000-000000000001",
    }


# --- verify_jwt_vc.mjs ------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["did:key P-256", "did:jwk Ed25519", "issuer-jwk P-256"])
def test_jwt_vc_verifies(method: str, node_script: NodeScript) -> None:
    key: ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
    if "Ed25519" in method:
        key, jwk = _ed25519()
        alg = "EdDSA"
    else:
        key, jwk = _p256()
        alg = "ES256"
    _, holder = _p256()
    holder_did = did_jwk_from_jwk(holder)
    issuer = did_key_from_jwk(jwk) if method.startswith("did:key") else did_jwk_from_jwk(jwk)
    kid = f"{issuer}#{issuer.split(':')[2]}" if method.startswith("did:key") else f"{issuer}#0"
    header = {"alg": alg, "typ": "vc+jwt", **({} if method.startswith("issuer-jwk") else {"kid": kid})}
    token = _jwt(header, _ob_payload(issuer, holder_did), key)
    args = ["--credential", token, "--holder-jwk", json.dumps(holder)]
    if method.startswith("issuer-jwk"):
        args += ["--issuer-jwk", json.dumps(jwk)]
    run = node_script("verify_jwt_vc.mjs", *args)
    assert run.ok, run.describe()
    assert run.output["valid"] is True
    assert all(run.output["checks"].values()), run.output["checks"]
    assert run.output["holder_binding"]["matches"] is True


def test_jwt_vc_tampered_payload_fails(node_script: NodeScript) -> None:
    key, jwk = _p256()
    issuer = did_jwk_from_jwk(jwk)
    token = _jwt({"alg": "ES256", "kid": f"{issuer}#0"}, _ob_payload(issuer, "did:example:1"), key)
    head, _, sig = token.split(".")
    forged = f"{head}.{_b64(json.dumps(_ob_payload(issuer, 'did:example:2')).encode())}.{sig}"
    run = node_script("verify_jwt_vc.mjs", "--credential", forged)
    assert not run.ok
    assert "signature" in run.output["error"]["message"].lower()


def test_jwt_vc_kid_of_another_did_is_flagged(node_script: NodeScript) -> None:
    key, jwk = _p256()
    signer_did = did_jwk_from_jwk(jwk)
    token = _jwt({"alg": "ES256", "kid": f"{signer_did}#0"}, _ob_payload("did:example:issuer", "did:example:1"), key)
    run = node_script("verify_jwt_vc.mjs", "--credential", token)
    assert run.ok, run.describe()
    assert run.output["checks"]["kid_did_is_iss"] is False


# --- verify_ldp_vc.mjs ------------------------------------------------------------------------------------

LDP_CASES = {
    "OB3 simple, eddsa-rdfc-2022": ("ob3-simple.json", "controller-example.com-issuers-876543.json"),
    "OB3 VCDM 1.1, Ed25519Signature2020": (
        "ob3-simple-v1-ed25519signature2020.json",
        "controller-example.com-issuers-876543-v1.json",
    ),
    "W3C eddsa-rdfc-2022, did:key": (
        "w3c-eddsa-rdfc-2022-signed.json",
        "controller-vc.example-issuers-5678.json",
    ),
    "W3C Ed25519Signature2020, did:key": (
        "w3c-ed25519signature2020-signed.json",
        "controller-vc.example-issuers-5678.json",
    ),
}


@pytest.mark.parametrize("case", sorted(LDP_CASES))
def test_ldp_vc_vectors_verify(case: str, node_script: NodeScript) -> None:
    credential, controller = LDP_CASES[case]
    run = node_script(
        "verify_ldp_vc.mjs",
        "--credential",
        _at(LDP / credential),
        "--controller-document",
        _at(LDP / controller),
    )
    assert run.ok, run.describe()
    assert run.output["valid"] is True
    assert run.output["documents_refused"] == []


@pytest.mark.parametrize("name", ["w3c-eddsa-rdfc-2022-signed.json", "w3c-ed25519signature2020-signed.json"])
def test_ldp_vc_did_key_signature_only(name: str, node_script: NodeScript) -> None:
    """did:key resolves offline; without a controller document the issuer URL does not control the key."""
    run = node_script("verify_ldp_vc.mjs", "--credential", _at(LDP / name), "--signature-only")
    assert run.ok, run.describe()
    strict = node_script("verify_ldp_vc.mjs", "--credential", _at(LDP / name))
    assert not strict.ok
    assert "issuer must match" in json.dumps(strict.output["error"])


@pytest.mark.parametrize("case", ["OB3 simple, eddsa-rdfc-2022", "OB3 VCDM 1.1, Ed25519Signature2020"])
def test_ldp_vc_tampered_fails(case: str, node_script: NodeScript) -> None:
    credential_file, controller = LDP_CASES[case]
    credential = json.loads((LDP / credential_file).read_text())
    credential["name"] = "Forged " + str(credential.get("name", ""))
    run = node_script(
        "verify_ldp_vc.mjs",
        "--credential",
        json.dumps(credential),
        "--controller-document",
        _at(LDP / controller),
    )
    assert not run.ok
    assert run.output["error"]["message"] == "credential did not verify"


# --- verify_sd_jwt_vc.mjs ---------------------------------------------------------------------------------


def test_sd_jwt_vc_issuance_verifies(node_script: NodeScript) -> None:
    run = node_script(
        "verify_sd_jwt_vc.mjs",
        "--credential", _at(SD / "vc-01-issuance.txt"),
        "--issuer-jwk", _at(SD / "issuer-public-jwk.json"),
        "--holder-jwk", _at(SD / "holder-public-jwk.json"),
    )  # fmt: skip
    assert run.ok, run.describe()
    expected = json.loads((SD / "vc-01-user-claims.json").read_text())
    for name, value in expected.items():
        assert run.output["payload"][name] == value
    assert set(run.output["disclosed_claims"]) == set(expected) - {"vct"}
    assert run.output["checks"]["typ_is_dc_sd_jwt"] is True
    assert run.output["holder_binding"]["matches"] is True


def test_sd_jwt_vc_presentation_with_key_binding(node_script: NodeScript) -> None:
    kb = json.loads((SD / "vc-01-kb-jwt-payload.json").read_text())
    run = node_script(
        "verify_sd_jwt_vc.mjs",
        "--credential", _at(SD / "vc-01-presentation.txt"),
        "--issuer-jwk", _at(SD / "issuer-public-jwk.json"),
        "--kb-nonce", kb["nonce"], "--kb-aud", kb["aud"], "--now", str(kb["iat"] + 60),
    )  # fmt: skip
    assert run.ok, run.describe()
    expected = json.loads((SD / "vc-01-presentation-verified-contents.json").read_text())
    assert run.output["payload"] == expected
    assert run.output["checks"]["kb_aud_matches"] is True


def test_sd_jwt_vc_wrong_issuer_key_fails(node_script: NodeScript) -> None:
    run = node_script(
        "verify_sd_jwt_vc.mjs",
        "--credential", _at(SD / "vc-01-issuance.txt"),
        "--issuer-jwk", _at(SD / "holder-public-jwk.json"),
    )  # fmt: skip
    assert not run.ok
    assert "Invalid JWT Signature" in run.output["error"]["message"]


def test_sd_jwt_vc_wrong_kb_nonce_fails(node_script: NodeScript) -> None:
    kb = json.loads((SD / "vc-01-kb-jwt-payload.json").read_text())
    run = node_script(
        "verify_sd_jwt_vc.mjs",
        "--credential", _at(SD / "vc-01-presentation.txt"),
        "--issuer-jwk", _at(SD / "issuer-public-jwk.json"),
        "--kb-nonce", "not-the-nonce", "--now", str(kb["iat"] + 60),
    )  # fmt: skip
    assert not run.ok


def test_sd_jwt_vc_foreign_disclosure_fails(node_script: NodeScript) -> None:
    issuance = (SD / "vc-01-issuance.txt").read_text().strip()
    # A disclosure whose digest is not in the signed payload must be rejected.
    foreign = _b64(json.dumps(["c2FsdHNhbHRzYWx0", "given_name", "Mallory"]).encode())
    run = node_script(
        "verify_sd_jwt_vc.mjs",
        "--credential", issuance.rstrip("~") + "~" + foreign + "~",
        "--issuer-jwk", _at(SD / "issuer-public-jwk.json"),
    )  # fmt: skip
    assert not run.ok, run.output
    assert "not referenced" in run.output["error"]["message"]


def _sd_jwt(header: dict[str, Any], key: ec.EllipticCurvePrivateKey, holder: dict[str, str]) -> str:
    disclosure = _b64(json.dumps(["bm90LXJhbmRvbS1zYWx0", "name", "Nursing Basics"]).encode())
    digest = _b64(hashlib.sha256(disclosure.encode()).digest())
    payload = {
        "iss": "https://issuer.example",
        "vct": "https://issuer.example/vct/OpenBadgeCredential",
        "_sd": [digest],
        "_sd_alg": "sha-256",
        "cnf": {"jwk": holder},
    }
    return f"{_jwt(header, payload, key)}~{disclosure}~"


@pytest.mark.parametrize("key_in", ["x5c", "kid did:jwk"])
def test_sd_jwt_vc_issuer_key_from_header(key_in: str, node_script: NodeScript) -> None:
    key, jwk = _p256()
    _, holder = _p256()
    if key_in == "x5c":
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "issuer.example")])
        now = datetime.now(UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(1)
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=1))
            .sign(key, hashes.SHA256())
        )
        header: dict[str, Any] = {
            "alg": "ES256",
            "typ": "dc+sd-jwt",
            "x5c": [base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()],
        }
    else:
        header = {"alg": "ES256", "typ": "dc+sd-jwt", "kid": f"{did_jwk_from_jwk(jwk)}#0"}
    run = node_script(
        "verify_sd_jwt_vc.mjs", "--credential", _sd_jwt(header, key, holder), "--holder-jwk", json.dumps(holder)
    )
    assert run.ok, run.describe()
    assert run.output["payload"]["name"] == "Nursing Basics"
    assert run.output["disclosed_claims"] == ["name"]
    assert run.output["holder_binding"]["matches"] is True
    other, _ = _p256()
    forged = node_script("verify_sd_jwt_vc.mjs", "--credential", _sd_jwt(header, other, holder))
    assert not forged.ok
