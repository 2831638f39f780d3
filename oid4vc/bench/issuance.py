"""Issuance load: many wallets at once running the full pre-authorized code flow (OpenID4VCI 1.0 §4.1.3 offer by
reference -> §6 token -> §7 nonce -> §8 credential) against any deployment whose admin API can create offers.

Offers are created first and reported separately (not in the timed phase). The timed phase is bounded by a flow
count and a duration. A probe measures ``/healthz`` latency meanwhile (the event loop's responsiveness).
Server CPU per flow comes from the server processes' own accounting (``--server-pid``, read from /proc), so it
does not depend on the load generator sharing the machine; the generator's CPU is reported too.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from oid4vc.bench.http import HttpClient, HttpError
from oid4vc.bench.stats import BenchSetupError, CpuMeter, Progress, Recorder
from oid4vc.crypto.keys import SigningKey, generate_key
from oid4vc.encoding import b64url_encode
from oid4vc.jose import encode_segment

__all__ = ["IssuanceBench", "run_issuance_bench"]

PRE_AUTH = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
SUBJECT = {
    "achievement": {
        "id": "https://example.edu/achievements/bench",
        "type": ["Achievement"],
        "name": "Benchmark Badge",
        "description": "Load test",
        "criteria": {"narrative": "Ran."},
    }
}


@dataclass(frozen=True)
class IssuanceBench:
    server: str
    admin_token: str
    config_id: str
    flows: int = 1000
    concurrency: int = 32
    duration: float = 60.0
    server_pids: tuple[int, ...] = ()
    database_pids: tuple[int, ...] = ()  # a local database server's main process (CPU reported apart)
    progress: bool = True


class _FlowError(Exception):
    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


def _proof(key: SigningKey, audience: str, nonce: str, *, kid: str | None = None) -> str:
    header: dict[str, Any] = {"alg": key.alg, "typ": "openid4vci-proof+jwt"}
    header |= {"kid": kid} if kid else {"jwk": key.public_jwk}
    claims = {"aud": audience, "iat": int(time.time()), "nonce": nonce}
    signing_input = f"{encode_segment(header)}.{encode_segment(claims)}"
    return f"{signing_input}.{b64url_encode(key.sign_bytes(signing_input.encode()))}"


async def _step(client: HttpClient, rec: Recorder, name: str, method: str, url: str, **kwargs: Any) -> Any:
    started = time.perf_counter()
    try:
        resp = await client.request(method, url, **kwargs)
    except HttpError as exc:
        raise _FlowError(f"{name}:{exc.kind}") from None
    if resp.status >= 400:
        try:
            code = json.loads(resp.body).get("error", resp.status)
        except (ValueError, AttributeError):
            code = resp.status
        raise _FlowError(f"{name}:{resp.status}:{code}")
    rec.steps[name].append(time.perf_counter() - started)
    try:
        return resp.json()
    except ValueError:
        raise _FlowError(f"{name}:{resp.status}:not_json") from None


async def _flow(client: HttpClient, rec: Recorder, offer_uri: str, meta: dict[str, Any], key: SigningKey) -> None:
    started = time.perf_counter()
    offer_url = parse_qs(urlsplit(offer_uri).query)["credential_offer_uri"][0]
    offer = await _step(client, rec, "offer", "GET", offer_url)
    code = offer["grants"][PRE_AUTH]["pre-authorized_code"]
    form = {"grant_type": PRE_AUTH, "pre-authorized_code": code}
    token = await _step(client, rec, "token", "POST", meta["token_endpoint"], form=form)
    nonce = (await _step(client, rec, "nonce", "POST", meta["nonce_endpoint"]))["c_nonce"]
    body = {
        "credential_configuration_id": offer["credential_configuration_ids"][0],
        "proofs": {"jwt": [_proof(key, meta["credential_issuer"], nonce)]},
    }
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    await _step(client, rec, "credential", "POST", meta["credential_endpoint"], json_body=body, headers=bearer)
    rec.flows.append(time.perf_counter() - started)


async def _create_offers(cfg: IssuanceBench, n: int) -> tuple[list[str], float]:
    progress = Progress(n, "creating offers", force=cfg.progress)
    started = time.perf_counter()
    uris: list[str] = []
    remaining = n
    body = {"credential_configuration_id": cfg.config_id, "credential_subject": SUBJECT, "expires_in": 3600}
    admin = {"Authorization": f"Bearer {cfg.admin_token}"}

    async def creator() -> None:
        nonlocal remaining
        client = HttpClient()
        try:
            while remaining > 0:
                remaining -= 1  # claimed before the await, so exactly n offers are made
                resp = await client.request("POST", f"{cfg.server}/admin/offers", json_body=body, headers=admin)
                if resp.status != 201:
                    raise BenchSetupError(f"cannot create offers: {resp.status} {resp.body[:300]!r}")
                uris.append(str(resp.json()["offer_uri"]))
                progress.advance()
        finally:
            await client.close()

    await asyncio.gather(*(creator() for _ in range(min(cfg.concurrency, n))))
    progress.close()
    return uris, time.perf_counter() - started


async def _probe(url: str, rec: Recorder, stop: asyncio.Event) -> None:
    client = HttpClient()
    try:
        while not stop.is_set():
            try:
                await _step(client, rec, "probe_healthz", "GET", url)
            except _FlowError as exc:
                rec.errors[exc.kind] += 1
            await asyncio.sleep(0.05)
    finally:
        await client.close()


async def discover(server: str) -> dict[str, Any]:
    """Credential Issuer Metadata plus the AS token endpoint (OpenID4VCI 1.0 §12.2, §12.3)."""
    client = HttpClient()
    try:
        meta: dict[str, Any] = (await client.request("GET", f"{server}/.well-known/openid-credential-issuer")).json()
        auth = (await client.request("GET", f"{server}/.well-known/oauth-authorization-server")).json()
    except (HttpError, ValueError) as exc:
        raise BenchSetupError(f"cannot read the issuer's metadata at {server}: {exc}") from None
    finally:
        await client.close()
    return meta | {"token_endpoint": auth["token_endpoint"]}


async def run_issuance_bench(cfg: IssuanceBench) -> dict[str, Any]:
    meta = await discover(cfg.server)
    offers, offer_seconds = await _create_offers(cfg, cfg.flows)
    # one holder key per flow, made before the timed phase (key generation is the wallet's, not the exchange's)
    work = [(uri, SigningKey(generate_key("EC"), kid="holder")) for uri in offers]
    work.reverse()
    rec = Recorder()
    deadline = time.monotonic() + cfg.duration
    progress = Progress(len(offers), f"issuing {cfg.config_id}", force=cfg.progress)
    stop = asyncio.Event()

    async def worker() -> None:
        client = HttpClient()
        try:
            while work and time.monotonic() < deadline:
                uri, key = work.pop()
                try:
                    await _flow(client, rec, uri, meta, key)
                except _FlowError as exc:
                    rec.errors[exc.kind] += 1
                progress.advance()
        finally:
            await client.close()

    cpu = CpuMeter(cfg.server_pids, cfg.database_pids)
    cpu.start()
    started = time.perf_counter()
    probe = asyncio.create_task(_probe(f"{cfg.server}/healthz", rec, stop))
    await asyncio.gather(*(worker() for _ in range(cfg.concurrency)))
    elapsed = time.perf_counter() - started
    cpu_ms = cpu.per_flow_ms(len(rec.flows))
    stop.set()
    await probe
    progress.close()
    done = len(rec.flows)
    report: dict[str, Any] = {
        "kind": "issuance",
        "server": cfg.server,
        "credential_configuration_id": cfg.config_id,
        "concurrency": cfg.concurrency,
        "flows_completed": done,
        "errors": dict(rec.errors),
        "elapsed_s": round(elapsed, 3),
        "flows_per_s": round(done / elapsed, 1) if elapsed else 0.0,
        "offer_creation": {"count": len(offers), "per_s": round(len(offers) / offer_seconds, 1)},
        "flow_latency": Recorder(steps={"flow": rec.flows}).summary()["flow"] if rec.flows else {},
        "steps": rec.summary(),
        **cpu_ms,
    }
    return report
