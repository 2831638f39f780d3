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
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

from oid4vc.bench.http import HttpClient, HttpError
from oid4vc.bench.stats import BenchSetupError, CpuMeter, Progress, Recorder
from oid4vc.crypto.keys import SigningKey, generate_key
from oid4vc.encoding import b64url_encode
from oid4vc.jose import encode_segment

__all__ = ["IssuanceBench", "run_issuance_bench", "run_step_cost_bench"]

T = TypeVar("T")

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


async def _offer(client: HttpClient, rec: Recorder, offer_uri: str) -> dict[str, Any]:
    offer_url = parse_qs(urlsplit(offer_uri).query)["credential_offer_uri"][0]
    offer: dict[str, Any] = await _step(client, rec, "offer", "GET", offer_url)
    return offer


async def _token(client: HttpClient, rec: Recorder, meta: dict[str, Any], offer: dict[str, Any]) -> str:
    form = {"grant_type": PRE_AUTH, "pre-authorized_code": offer["grants"][PRE_AUTH]["pre-authorized_code"]}
    return str((await _step(client, rec, "token", "POST", meta["token_endpoint"], form=form))["access_token"])


async def _nonce(client: HttpClient, rec: Recorder, meta: dict[str, Any]) -> str:
    return str((await _step(client, rec, "nonce", "POST", meta["nonce_endpoint"]))["c_nonce"])


async def _credential(
    client: HttpClient, rec: Recorder, meta: dict[str, Any], config_id: str, token: str, nonce: str, key: SigningKey
) -> None:
    body = {
        "credential_configuration_id": config_id,
        "proofs": {"jwt": [_proof(key, meta["credential_issuer"], nonce)]},
    }
    bearer = {"Authorization": f"Bearer {token}"}
    await _step(client, rec, "credential", "POST", meta["credential_endpoint"], json_body=body, headers=bearer)


async def _flow(client: HttpClient, rec: Recorder, offer_uri: str, meta: dict[str, Any], key: SigningKey) -> None:
    started = time.perf_counter()
    offer = await _offer(client, rec, offer_uri)
    token = await _token(client, rec, meta, offer)
    nonce = await _nonce(client, rec, meta)
    await _credential(client, rec, meta, offer["credential_configuration_ids"][0], token, nonce, key)
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


async def _drain(
    items: list[T],
    step: Callable[[HttpClient, T], Awaitable[None]],
    *,
    concurrency: int,
    rec: Recorder,
    progress: Progress,
    deadline: float | None = None,
) -> list[T]:
    """``step`` for every item, in order, by ``concurrency`` simulated wallets, each on its own keep-alive
    connection; a failed step is counted in ``rec.errors`` by kind. No item is started after ``deadline``
    (``time.monotonic``). Returns the items whose step succeeded."""
    pending = list(reversed(items))
    done: list[T] = []

    async def wallet() -> None:
        client = HttpClient()
        try:
            while pending and (deadline is None or time.monotonic() < deadline):
                item = pending.pop()
                try:
                    await step(client, item)
                    done.append(item)
                except _FlowError as exc:
                    rec.errors[exc.kind] += 1
                progress.advance()
        finally:
            await client.close()

    await asyncio.gather(*(wallet() for _ in range(max(1, min(concurrency, len(items))))))
    return done


async def run_issuance_bench(cfg: IssuanceBench) -> dict[str, Any]:
    meta = await discover(cfg.server)
    offers, offer_seconds = await _create_offers(cfg, cfg.flows)
    # one holder key per flow, made before the timed phase (key generation is the wallet's, not the exchange's)
    work = [(uri, SigningKey(generate_key("EC"), kid="holder")) for uri in offers]
    rec = Recorder()
    progress = Progress(len(offers), f"issuing {cfg.config_id}", force=cfg.progress)
    stop = asyncio.Event()

    async def flow(client: HttpClient, item: tuple[str, SigningKey]) -> None:
        await _flow(client, rec, item[0], meta, item[1])

    cpu = CpuMeter(cfg.server_pids, cfg.database_pids)
    cpu.start()
    started = time.perf_counter()
    probe = asyncio.create_task(_probe(f"{cfg.server}/healthz", rec, stop))
    await _drain(work, flow, concurrency=cfg.concurrency, rec=rec, progress=progress,
                 deadline=time.monotonic() + cfg.duration)
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


@dataclass
class _Wallet:
    """One flow run step by step: what each step got, for the next."""

    offer_uri: str
    key: SigningKey
    offer: dict[str, Any] | None = None
    token: str = ""
    nonce: str = ""


async def run_step_cost_bench(cfg: IssuanceBench) -> dict[str, Any]:
    """Where a flow's server CPU goes: each step of every flow runs as its own phase (all offers fetched, then all
    tokens, all nonces, all credentials, then as many ``/healthz`` as a floor; same concurrency), and the server's
    CPU is read around each phase. A flow whose step failed is left out of the later phases."""
    meta = await discover(cfg.server)
    offers, _ = await _create_offers(cfg, cfg.flows)
    wallets = [_Wallet(uri, SigningKey(generate_key("EC"), kid="holder")) for uri in offers]
    rec = Recorder()
    phases: dict[str, dict[str, float]] = {}

    async def phase(name: str, items: list[_Wallet], step: Callable[[HttpClient, _Wallet], Awaitable[None]]) -> None:
        progress = Progress(len(items), f"step {name}", force=cfg.progress)
        cpu = CpuMeter(cfg.server_pids, cfg.database_pids)
        cpu.start()
        started = time.perf_counter()
        done = await _drain(items, step, concurrency=cfg.concurrency, rec=rec, progress=progress)
        elapsed = time.perf_counter() - started
        progress.close()
        costs = cpu.per_flow_ms(len(done))
        phases[name] = {"requests": len(done), "per_s": round(len(done) / elapsed, 1) if elapsed else 0.0} | {
            key.replace("_cpu_ms_per_flow", "_cpu_us_per_request"): round(ms * 1000, 1) for key, ms in costs.items()
        }
        items[:] = done

    async def offer(client: HttpClient, w: _Wallet) -> None:
        w.offer = await _offer(client, rec, w.offer_uri)

    async def token(client: HttpClient, w: _Wallet) -> None:
        assert w.offer is not None
        w.token = await _token(client, rec, meta, w.offer)

    async def nonce(client: HttpClient, w: _Wallet) -> None:
        w.nonce = await _nonce(client, rec, meta)

    async def credential(client: HttpClient, w: _Wallet) -> None:
        await _credential(client, rec, meta, cfg.config_id, w.token, w.nonce, w.key)

    async def healthz(client: HttpClient, _: _Wallet) -> None:
        await _step(client, rec, "healthz", "GET", f"{cfg.server}/healthz")

    flow_steps = {"offer": offer, "token": token, "nonce": nonce, "credential": credential}
    remaining = list(wallets)
    for name, step in flow_steps.items():
        await phase(name, remaining, step)
    await phase("healthz", list(wallets), healthz)
    report: dict[str, Any] = {
        "kind": "issuance-steps",
        "server": cfg.server,
        "credential_configuration_id": cfg.config_id,
        "concurrency": cfg.concurrency,
        "flows_completed": len(remaining),
        "errors": dict(rec.errors),
        "steps": phases,
    }
    if all("server_cpu_us_per_request" in phases[name] for name in flow_steps):
        total_us = sum(phases[name]["server_cpu_us_per_request"] for name in flow_steps)
        report["server_cpu_ms_per_flow"] = round(total_us / 1000, 3)
    return report
