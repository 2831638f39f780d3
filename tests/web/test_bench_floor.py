"""``scripts/floor_server.py``, the measuring stick behind the README's "floor" numbers: it completes the flows the
``oid4vc bench`` wallets run, and it does the protocol's security work for real (a code redeems once, a c_nonce is
used once, a forged key proof is refused), so the CPU it spends is a fair floor, not a stub's."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from oid4vc.bench.http import HttpClient, HttpError
from oid4vc.bench.issuance import IssuanceBench, _proof, discover, run_issuance_bench
from oid4vc.crypto.keys import SigningKey, generate_key
from tests.support.net import free_port

pytestmark = pytest.mark.asyncio

FLOOR = Path(__file__).resolve().parents[2] / "scripts" / "floor_server.py"
PRE = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
CONFIG = "OpenBadgeCredential_dc_sd_jwt"
SUBJECT = {"achievement": {"name": "Floor"}}


@pytest.fixture
async def floor(tmp_path: Path) -> AsyncIterator[str]:
    port = free_port()
    proc = await asyncio.create_subprocess_exec(sys.executable, str(FLOOR), str(port), str(tmp_path / "floor.db"))
    base = f"http://127.0.0.1:{port}"
    client = HttpClient(timeout=2)
    try:
        for _ in range(100):
            try:
                if (await client.request("GET", f"{base}/healthz")).status == 200:
                    break
            except HttpError:  # not listening yet
                await asyncio.sleep(0.1)
        yield base
    finally:
        await client.close()
        proc.terminate()
        await proc.wait()


async def test_the_floor_completes_every_bench_flow(floor: str) -> None:
    report = await run_issuance_bench(
        IssuanceBench(server=floor, admin_token="-", config_id=CONFIG, flows=12, concurrency=4, progress=False)
    )
    assert report["errors"] == {}
    assert report["flows_completed"] == 12


async def test_the_floor_redeems_a_code_once_uses_a_nonce_once_and_checks_the_proof(floor: str) -> None:
    meta = await discover(floor)
    client = HttpClient()
    try:
        made = await client.request(
            "POST",
            f"{floor}/admin/offers",
            json_body={"credential_configuration_id": CONFIG, "credential_subject": SUBJECT},
        )
        offer_url = parse_qs(urlsplit(made.json()["offer_uri"]).query)["credential_offer_uri"][0]
        code = (await client.request("GET", offer_url)).json()["grants"][PRE]["pre-authorized_code"]
        form = {"grant_type": PRE, "pre-authorized_code": code}
        token = (await client.request("POST", meta["token_endpoint"], form=form)).json()["access_token"]
        again = await client.request("POST", meta["token_endpoint"], form=form)
        assert (again.status, again.json()["error"]) == (400, "invalid_grant")

        key = SigningKey(generate_key("EC"), kid="holder")
        bearer = {"Authorization": f"Bearer {token}"}

        async def credential(proof: str) -> tuple[int, Any]:
            body = {"credential_configuration_id": CONFIG, "proofs": {"jwt": [proof]}}
            resp = await client.request("POST", meta["credential_endpoint"], json_body=body, headers=bearer)
            return resp.status, resp.json()

        nonce = (await client.request("POST", meta["nonce_endpoint"])).json()["c_nonce"]
        good = _proof(key, meta["credential_issuer"], nonce)
        forged = good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB")
        assert await credential(forged) == (400, {"error": "invalid_proof"})
        status, issued = await credential(good)
        assert status == 200
        assert issued["credentials"][0]["credential"].count(".") == 2  # a signed SD-JWT
        assert await credential(good) == (400, {"error": "invalid_nonce"})
    finally:
        await client.close()
