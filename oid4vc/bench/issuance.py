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

import aiohttp

from oid4vc.bench.stats import Progress, Recorder, cpu_seconds_of, self_cpu_seconds
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


async def _step(session: aiohttp.ClientSession, rec: Recorder, name: str, method: str, url: str, **kwargs: Any) -> Any:
    started = time.perf_counter()
    try:
        async with session.request(method, url, **kwargs) as resp:
            body = await resp.read()
            if resp.status >= 400:
                try:
                    code = json.loads(body).get("error", resp.status)
                except ValueError:
                    code = resp.status
                raise _FlowError(f"{name}:{resp.status}:{code}")
    except aiohttp.ClientError as exc:
        raise _FlowError(f"{name}:{type(exc).__name__}") from None
    rec.steps[name].append(time.perf_counter() - started)
    return json.loads(body) if body else None


async def _flow(session: aiohttp.ClientSession, rec: Recorder, offer_uri: str, meta: dict[str, Any]) -> None:
    started = time.perf_counter()
    offer_url = parse_qs(urlsplit(offer_uri).query)["credential_offer_uri"][0]
    offer = await _step(session, rec, "offer", "GET", offer_url)
    code = offer["grants"][PRE_AUTH]["pre-authorized_code"]
    token = await _step(
        session,
        rec,
        "token",
        "POST",
        meta["token_endpoint"],
        data={"grant_type": PRE_AUTH, "pre-authorized_code": code},
    )
    nonce = (await _step(session, rec, "nonce", "POST", meta["nonce_endpoint"]))["c_nonce"]
    key = SigningKey(generate_key("EC"), kid="holder")
    body = {
        "credential_configuration_id": offer["credential_configuration_ids"][0],
        "proofs": {"jwt": [_proof(key, meta["credential_issuer"], nonce)]},
    }
    await _step(
        session,
        rec,
        "credential",
        "POST",
        meta["credential_endpoint"],
        json=body,
        headers={"Authorization": f"Bearer {token['access_token']}"},
    )
    rec.flows.append(time.perf_counter() - started)


async def _create_offers(session: aiohttp.ClientSession, cfg: IssuanceBench, n: int) -> tuple[list[str], float]:
    sem = asyncio.Semaphore(cfg.concurrency)
    progress = Progress(n, "creating offers", force=cfg.progress)
    started = time.perf_counter()

    async def one() -> str:
        async with (
            sem,
            session.post(
                f"{cfg.server}/admin/offers",
                json={"credential_configuration_id": cfg.config_id, "credential_subject": SUBJECT, "expires_in": 3600},
                headers={"Authorization": f"Bearer {cfg.admin_token}"},
            ) as resp,
        ):
            body = await resp.json()
            if resp.status != 201:
                raise SystemExit(f"cannot create offers: {resp.status} {body}")
            progress.advance()
            return str(body["offer_uri"])

    uris = await asyncio.gather(*(one() for _ in range(n)))
    progress.close()
    return list(uris), time.perf_counter() - started


async def _probe(session: aiohttp.ClientSession, url: str, rec: Recorder, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            await _step(session, rec, "probe_healthz", "GET", url)
        except _FlowError as exc:
            rec.errors[exc.kind] += 1
        await asyncio.sleep(0.05)


async def discover(session: aiohttp.ClientSession, server: str) -> dict[str, Any]:
    """Credential Issuer Metadata plus the AS token endpoint (OpenID4VCI 1.0 §12.2, §12.3)."""
    async with session.get(f"{server}/.well-known/openid-credential-issuer") as resp:
        meta: dict[str, Any] = await resp.json()
    async with session.get(f"{server}/.well-known/oauth-authorization-server") as resp:
        meta |= {"token_endpoint": (await resp.json())["token_endpoint"]}
    return meta


async def run_issuance_bench(cfg: IssuanceBench) -> dict[str, Any]:
    connector = aiohttp.TCPConnector(limit=cfg.concurrency + 4)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60)) as session:
        meta = await discover(session, cfg.server)
        offers, offer_seconds = await _create_offers(session, cfg, cfg.flows)
        rec = Recorder()
        queue: asyncio.Queue[str] = asyncio.Queue()
        for uri in offers:
            queue.put_nowait(uri)
        deadline = time.monotonic() + cfg.duration
        progress = Progress(len(offers), f"issuing {cfg.config_id}", force=cfg.progress)
        stop = asyncio.Event()

        async def worker() -> None:
            while time.monotonic() < deadline:
                try:
                    uri = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                try:
                    await _flow(session, rec, uri, meta)
                except _FlowError as exc:
                    rec.errors[exc.kind] += 1
                progress.advance()

        server_cpu0 = cpu_seconds_of(list(cfg.server_pids)) if cfg.server_pids else None
        self_cpu0 = self_cpu_seconds()
        started = time.perf_counter()
        probe = asyncio.create_task(_probe(session, f"{cfg.server}/healthz", rec, stop))
        await asyncio.gather(*(worker() for _ in range(cfg.concurrency)))
        elapsed = time.perf_counter() - started
        stop.set()
        await probe
        progress.close()
        server_cpu1 = cpu_seconds_of(list(cfg.server_pids)) if cfg.server_pids else None
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
        "generator_cpu_ms_per_flow": round((self_cpu_seconds() - self_cpu0) * 1000 / max(done, 1), 3),
    }
    if server_cpu0 is not None and server_cpu1 is not None:
        report["server_cpu_ms_per_flow"] = round((server_cpu1 - server_cpu0) * 1000 / max(done, 1), 3)
    return report
