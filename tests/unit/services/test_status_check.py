"""The verifier-side status check: the 1EdTech revoked fixture, lists of both kinds and both securing forms signed
here, the issuer binding, caching by the lists' own lifetimes, and fail-closed "unknown" outcomes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from oid4vc.clock import FixedClock, to_epoch
from oid4vc.crypto.keys import CryptoJwsVerifier, SigningKey, generate_key
from oid4vc.dids.identity import key_identity
from oid4vc.dids.key import jwk_from_multikey
from oid4vc.fetch.base import FakeFetcher
from oid4vc.formats.ldp_vc import add_proof
from oid4vc.services.credential_verification import Check, CredentialVerifier
from oid4vc.services.key_resolution import KeyResolver
from oid4vc.services.status_check import StatusListChecker
from oid4vc.status.bitstring import Bitstring, BitstringStatusListEntry, status_list_credential
from oid4vc.status.token_status_list import StatusList, sign_status_list_token, status_claim

VECTORS = Path(__file__).parents[2] / "vectors" / "status"
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
URL = "https://issuer.example/status/1"


class Issuer:
    def __init__(self, kty: str = "EC") -> None:
        self.key = SigningKey(generate_key(kty), kid="k")
        ident = key_identity("key", self.key.public_jwk, kid="k", public_url="https://issuer.example")
        self.did, self.vm = ident.did, ident.verification_method

    def bitstring(self, *, revoked: tuple[int, ...] = (), purpose: str = "revocation", url: str = URL,
                  valid_until: datetime | None = None, ttl_ms: int | None = None, issuer: str | None = None,
                  ) -> dict[str, Any]:
        bits = Bitstring()
        for i in revoked:
            bits.set(i, 1)
        return status_list_credential(url=url, issuer=issuer or self.did, bitstring=bits, status_purpose=purpose,
                                      valid_from=NOW - timedelta(hours=1), valid_until=valid_until, ttl_ms=ttl_ms)

    async def di(self, credential: dict[str, Any]) -> dict[str, Any]:
        return await add_proof(credential, signer=self.key, verification_method=self.vm, created="2026-11-22T11:00:00Z",
                               executor=None)

    def vc_jwt(self, credential: dict[str, Any], exp: datetime | None = None) -> str:
        claims = credential | {"iss": credential["issuer"]} | ({"exp": to_epoch(exp)} if exp else {})
        return self.key.sign({"typ": "vc+jwt", "kid": self.vm}, claims)

    def token(self, values: dict[int, int], *, uri: str = URL, ttl: int | None = 600, exp: datetime | None = None,
              ) -> str:
        status_list = StatusList(1024, bits=2)
        for i, v in values.items():
            status_list.set(i, v)
        return sign_status_list_token(self.key, uri=uri, status_list=status_list, now=NOW - timedelta(minutes=10),
                                      ttl=ttl, exp=exp, iss=self.did, header={"kid": self.vm})


def entry(idx: int, purpose: str = "revocation", url: str = URL) -> dict[str, Any]:
    return BitstringStatusListEntry(url, idx, purpose).to_json()


def checker(documents: dict[str, Any], clock: FixedClock | None = None) -> tuple[StatusListChecker, FakeFetcher]:
    clock = clock or FixedClock(NOW)
    fetcher = FakeFetcher(documents)
    crypto = CryptoJwsVerifier()
    return StatusListChecker(fetcher=fetcher, keys=KeyResolver(fetcher, clock), jws=crypto, raw=crypto,
                             clock=clock), fetcher


def load(name: str) -> dict[str, Any]:
    return dict(json.loads((VECTORS / name).read_text()))


async def test_the_1edtech_revoked_fixture_is_reported_revoked() -> None:
    credential, testlist = load("credential-status-revoked.json"), load("bitstring-status-list-testlist.json")
    controller = "https://1edtech.edu/issuers/565049"
    vm = credential["proof"]["verificationMethod"]
    multikey = vm.split("#", 1)[1]
    jwk_from_multikey(multikey)  # the key the fixtures are signed with
    documents = {
        credential["credentialStatus"]["statusListCredential"]: testlist,
        controller: {"id": controller, "verificationMethod": [
            {"id": vm, "type": "Multikey", "controller": controller, "publicKeyMultibase": multikey}]},
    }
    status, fetcher = checker(documents)
    crypto = CryptoJwsVerifier()
    verifier = CredentialVerifier(keys=status.keys, jws=crypto, raw=crypto, clock=FixedClock(NOW), status=status)
    result = await verifier.verify(credential)
    assert result.checks["signature"] == Check("passed")
    assert result.checks["status"] == Check("failed", "revoked") and not result.valid
    # index 23 is set in that list; the entry next to it is not
    assert await status("ldp_vc", credential | {"credentialStatus": credential["credentialStatus"] | {
        "statusListIndex": "24", "id": "x#24"}}, controller, NOW) == Check("passed")
    assert fetcher.requests.count(credential["credentialStatus"]["statusListCredential"]) == 1  # cached


@pytest.mark.parametrize("form", ["di", "jwt"])
async def test_bitstring_lists_in_both_securing_forms(form: str) -> None:
    issuer = Issuer("OKP" if form == "di" else "EC")
    listed = issuer.bitstring(revoked=(5,))
    document: Any = await issuer.di(listed) if form == "di" else issuer.vc_jwt(listed)
    status, _ = checker({URL: document})
    claims = {"issuer": {"id": issuer.did}, "credentialStatus": entry(5)}
    assert await status("ldp_vc", claims, issuer.did, NOW) == Check("failed", "revoked")
    assert await status("ldp_vc", claims | {"credentialStatus": entry(6)}, issuer.did, NOW) == Check("passed")
    other = Issuer()
    result = await status("ldp_vc", claims, other.did, NOW)  # a list of someone else
    assert result.outcome == "failed" and result.reason.startswith("unknown: ") and "issuer" in result.reason


async def test_suspension_and_message_purposes_and_arrays() -> None:
    issuer = Issuer()
    revocation, suspension = f"{URL}/r", f"{URL}/s"
    documents = {revocation: issuer.vc_jwt(issuer.bitstring(url=revocation)),
                 suspension: issuer.vc_jwt(issuer.bitstring(url=suspension, revoked=(9,), purpose="suspension"))}
    status, _ = checker(documents)
    both = {"credentialStatus": [entry(9, "revocation", revocation), entry(9, "suspension", suspension)]}
    assert await status("jwt_vc_json", both, issuer.did, NOW) == Check("failed", "suspended")
    unsupported = {"credentialStatus": {"id": "https://x.example/rl#1", "type": "1EdTechRevocationList"}}
    assert (await status("jwt_vc_json", unsupported, issuer.did, NOW)).outcome == "skipped"


async def test_token_status_list_values() -> None:
    issuer = Issuer()
    status, fetcher = checker({URL: issuer.token({1: 1, 2: 2, 3: 3})})
    expected = {0: Check("passed"), 1: Check("failed", "revoked"), 2: Check("failed", "suspended"),
                3: Check("failed", "status 0x03")}
    for idx, check in expected.items():
        assert await status("dc+sd-jwt", {"status": status_claim(uri=URL, idx=idx)}, issuer.did, NOW) == check
    assert fetcher.requests == [URL]
    out_of_range = await status("dc+sd-jwt", {"status": status_claim(uri=URL, idx=4096)}, issuer.did, NOW)
    assert out_of_range.outcome == "failed" and "out of bounds" in out_of_range.reason
    foreign = await status("dc+sd-jwt", {"status": status_claim(uri=URL, idx=0)}, Issuer().did, NOW)
    assert foreign.outcome == "failed" and "not signed by the credential's issuer" in foreign.reason


@pytest.mark.parametrize(("documents", "claims", "reason"), [
    ({}, {"status": status_claim(uri=URL, idx=0)}, "cannot be fetched"),
    ({URL: "not a jwt"}, {"status": status_claim(uri=URL, idx=0)}, "Status List Token"),
    ({URL: "TOKEN_WRONG_SUB"}, {"status": status_claim(uri=URL, idx=0)}, "sub does not match"),
    ({URL: "TOKEN_EXPIRED"}, {"status": status_claim(uri=URL, idx=0)}, "expired"),
    ({URL: "TAMPERED"}, {"status": status_claim(uri=URL, idx=0)}, "signature"),
    ({}, {"status": {"status_list": {"idx": -1, "uri": URL}}}, "idx"),
    ({URL: "BITSTRING_EXPIRED"}, {"credentialStatus": entry(0)}, "expired"),
    ({URL: "BITSTRING"}, {"credentialStatus": entry(131_072)}, "RANGE_ERROR"),
    ({URL: "BITSTRING"}, {"credentialStatus": entry(1) | {"statusListIndex": "one"}}, "MALFORMED_VALUE_ERROR"),
    ({URL: {"not": "signed"}}, {"credentialStatus": entry(0)}, "proof"),
])
async def test_no_statement_can_be_made_is_a_failure(documents: dict[str, Any], claims: dict[str, Any],
                                                     reason: str) -> None:
    issuer = Issuer()
    good = issuer.token({})
    replacements = {
        "TOKEN_WRONG_SUB": issuer.token({}, uri="https://issuer.example/elsewhere"),
        "TOKEN_EXPIRED": issuer.token({}, exp=NOW - timedelta(minutes=5)),  # past the 60 s clock skew
        "TAMPERED": good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB"),
        "BITSTRING_EXPIRED": issuer.vc_jwt(issuer.bitstring(valid_until=NOW - timedelta(minutes=5))),
        "BITSTRING": issuer.vc_jwt(issuer.bitstring()),
    }
    documents = {url: replacements.get(doc, doc) if isinstance(doc, str) else doc for url, doc in documents.items()}
    status, _ = checker(documents)
    result = await status("x", claims, issuer.did, NOW)
    assert result.outcome == "failed" and result.reason.startswith("unknown: ") and reason in result.reason, result


async def test_lists_are_cached_for_their_own_lifetime() -> None:
    issuer = Issuer()
    clock = FixedClock(NOW)
    bitstring_url = f"{URL}/b"
    documents = {URL: issuer.token({}, ttl=600),
                 bitstring_url: issuer.vc_jwt(issuer.bitstring(url=bitstring_url, ttl_ms=120_000),
                                              exp=NOW + timedelta(hours=1))}
    status, fetcher = checker(documents, clock)
    token_claims = {"status": status_claim(uri=URL, idx=0)}
    bitstring_claims = {"credentialStatus": entry(0, url=bitstring_url)}

    async def both() -> None:
        for claims in (token_claims, bitstring_claims):
            assert await status("x", claims, issuer.did, clock.now()) == Check("passed")

    await both()
    await both()
    assert fetcher.requests == [URL, bitstring_url]
    clock.advance(121)  # past the list's ttl of 120 s, within the token's 600 s
    await both()
    assert fetcher.requests == [URL, bitstring_url, bitstring_url]
    documents[URL] = issuer.token({0: 1})
    fetcher.documents = documents
    clock.advance(480)  # the token's ttl is over: the revocation is seen
    assert await status("x", token_claims, issuer.did, clock.now()) == Check("failed", "revoked")


async def test_lifetimes_beyond_any_date_are_capped_or_refused() -> None:
    """A list's ttl of 1e30 is capped at the checker's maximum, and an exp that is no RFC 7519 NumericDate makes no
    statement: both used to overflow timedelta / datetime (an OverflowError, a 500 at the Response URI)."""
    issuer = Issuer()
    bitstring_url, far_url = f"{URL}/b", f"{URL}/far"
    far = issuer.bitstring(url=far_url)
    documents = {
        URL: issuer.token({}, ttl=10**30),
        bitstring_url: issuer.vc_jwt(issuer.bitstring(url=bitstring_url, ttl_ms=10**30)),
        far_url: issuer.key.sign({"typ": "vc+jwt", "kid": issuer.vm}, far | {"iss": far["issuer"], "exp": 10**400}),
    }
    status, _ = checker(documents)
    assert await status("x", {"status": status_claim(uri=URL, idx=0)}, issuer.did, NOW) == Check("passed")
    assert await status("x", {"credentialStatus": entry(0, url=bitstring_url)}, issuer.did, NOW) == Check("passed")
    result = await status("x", {"credentialStatus": entry(0, url=far_url)}, issuer.did, NOW)
    assert result.outcome == "failed" and "NumericDate" in (result.reason or ""), result
