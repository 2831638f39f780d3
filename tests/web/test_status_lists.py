"""Status lists end to end: every issued credential carries a status entry; revoking it sets the bit in the served,
signed list (read back with decoders written from the specs), and our verifier then reports it revoked; suspension
round trip on the Token Status List; serving (media types, cache headers, ETag, re-signing only when needed)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from oid4vc.clock import FixedClock
from oid4vc.config import Settings
from oid4vc.crypto.keystore import KeyRing
from oid4vc.services.credential_verification import Check
from oid4vc.status.bitstring import MIN_ENTRIES
from oid4vc.store.memory import MemoryStore
from oid4vc.web.app import create_app
from oid4vc.web.keys import status_key
from tests.conftest import ADMIN_TOKEN, PUBLIC_URL, T0, AppClient
from tests.support.wallet import holder_key, proof_jwt
from tests.web.flow import get_token, nonce
from tests.web.lifecycle import (
    admin_get,
    admin_post,
    bitstring_bits,
    claims_of,
    credential_id,
    issue,
    jws_header,
    jws_payload,
    token_values,
    verify,
)
from tests.web.test_clr_issuance import CLR_SUBJECT

W3C = [
    "OpenBadgeCredential_ldp_vc",
    "OpenBadgeCredential_jwt_vc_json",
    "OpenBadgeCredential_jwt_vc_json_vcdm11",
    "OpenBadgeCredential_ldp_vc_Ed25519Signature2020",
    "ClrCredential_ldp_vc",
    "ClrCredential_jwt_vc_json",
]
SD_JWT = "OpenBadgeCredential_dc_sd_jwt"


async def served(client: AppClient, url: str) -> Any:
    resp = await client.get(url.removeprefix(PUBLIC_URL))
    assert resp.status == 200, await resp.text()
    return resp


async def bitstring_value(client: AppClient, entry: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The bits of the list an entry points at, decoded independently, and the list credential."""
    resp = await served(client, entry["statusListCredential"])
    text = await resp.text()
    listed = jws_payload(text) if resp.content_type == "application/vc+jwt" else await resp.json(content_type=None)
    return bitstring_bits(listed["credentialSubject"]["encodedList"]), listed


async def token_list(client: AppClient, uri: str) -> tuple[dict[int, int], dict[str, Any], dict[str, Any]]:
    resp = await served(client, uri)
    assert resp.content_type == "application/statuslist+jwt"
    token = await resp.text()
    payload = jws_payload(token)
    return token_values(payload["status_list"]["lst"], payload["status_list"]["bits"]), payload, jws_header(token)


@pytest.mark.parametrize("config_id", W3C)
async def test_revoke_sets_the_bit_and_our_verifier_reports_revoked(
    client: AppClient, clock: FixedClock, config_id: str
) -> None:
    subject = {"credential_subject": CLR_SUBJECT} if config_id.startswith("Clr") else {}
    credential, _ = await issue(client, config_id, **subject)
    claims = claims_of(credential)
    entry = claims["credentialStatus"]
    assert isinstance(entry, dict)  # one object: Open Badges 3.0 / CLR 2.0 allow no array
    assert entry["type"] == "BitstringStatusListEntry" and entry["statusPurpose"] == "revocation"
    assert isinstance(entry["statusListIndex"], str) and entry["id"] != entry["statusListCredential"]
    form_jwt = isinstance(credential, str)
    assert entry["statusListCredential"].endswith("/jwt") == form_jwt
    if "https://www.w3.org/2018/credentials/v1" in claims["@context"]:  # VCDM 1.1 needs the status context
        assert "https://www.w3.org/ns/credentials/status/v1" in claims["@context"]
    before = await verify(client, clock, credential)
    assert before.checks["status"] == Check("passed") and before.valid, before.checks

    status, view = await admin_post(client, f"/credentials/{credential_id(credential)}/revoke", {"reason": "error"})
    assert status == 200 and view["state"] == "revoked", view
    assert view["status"]["entry"] == entry and view["status"]["idx"] == int(entry["statusListIndex"])

    bits, listed = await bitstring_value(client, entry)
    assert len(bits) >= MIN_ENTRIES and bits[int(entry["statusListIndex"])] == "1" and bits.count("1") == 1
    assert listed["credentialSubject"]["statusPurpose"] == "revocation"
    issuer = claims["issuer"]["id"] if isinstance(claims["issuer"], dict) else claims["issuer"]
    assert listed["issuer"] == issuer  # the list has the credential's issuer
    after = await verify(client, clock, credential)
    assert after.checks["status"] == Check("failed", "revoked") and not after.valid
    if claims["type"][-1] == "ClrCredential":  # the nested badges share the entry, in their Data Integrity form
        nested = claims["credentialSubject"]["verifiableCredential"][0]
        assert nested["credentialStatus"]["statusListIndex"] == entry["statusListIndex"]
        assert (await verify(client, clock, nested)).checks["status"] == Check("failed", "revoked")


