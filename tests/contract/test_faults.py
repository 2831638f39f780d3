"""Faults (issue #8): a server process killed (SIGKILL) in the middle of issuance loses nothing that was
acknowledged and never issues twice for one code; the supervisor brings a new process up."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from pathlib import Path
from typing import Any

import aiohttp

from oid4vc.crypto.keys import SigningKey, generate_key
from oid4vc.encoding import b64url_encode
from oid4vc.jose import encode_segment, parse_compact_jws
from tests.contract.test_workers import ADMIN, PRE_AUTH, SUBJECT, Served, _serve

CONFIG = "OpenBadgeCredential_jwt_vc_json"


def _children(pid: int) -> list[int]:
    """The supervisor's worker processes (not multiprocessing's resource tracker)."""
    out: list[int] = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as fh:
            out += [int(c) for c in fh.read().split()]
    workers = []
    for child in out:
        with open(f"/proc/{child}/cmdline", "rb") as fh:
            if b"resource_tracker" not in fh.read():
                workers.append(child)
    return workers


def _proof(key: SigningKey, aud: str, nonce: str) -> str:
    header = {"alg": "ES256", "typ": "openid4vci-proof+jwt", "jwk": key.public_jwk}
    signing_input = f"{encode_segment(header)}.{encode_segment({'aud': aud, 'iat': int(time.time()), 'nonce': nonce})}"
    return f"{signing_input}.{b64url_encode(key.sign_bytes(signing_input.encode()))}"


async def _flow(base: str, offer: dict[str, Any], outcome: dict[str, Any], progress: asyncio.Event | None = None,
                tokens: list[int] | None = None) -> None:
    connector = aiohttp.TCPConnector(force_close=True)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=20)) as s:
        try:
            async with s.get(offer["credential_offer_uri"]) as r:
                code = (await r.json())["grants"][PRE_AUTH]["pre-authorized_code"]
            outcome["code"] = code
            async with s.post(f"{base}/token", data={"grant_type": PRE_AUTH, "pre-authorized_code": code}) as r:
                if r.status != 200:
                    return
                outcome["token"] = (await r.json())["access_token"]
            if tokens is not None and progress is not None:
                tokens.append(1)
                if len(tokens) >= 20:
                    progress.set()
            await asyncio.sleep(0.05)  # widen the window in which a kill lands mid-flow
            await _credential(s, base, outcome)
        except (TimeoutError, aiohttp.ClientError, json.JSONDecodeError):
            return


async def _credential(s: aiohttp.ClientSession, base: str, outcome: dict[str, Any]) -> int:
    async with s.post(f"{base}/nonce") as r:
        nonce = (await r.json())["c_nonce"]
    body = {
        "credential_configuration_id": CONFIG,
        "proofs": {"jwt": [_proof(SigningKey(generate_key("EC"), "h"), base, nonce)]},
    }
    async with s.post(f"{base}/credential", json=body, headers={"Authorization": f"Bearer {outcome['token']}"}) as r:
        if r.status == 200:
            outcome["credential_id"] = parse_compact_jws((await r.json())["credentials"][0]["credential"]).payload[
                "jti"
            ]
        else:
            outcome["credential_error"] = (await r.json()).get("error")
        return int(r.status)


async def test_sigkill_mid_issuance_loses_nothing_acknowledged_and_never_issues_twice(tmp_path: Path) -> None:
    served_gen = _serve(tmp_path, f"sqlite:///{tmp_path / 'shared.db'}")
    served: Served = next(served_gen)
    try:
        base = served.base
        headers = {"Authorization": f"Bearer {ADMIN}"}
        async with aiohttp.ClientSession() as s:
            offers = []
            for _ in range(120):
                async with s.post(
                    f"{base}/admin/offers",
                    headers=headers,
                    json={"credential_configuration_id": CONFIG, "credential_subject": SUBJECT},
                ) as r:
                    offers.append(await r.json())
        outcomes: list[dict[str, Any]] = [{} for _ in offers]
        victims = _children(served.proc.pid)
        assert len(victims) == 2

        progress, tokens = asyncio.Event(), list[int]()

        async def killer() -> None:  # kill once the first tokens are out, while most flows are still running
            await asyncio.wait_for(progress.wait(), timeout=30)
            os.kill(victims[0], signal.SIGKILL)

        await asyncio.gather(
            killer(), *(_flow(base, o, out, progress, tokens) for o, out in zip(offers, outcomes, strict=True))
        )
        await asyncio.sleep(2.0)  # the supervisor restarts the killed worker
        assert len(_children(served.proc.pid)) == 2
        interrupted = 0
        async with aiohttp.ClientSession() as s:
            for offer, out in zip(offers, outcomes, strict=True):
                async with s.get(f"{base}/admin/offers/{offer['id']}", headers=headers) as r:
                    state = await r.json()
                assert len(state["credential_ids"]) <= 1  # never two credentials for one code
                if "credential_id" in out:  # acknowledged: recorded, with the very credential the wallet holds
                    assert state["state"] == "issued" and state["credential_ids"] == [out["credential_id"]]
                    continue
                interrupted += 1
                if "token" in out:  # a token was acknowledged: it still works, once
                    status = await _credential(s, base, out)
                    if status == 200:
                        continue
                    assert out["credential_error"] == "credential_request_denied"  # issued, response lost
                    assert state["state"] == "issued"
                elif "code" in out:  # the code is single-use whatever happened; a retry never yields a second token
                    async with s.post(
                        f"{base}/token", data={"grant_type": PRE_AUTH, "pre-authorized_code": out["code"]}
                    ) as r:
                        assert r.status in (200, 400)
        assert interrupted > 0, "the kill landed after every flow finished; nothing was tested"
        log = served.log.read_text()
        assert "restarting" in log
    finally:
        next(served_gen, None)


async def test_database_restart_is_503_then_recovers(postgres_server: Any, aiohttp_client: Any, tmp_path: Path) -> None:
    """While PostgreSQL is down, wallet requests get 503 temporarily_unavailable with Retry-After (never a hang or a
    500); after it is back, the same server answers normally."""
    from oid4vc.config import load_settings
    from oid4vc.crypto.keystore import KeyRing
    from oid4vc.store.postgres import PostgresStore
    from oid4vc.web.app import create_app

    store = await PostgresStore.open(postgres_server.create_database() + "?connect_timeout=2&command_timeout=5")
    settings = load_settings(
        overrides={"server": {"public_url": "https://issuer.example", "data_dir": str(tmp_path), "jsonld_workers": 0}},
        environ={},
    )
    client = await aiohttp_client(create_app(settings, store=store, keys=KeyRing.ephemeral(), admin_token=ADMIN))

    async def token_status() -> int:  # an unknown code: 400 invalid_grant once the store has looked it up
        resp = await client.post("/token", data={"grant_type": PRE_AUTH, "pre-authorized_code": "unknown"})
        return int(resp.status)

    assert await token_status() == 400
    await asyncio.to_thread(postgres_server.stop)
    try:
        started = time.monotonic()
        resp = await client.post("/token", data={"grant_type": PRE_AUTH, "pre-authorized_code": "unknown"})
        assert resp.status == 503 and resp.headers["Retry-After"]
        assert (await resp.json())["error"] == "temporarily_unavailable"
        assert time.monotonic() - started < 15
        assert (await client.get("/readyz")).status == 503
        assert (await client.get("/healthz")).status == 200  # alive, not ready
        assert (await client.post("/nonce")).status == 200  # c_nonces are stateless: no store involved
    finally:
        await asyncio.to_thread(postgres_server.start)
    for _ in range(20):
        if await token_status() == 400:
            break
        await asyncio.sleep(0.5)
    assert await token_status() == 400
    assert (await client.get("/readyz")).status == 200
    await store.close()
