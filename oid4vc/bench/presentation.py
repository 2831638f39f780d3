"""Presentation load: many wallets answering OpenID4VP 1.0 requests at once (request creation by the admin API,
Request Object fetch §5.10, response §8.2) with credentials the same deployment issued beforehand (issuance is
setup, not timed). Reports verified presentations per second and per-step latency, like the issuance bench."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from oid4vc.bench.http import HttpClient, HttpError
from oid4vc.bench.issuance import PRE_AUTH, SUBJECT, _drain, _FlowError, _proof, _step, discover
from oid4vc.bench.stats import BenchSetupError, CpuMeter, Progress, Recorder
from oid4vc.crypto.jwcrypto import encrypt_for_test
from oid4vc.crypto.keys import SigningKey, generate_key
from oid4vc.dids.jwk import did_jwk_from_jwk
from oid4vc.dids.key import did_key_from_jwk
from oid4vc.formats.ldp_vc import add_proof
from oid4vc.formats.sd_jwt import create_presentation, parse_sd_jwt
from oid4vc.jose import parse_compact_jws

__all__ = ["PresentationBench", "run_presentation_bench"]

_OB = "https://purl.imsglobal.org/spec/vc/ob/vocab.html#OpenBadgeCredential"
_VC = "https://www.w3.org/2018/credentials#VerifiableCredential"
_CONFIGS = {
    "dc+sd-jwt": "OpenBadgeCredential_dc_sd_jwt",
    "jwt_vc_json": "OpenBadgeCredential_jwt_vc_json",
    "ldp_vc": "OpenBadgeCredential_ldp_vc",
}


@dataclass(frozen=True)
class PresentationBench:
    server: str
    admin_token: str
    format: str = "dc+sd-jwt"
    response_mode: str = "direct_post.jwt"
    flows: int = 500
    concurrency: int = 32
    duration: float = 60.0
    server_pids: tuple[int, ...] = ()
    database_pids: tuple[int, ...] = ()  # a local database server's main process (CPU reported apart)
    progress: bool = True


@dataclass
class _Holder:
    key: SigningKey
    did: str
    credential: Any


async def _issue(client: HttpClient, cfg: PresentationBench, meta: dict[str, Any]) -> _Holder:
    admin = {"Authorization": f"Bearer {cfg.admin_token}"}
    body = {"credential_configuration_id": _CONFIGS[cfg.format], "credential_subject": SUBJECT}
    rec = Recorder()
    offer_uri = (await _step(client, rec, "create_offer", "POST", f"{cfg.server}/admin/offers", json_body=body,
                             headers=admin))["offer_uri"]
    offer_url = parse_qs(urlsplit(offer_uri).query)["credential_offer_uri"][0]
    offer = await _step(client, rec, "offer", "GET", offer_url)
    form = {"grant_type": PRE_AUTH, "pre-authorized_code": offer["grants"][PRE_AUTH]["pre-authorized_code"]}
    token = await _step(client, rec, "token", "POST", meta["token_endpoint"], form=form)
    nonce = (await _step(client, rec, "nonce", "POST", meta["nonce_endpoint"]))["c_nonce"]
    kty = "OKP" if cfg.format == "ldp_vc" else "EC"
    key = SigningKey(generate_key(kty), kid="holder")
    did = did_key_from_jwk(key.public_jwk) if kty == "OKP" else did_jwk_from_jwk(key.public_jwk)
    header_kid = f"{did}#{did.removeprefix('did:key:')}" if kty == "OKP" else None
    proof = _proof(key, meta["credential_issuer"], nonce, kid=header_kid)
    request = {"credential_configuration_id": _CONFIGS[cfg.format], "proofs": {"jwt": [proof]}}
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    issued = await _step(client, rec, "credential", "POST", meta["credential_endpoint"], json_body=request,
                         headers=bearer)
    return _Holder(key, did, issued["credentials"][0]["credential"])


def _query(cfg: PresentationBench) -> dict[str, Any]:
    meta = (
        {"vct_values": [f"{cfg.server}/vct/OpenBadgeCredential"]}
        if cfg.format == "dc+sd-jwt"
        else {"type_values": [[_VC, _OB]]}
    )
    return {
        "credentials": [
            {
                "id": "badge",
                "format": cfg.format,
                "meta": meta,
                "claims": [{"path": ["credentialSubject", "achievement", "name"]}],
            }
        ]
    }


async def _presentation(holder: _Holder, fmt: str, request: dict[str, Any]) -> Any:
    now = datetime.now(UTC)
    if fmt == "dc+sd-jwt":
        return create_presentation(
            parse_sd_jwt(holder.credential),
            [],
            holder=holder.key,
            audience=request["client_id"],
            nonce=request["nonce"],
            now=now,
        )
    if fmt == "jwt_vc_json":
        claims = {
            "iss": holder.did,
            "aud": request["client_id"],
            "nonce": request["nonce"],
            "iat": int(time.time()),
            "vp": {
                "@context": ["https://www.w3.org/2018/credentials/v1"],
                "type": ["VerifiablePresentation"],
                "holder": holder.did,
                "verifiableCredential": [holder.credential],
            },
        }
        return holder.key.sign({"typ": "JWT", "kid": f"{holder.did}#0"}, claims)
    vp = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": holder.did,
        "verifiableCredential": [holder.credential],
    }
    return await add_proof(
        vp,
        signer=holder.key,
        executor=None,
        proof_purpose="authentication",
        verification_method=f"{holder.did}#{holder.did.removeprefix('did:key:')}",
        created=now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        challenge=request["nonce"],
        domain=request["client_id"],
    )


async def _flow(client: HttpClient, rec: Recorder, cfg: PresentationBench, holder: _Holder) -> None:
    started = time.perf_counter()
    created = await _step(
        client,
        rec,
        "create_request",
        "POST",
        f"{cfg.server}/admin/presentations",
        json_body={"dcql_query": _query(cfg), "response_mode": cfg.response_mode},
        headers={"Authorization": f"Bearer {cfg.admin_token}"},
    )
    flow_started = time.perf_counter()
    request_uri = parse_qs(urlsplit(created["request_uri"]).query)["request_uri"][0]
    try:
        resp = await client.request("GET", request_uri)
    except HttpError as exc:
        raise _FlowError(f"request:{exc.kind}") from None
    if resp.status != 200:
        raise _FlowError(f"request:{resp.status}")
    request = parse_compact_jws(resp.text()).payload
    rec.steps["request"].append(time.perf_counter() - flow_started)
    vp_token = {"badge": [await _presentation(holder, cfg.format, request)]}
    if cfg.response_mode == "direct_post.jwt":
        jwk = request["client_metadata"]["jwks"]["keys"][0]
        form = {"response": encrypt_for_test({"vp_token": vp_token, "state": request["state"]}, jwk)}
    else:
        form = {"vp_token": json.dumps(vp_token), "state": request["state"]}
    await _step(client, rec, "response", "POST", request["response_uri"], form=form)
    rec.flows.append(time.perf_counter() - flow_started)
    rec.steps["total_with_create"].append(time.perf_counter() - started)


async def run_presentation_bench(cfg: PresentationBench) -> dict[str, Any]:
    meta = await discover(cfg.server)
    setup = Progress(cfg.flows, f"issuing {cfg.format} credentials (setup)", force=cfg.progress)
    holders: list[_Holder] = []
    remaining = cfg.flows

    async def issuer() -> None:
        nonlocal remaining
        client = HttpClient()
        try:
            while remaining > 0:
                remaining -= 1
                try:
                    holders.append(await _issue(client, cfg, meta))
                except _FlowError as exc:
                    raise BenchSetupError(f"cannot issue the credentials to present: {exc.kind}") from None
                setup.advance()
        finally:
            await client.close()

    await asyncio.gather(*(issuer() for _ in range(min(cfg.concurrency, cfg.flows))))
    setup.close()
    rec = Recorder()
    progress = Progress(len(holders), f"presenting {cfg.format} ({cfg.response_mode})", force=cfg.progress)

    async def flow(client: HttpClient, holder: _Holder) -> None:
        await _flow(client, rec, cfg, holder)

    cpu = CpuMeter(cfg.server_pids, cfg.database_pids)
    cpu.start()
    started = time.perf_counter()
    await _drain(holders, flow, concurrency=cfg.concurrency, rec=rec, progress=progress,
                 deadline=time.monotonic() + cfg.duration)
    elapsed = time.perf_counter() - started
    cpu_ms = cpu.per_flow_ms(len(rec.flows))
    progress.close()
    done = len(rec.flows)
    report: dict[str, Any] = {
        "kind": "presentation",
        "server": cfg.server,
        "format": cfg.format,
        "response_mode": cfg.response_mode,
        "concurrency": cfg.concurrency,
        "presentations_verified": done,
        "errors": dict(rec.errors),
        "elapsed_s": round(elapsed, 3),
        "presentations_per_s": round(done / elapsed, 1) if elapsed else 0.0,
        "steps": rec.summary(),
        **cpu_ms,
    }
    return report