async def test_token_status_list_revoke_suspend_reinstate(client: AppClient, clock: FixedClock) -> None:
    credential, _ = await issue(client, SD_JWT)
    ref = claims_of(credential)["status"]["status_list"]
    assert set(ref) == {"idx", "uri"} and isinstance(ref["idx"], int)
    assert ref["uri"].startswith(f"{PUBLIC_URL}/status/token/")
    cid = credential_id(credential)
    values, payload, header = await token_list(client, ref["uri"])
    assert values == {} and header["typ"] == "statuslist+jwt" and payload["sub"] == ref["uri"]
    assert payload["status_list"]["bits"] == 2 and payload["ttl"] == 300 and payload["exp"] > payload["iat"]
    assert (await verify(client, clock, credential)).checks["status"] == Check("passed")

    assert (await admin_post(client, f"/credentials/{cid}/suspend", {"reason": "under review"}))[0] == 200
    values, _, _ = await token_list(client, ref["uri"])
    assert values == {ref["idx"]: 2}  # SUSPENDED
    assert (await verify(client, clock, credential)).checks["status"] == Check("failed", "suspended")

    assert (await admin_post(client, f"/credentials/{cid}/reinstate"))[0] == 200
    assert (await token_list(client, ref["uri"]))[0] == {}
    assert (await verify(client, clock, credential)).checks["status"] == Check("passed")

    assert (await admin_post(client, f"/credentials/{cid}/revoke"))[0] == 200
    assert (await token_list(client, ref["uri"]))[0] == {ref["idx"]: 1}  # INVALID
    assert (await verify(client, clock, credential)).checks["status"] == Check("failed", "revoked")
    status, body = await admin_post(client, f"/credentials/{cid}/reinstate")
    assert status == 409 and body["error"] == "conflict"  # revocation is final


async def test_batch_indexes_are_distinct_and_not_sequential(client: AppClient) -> None:
    token, _ = await get_token(client, credential_configuration_id=SD_JWT)
    c_nonce = await nonce(client)
    proofs = [proof_jwt(holder_key(), audience=PUBLIC_URL, nonce=c_nonce, iat=T0.timestamp()) for _ in range(8)]
    resp = await client.post("/credential", json={"credential_configuration_id": SD_JWT, "proofs": {"jwt": proofs}},
                             headers={"Authorization": f"Bearer {token}"})
    assert resp.status == 200, await resp.text()
    idx = [claims_of(c["credential"])["status"]["status_list"]["idx"] for c in (await resp.json())["credentials"]]
    assert len(set(idx)) == 8
    assert sorted(idx) != list(range(min(idx), min(idx) + 8))  # not handed out in order
    assert max(idx) - min(idx) > 1000  # spread over the list (a random 8 of 131,072 essentially always are)


