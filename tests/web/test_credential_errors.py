"""Credential endpoint errors (OpenID4VCI 1.0 §8.3.1; RFC 6750 §3.1) and key proof rules (App. F)."""

from __future__ import annotations

from typing import Any

import pytest

from oid4vc.clock import FixedClock
from oid4vc.encoding import b64url_encode
from oid4vc.store.memory import MemoryStore
from tests.conftest import PUBLIC_URL, T0, AppClient
from tests.support.wallet import holder_key, proof_jwt, unsigned_jwt
from tests.web.flow import credential_request, get_token, nonce

CONFIG = "OpenBadgeCredential_jwt_vc_json"


async def _error(resp: Any) -> tuple[int, str]:
    body = await resp.json()
    assert resp.headers["Cache-Control"] == "no-store"
    assert resp.content_type == "application/json"
    return int(resp.status), str(body["error"])


def _body(*proofs: str, config: str = CONFIG) -> dict[str, Any]:
    return {"credential_configuration_id": config, "proofs": {"jwt": list(proofs)}}


async def test_missing_token_is_401_invalid_token(client: AppClient) -> None:
    resp = await client.post("/credential", json=_body("x"))
    assert await _error(resp) == (401, "invalid_token")
    assert resp.headers["WWW-Authenticate"].startswith('Bearer error="invalid_token"')


async def test_unknown_and_expired_tokens_are_401(client: AppClient, clock: FixedClock) -> None:
    assert await _error(await credential_request(client, "bogus")) == (401, "invalid_token")
    access_token, _ = await get_token(client)
    clock.advance(301)
    resp = await credential_request(client, access_token)
    assert await _error(resp) == (401, "invalid_token")
    assert "WWW-Authenticate" in resp.headers


@pytest.mark.parametrize("token", ["a,b", "a b", "a\tb", "x" * 513, "a=b", "%41"])
async def test_a_token_outside_the_b64token_syntax_is_401_without_a_lookup(
    client: AppClient, store: MemoryStore, token: str
) -> None:
    """RFC 6750 §2.1: the service refuses it before hashing it or asking the store."""
    lookups: list[str] = []
    real = store.get_token_offer

    async def counting(token_hash: str, *, now: Any) -> Any:
        lookups.append(token_hash)
        return await real(token_hash, now=now)

    store.get_token_offer = counting  # type: ignore[method-assign]
    resp = await client.post("/credential", json=_body("x"), headers={"Authorization": f"Bearer {token}"})
    assert await _error(resp) == (401, "invalid_token") and lookups == []


async def test_nonce_reuse_is_invalid_nonce(client: AppClient) -> None:
    token_a, _ = await get_token(client)
    token_b, _ = await get_token(client)
    c_nonce = await nonce(client)
    proof = proof_jwt(holder_key(), audience=PUBLIC_URL, nonce=c_nonce, iat=T0.timestamp())
    assert (await credential_request(client, token_a, _body(proof))).status == 200
    proof2 = proof_jwt(holder_key(), audience=PUBLIC_URL, nonce=c_nonce, iat=T0.timestamp())
    assert await _error(await credential_request(client, token_b, _body(proof2))) == (400, "invalid_nonce")


async def test_unknown_and_expired_nonce_is_invalid_nonce(client: AppClient, clock: FixedClock) -> None:
    token, _ = await get_token(client)
    proof = proof_jwt(holder_key(), audience=PUBLIC_URL, nonce="made-up", iat=T0.timestamp())
    assert await _error(await credential_request(client, token, _body(proof))) == (400, "invalid_nonce")
    c_nonce = await nonce(client)
    clock.advance(200)
    token2, _ = await get_token(client)
    clock.advance(101)
    proof = proof_jwt(holder_key(), audience=PUBLIC_URL, nonce=c_nonce, iat=clock.now().timestamp())
    assert await _error(await credential_request(client, token2, _body(proof))) == (400, "invalid_nonce")


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("wrong aud", {"audience": "https://other.example"}),
        ("stale iat", {"iat": T0.timestamp() - 3600}),
        ("future iat", {"iat": T0.timestamp() + 3600}),
        ("wrong typ", {"header": {"typ": "JWT"}}),
        ("private key in jwk", {"private": True}),
        ("no nonce", {"nonce": None}),
        ("kid and jwk", {"header": {"kid": "did:example:1"}}),
        ("unresolvable kid", {"kid": "did:example:123#1"}),
    ],
)
async def test_bad_proofs_are_invalid_proof(client: AppClient, name: str, kwargs: dict[str, Any]) -> None:
    token, _ = await get_token(client)
    key = holder_key()
    args: dict[str, Any] = {"audience": PUBLIC_URL, "nonce": await nonce(client), "iat": T0.timestamp()}
    if kwargs.pop("private", False):
        from oid4vc.crypto.keys import private_jwk

        kwargs["header"] = {"jwk": private_jwk(key.key)}
    if "kid" in kwargs:
        args["use_kid"] = kwargs.pop("kid")
    args |= kwargs
    proof = proof_jwt(key, **args)
    assert await _error(await credential_request(client, token, _body(proof))) == (400, "invalid_proof"), name


