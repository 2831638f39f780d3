"""Verifying one credential of each format, including the 1EdTech validator examples (known-good and negative)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from oid4vc.clock import FixedClock
from oid4vc.crypto.keys import CryptoJwsVerifier
from oid4vc.dids.key import jwk_from_multikey
from oid4vc.fetch.base import FakeFetcher
from oid4vc.services.credential_verification import CredentialVerifier, detect_format, parse_time, validity_check
from oid4vc.services.key_resolution import KeyResolver

EXAMPLES = Path(__file__).parents[2] / "vectors" / "di" / "examples"
NOW = datetime(2026, 11, 22, tzinfo=UTC)


def _controller_documents() -> dict[str, Any]:
    """1EdTech examples use https verification methods named by their Multikey fragment; serve the controller
    documents those URLs would return (built from the fragment, as the issuer would publish them)."""
    docs: dict[str, Any] = {}
    for path in EXAMPLES.rglob("*.json"):
        doc = json.loads(path.read_text())
        proofs = doc.get("proof", [])
        for proof in proofs if isinstance(proofs, list) else [proofs]:
            vm = proof.get("verificationMethod", "")
            if vm.startswith("https://") and "#z" in vm:
                url, frag = vm.split("#", 1)
                try:
                    jwk_from_multikey(frag)
                except ValueError:
                    continue
                entry = docs.setdefault(url, {"id": url, "verificationMethod": []})
                entry["verificationMethod"].append(
                    {"id": vm, "type": "Multikey", "controller": url, "publicKeyMultibase": frag})
    return docs


@pytest.fixture
def verifier() -> CredentialVerifier:
    clock = FixedClock(NOW)
    crypto = CryptoJwsVerifier()
    return CredentialVerifier(keys=KeyResolver(FakeFetcher(_controller_documents()), clock), jws=crypto, raw=crypto,
                              clock=clock)


def _load(name: str) -> dict[str, Any]:
    return dict(json.loads((EXAMPLES / name).read_text()))


@pytest.mark.parametrize("name", [
    "ob3/simple.json", "ob3/simple-did-key-method.json", "ob3/complete.json", "ob3/endorsement-valid.json",
    "ob3/simple-context-alias.json", "ob3/simple-eddsa-2022.json", "ob3/simple_v1.json", "clr2/simple.json",
])
async def test_known_good_examples_verify(verifier: CredentialVerifier, name: str) -> None:
    result = await verifier.verify(_load(name))
    assert result.checks["signature"].outcome == "passed", result.checks["signature"].reason
    assert result.checks["validity"].outcome == "passed"
    assert result.checks["schema"].outcome == "passed", result.checks["schema"].reason
    assert result.checks["trust"].outcome == "skipped"
    assert result.valid


@pytest.mark.parametrize(("name", "check", "reason"), [
    ("ob3/simple-err-proof-value.json", "signature", "signature"),
    ("ob3/simple-err-type.json", "signature", "dropped_term"),
    ("ob3/simple-err-context.json", "signature", "dropped_term"),
    ("ob3/simple-err-expired.json", "validity", "expired"),
])
async def test_negative_examples_fail_with_the_right_reason(
    verifier: CredentialVerifier, name: str, check: str, reason: str
) -> None:
    result = await verifier.verify(_load(name))
    assert not result.valid
    assert result.checks[check].outcome == "failed" and reason in result.checks[check].reason


async def test_trust_list(verifier: CredentialVerifier) -> None:
    vc = _load("ob3/simple-did-key-method.json")
    issuer = vc["issuer"]["id"] if isinstance(vc["issuer"], dict) else vc["issuer"]
    verifier.trusted_issuers = [issuer]
    assert (await verifier.verify(vc)).checks["trust"].outcome == "passed"
    verifier.trusted_issuers = ["did:web:other.example"]
    result = await verifier.verify(vc)
    assert result.checks["trust"].outcome == "failed" and not result.valid


def test_detect_format() -> None:
    assert detect_format({"a": 1}) == "ldp_vc"
    assert detect_format("a.b.c~d~") == "dc+sd-jwt"
    assert detect_format("a.b.c") == "jwt_vc_json"


async def test_garbage_jwt_is_a_failed_signature(verifier: CredentialVerifier) -> None:
    result = await verifier.verify("not-a-jwt")
    assert result.checks["signature"].outcome == "failed" and not result.valid


NOON = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "claims",
    [{"exp": 10**400}, {"nbf": -(10**400)}, {"exp": float("nan")}, {"validUntil": float("inf")},
     {"validFrom": 2**63 - 1}, {"exp": 1e20}],
)
def test_a_number_that_is_no_numeric_date_fails_validity(claims: dict[str, Any]) -> None:
    """RFC 7519 §2: was an OverflowError / ValueError / OSError (a 500 at the Response URI), and never "no date"."""
    check = validity_check(claims, NOON)
    assert check.outcome == "failed" and "malformed" in (check.reason or "")
    with pytest.raises(ValueError, match="NumericDate"):
        parse_time(next(iter(claims.values())))


def test_numeric_dates_and_date_times_still_parse() -> None:
    assert parse_time(int(NOON.timestamp())) == NOON == parse_time("2026-11-22T12:00:00Z")
    assert parse_time(None) is None
    assert validity_check({"exp": int(NOON.timestamp()) + 60}, NOON).outcome == "passed"


@pytest.mark.parametrize(
    "claims",
    [{"validUntil": "not a date"}, {"validFrom": "2026-13-45T99:00:00Z"}, {"expirationDate": ["2020-01-01T00:00:00Z"]},
     {"validUntil": {"@value": "2020-01-01T00:00:00Z"}}, {"exp": True}],
)
def test_a_date_that_cannot_be_read_fails_validity(claims: dict[str, Any]) -> None:
    """VCDM 2.0 §4.9 (dateTimeStamp), RFC 7519 §2: an unreadable date is malformed, never "no date" (which passed)."""
    check = validity_check(claims, NOON)
    assert check.outcome == "failed" and "malformed" in (check.reason or "")