async def test_serving_headers_and_conditional_get(client: AppClient) -> None:
    ldp, _ = await issue(client, "OpenBadgeCredential_ldp_vc")
    jwt, _ = await issue(client, "OpenBadgeCredential_jwt_vc_json")
    sd, _ = await issue(client, SD_JWT)
    urls = {
        "application/vc": claims_of(ldp)["credentialStatus"]["statusListCredential"],
        "application/vc+jwt": claims_of(jwt)["credentialStatus"]["statusListCredential"],
        "application/statuslist+jwt": claims_of(sd)["status"]["status_list"]["uri"],
    }
    for content_type, url in urls.items():
        resp = await served(client, url)
        assert resp.content_type == content_type
        assert resp.headers["Cache-Control"] == "public, max-age=300"
        assert resp.headers["Access-Control-Allow-Origin"] == "*"
        again = await client.get(url.removeprefix(PUBLIC_URL), headers={"If-None-Match": resp.headers["ETag"]})
        assert again.status == 304 and not await again.read()
    vc_jwt = await (await served(client, urls["application/vc+jwt"])).text()
    assert jws_header(vc_jwt)["typ"] == "vc+jwt" and jws_header(vc_jwt)["alg"] == "ES256"
    di = await (await served(client, urls["application/vc"])).json(content_type=None)
    assert di["proof"]["cryptosuite"] == "eddsa-rdfc-2022" and di["id"] == urls["application/vc"]
    assert di["credentialSubject"]["ttl"] == 300_000 and di["validUntil"] > di["validFrom"]
    # the forms are not interchangeable, and unknown lists are a JSON 404
    for path in (urls["application/statuslist+jwt"].replace("/token/", "/bitstring/"), "/status/token/nope"):
        resp = await client.get(path.removeprefix(PUBLIC_URL))
        assert resp.status == 404 and (await resp.json())["error"] == "not_found"


async def test_lists_are_signed_once_until_a_status_changes_or_half_the_validity_passes(
    client: AppClient, clock: FixedClock
) -> None:
    credential, _ = await issue(client, SD_JWT)
    uri = claims_of(credential)["status"]["status_list"]["uri"]
    service = client.app[status_key]
    first = await (await served(client, uri)).read()
    signed = service.signatures
    for _ in range(5):
        assert await (await served(client, uri)).read() == first
    assert service.signatures == signed  # served from the cached artefact
    await admin_post(client, f"/credentials/{credential_id(credential)}/revoke")
    changed = await (await served(client, uri)).read()
    assert changed != first and service.signatures == signed + 1
    clock.advance(12 * 3600 - 1)
    assert await (await served(client, uri)).read() == changed
    assert (await served(client, uri)).headers["Cache-Control"] == "public, max-age=300"
    clock.advance(1)  # half of the 24 h validity: re-signed with a fresh exp
    renewed = await (await served(client, uri)).read()
    assert renewed != changed and service.signatures == signed + 2
    assert jws_payload(renewed.decode())["iat"] == int(T0.timestamp()) + 12 * 3600


async def test_a_rotated_key_starts_new_lists_and_old_lists_keep_their_issuer(
    client: AppClient, clock: FixedClock, keys: KeyRing
) -> None:
    old, _ = await issue(client, "OpenBadgeCredential_jwt_vc_json")
    keys.rotate("EC", now=T0)
    new, _ = await issue(client, "OpenBadgeCredential_jwt_vc_json")
    old_url = claims_of(old)["credentialStatus"]["statusListCredential"]
    new_url = claims_of(new)["credentialStatus"]["statusListCredential"]
    assert old_url != new_url and claims_of(old)["iss"] != claims_of(new)["iss"]
    for credential in (old, new):
        assert (await verify(client, clock, credential)).checks["status"] == Check("passed")


async def test_status_can_be_turned_off(
    aiohttp_client: Callable[..., Awaitable[AppClient]], settings: Settings, clock: FixedClock
) -> None:
    off = settings.model_copy(update={"status": settings.status.model_copy(update={"enabled": False})})
    client = await aiohttp_client(create_app(off, store=MemoryStore(), keys=KeyRing.ephemeral(), clock=clock,
                                             admin_token=ADMIN_TOKEN))
    credential, _ = await issue(client, "OpenBadgeCredential_jwt_vc_json")
    assert "credentialStatus" not in claims_of(credential)
    assert (await verify(client, clock, credential)).checks["status"].outcome == "skipped"
    status, body = await admin_post(client, f"/credentials/{credential_id(credential)}/revoke")
    assert status == 409 and "without a status list entry" in body["error_description"]
    status, view = await admin_get(client, f"/credentials/{credential_id(credential)}")
    assert status == 200 and view["status"] is None