async def test_bad_signature_is_invalid_proof(client: AppClient) -> None:
    token, _ = await get_token(client)
    proof = proof_jwt(holder_key(), audience=PUBLIC_URL, nonce=await nonce(client), iat=T0.timestamp())
    head, payload, sig = proof.split(".")
    tampered = f"{head}.{payload}.{sig[:-4]}{'AAAA' if not sig.endswith('AAAA') else 'BBBB'}"
    assert await _error(await credential_request(client, token, _body(tampered))) == (400, "invalid_proof")
    other = proof_jwt(holder_key(), audience=PUBLIC_URL, nonce=await nonce(client), iat=T0.timestamp())
    swapped = f"{head}.{other.split('.')[1]}.{sig}"
    assert await _error(await credential_request(client, token, _body(swapped))) == (400, "invalid_proof")


@pytest.mark.parametrize("alg", ["none", "HS256"])
async def test_alg_none_and_hmac_are_invalid_proof(client: AppClient, alg: str) -> None:
    token, _ = await get_token(client)
    key = holder_key()
    header = {"alg": alg, "typ": "openid4vci-proof+jwt", "jwk": key.public_jwk}
    claims = {"aud": PUBLIC_URL, "iat": int(T0.timestamp()), "nonce": await nonce(client)}
    proof = unsigned_jwt(header, claims, b"" if alg == "none" else b"\x00" * 32)
    assert await _error(await credential_request(client, token, _body(proof))) == (400, "invalid_proof")


async def test_missing_proofs_is_invalid_proof(client: AppClient) -> None:
    token, _ = await get_token(client)
    resp = await credential_request(client, token, {"credential_configuration_id": CONFIG})
    assert await _error(resp) == (400, "invalid_proof")
    # the draft `proof` parameter is unknown in 1.0 and ignored (§8.2): still no key proof, with a hint
    resp = await credential_request(client, token, {"credential_configuration_id": CONFIG,
                                                     "proof": {"proof_type": "jwt", "jwt": "x"}})
    body = await resp.json()
    assert (resp.status, body["error"]) == (400, "invalid_proof") and "proofs" in body["error_description"]


@pytest.mark.parametrize(
    "body",
    [
        {"proofs": {"jwt": ["x"]}},
        {"credential_configuration_id": CONFIG, "credential_identifier": "a", "proofs": {"jwt": ["x"]}},
        {"credential_configuration_id": CONFIG, "proofs": {"jwt": []}},
        {"credential_configuration_id": CONFIG, "proofs": {"jwt": ["x"], "di_vp": []}},
        {"credential_configuration_id": 7, "proofs": {"jwt": ["x"]}},
        {"credential_configuration_id": CONFIG, "proofs": {"jwt": ["x"] * 11}},
    ],
)
async def test_malformed_requests_are_invalid_credential_request(client: AppClient, body: dict[str, Any]) -> None:
    token, _ = await get_token(client)
    assert await _error(await credential_request(client, token, body)) == (400, "invalid_credential_request")


async def test_non_json_body_is_invalid_credential_request(client: AppClient) -> None:
    token, _ = await get_token(client)
    resp = await client.post("/credential", data="{not json", headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    assert await _error(resp) == (400, "invalid_credential_request")


async def test_json_nested_too_deeply_is_a_400_never_a_500(client: AppClient) -> None:
    """A body or a proof header nested past what a JSON parser can take is refused with the spec's error code."""
    token, _ = await get_token(client)
    deep = "[" * 100_000 + "]" * 100_000
    resp = await client.post("/credential", data=deep, headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    assert await _error(resp) == (400, "invalid_credential_request")
    proof = f"{b64url_encode(deep.encode())}.{b64url_encode(b'{}')}.{b64url_encode(b'sig')}"
    assert await _error(await credential_request(client, token, _body(proof))) == (400, "invalid_proof")


async def test_unknown_configuration(client: AppClient) -> None:
    token, _ = await get_token(client)
    resp = await credential_request(client, token, _body("x", config="NoSuchThing"))
    assert await _error(resp) == (400, "unknown_credential_configuration")


async def test_unknown_credential_identifier(client: AppClient) -> None:
    token, _ = await get_token(client)
    resp = await credential_request(client, token, {"credential_identifier": "abc", "proofs": {"jwt": ["x"]}})
    assert await _error(resp) == (400, "unknown_credential_identifier")


async def test_configuration_not_in_the_offer(client: AppClient) -> None:
    token, _ = await get_token(client)
    resp = await credential_request(client, token, _body("x", config="OpenBadgeCredential_jwt_vc_json_vcdm11"))
    assert await _error(resp) == (400, "invalid_credential_request")


async def test_same_key_twice_in_a_batch_is_invalid_proof(client: AppClient) -> None:
    token, _ = await get_token(client)
    key, c_nonce = holder_key(), await nonce(client)
    proofs = [proof_jwt(key, audience=PUBLIC_URL, nonce=c_nonce, iat=T0.timestamp()) for _ in range(2)]
    assert await _error(await credential_request(client, token, _body(*proofs))) == (400, "invalid_proof")


async def test_second_issuance_with_one_token_is_denied(client: AppClient) -> None:
    token, _ = await get_token(client)
    assert (await credential_request(client, token)).status == 200
    assert await _error(await credential_request(client, token)) == (400, "credential_request_denied")


async def test_encryption_request_is_refused(client: AppClient) -> None:
    token, _ = await get_token(client)
    body = _body("x") | {"credential_response_encryption": {"jwk": {}, "enc": "A128GCM"}}
    assert await _error(await credential_request(client, token, body)) == (400, "invalid_encryption_parameters")
