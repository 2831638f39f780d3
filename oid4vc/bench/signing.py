"""Signing throughput per format, in process: credentials signed per second for a minimal and a complete Open
Badge (``ldp_vc`` through a process pool of JSON-LD workers, as the server runs it; JWT formats on the loop)."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Any

from oid4vc.config import CredentialConfigurationSettings
from oid4vc.crypto.keys import SigningKey, generate_key
from oid4vc.dids.key import did_key_from_jwk
from oid4vc.formats.base import CredentialFormat, HolderBinding, IssuerKey
from oid4vc.formats.registry import build_formats
from oid4vc.jose import JsonObject
from oid4vc.ler import build_achievement_credential

__all__ = ["complete_subject", "minimal_subject", "run_signing_bench"]


def minimal_subject() -> JsonObject:
    return {
        "achievement": {
            "id": "https://example.edu/a/1",
            "type": ["Achievement"],
            "name": "Minimal",
            "description": "A minimal badge",
            "criteria": {"narrative": "Done."},
        }
    }


def complete_subject() -> JsonObject:
    """A large, realistic badge: alignments, result descriptions, results, evidence (about 8 KB of JSON)."""
    rds: list[dict[str, Any]] = [
        {
            "id": f"urn:uuid:00000000-0000-4000-8000-00000000000{i}",
            "type": ["ResultDescription"],
            "name": f"Outcome {i}",
            "resultType": "RubricCriterionLevel",
            "rubricCriterionLevel": [
                {
                    "id": f"urn:uuid:00000000-0000-4000-8000-0000000001{i}{j}",
                    "type": ["RubricCriterionLevel"],
                    "name": f"Level {j}",
                    "description": f"Performance level {j}",
                }
                for j in range(3)
            ],
        }
        for i in range(4)
    ]
    return {
        "achievement": {
            "id": "https://example.edu/a/complete",
            "type": ["Achievement"],
            "name": "Complete",
            "description": "A badge with everything",
            "criteria": {"narrative": "Meet every outcome."},
            "achievementType": "Certificate",
            "fieldOfStudy": "Nursing",
            "humanCode": "NUR-101",
            "creditsAvailable": 3.0,
            "tag": ["nursing", "health", "care"],
            "alignment": [
                {
                    "type": ["Alignment"],
                    "targetName": f"Competency {i}",
                    "targetType": "CFItem",
                    "targetUrl": f"https://case.example.org/items/{i}",
                    "targetCode": f"C{i}",
                    "targetFramework": "Nursing Framework",
                }
                for i in range(10)
            ],
            "resultDescription": rds,
        },
        "result": [
            {"type": ["Result"], "resultDescription": rd["id"], "achievedLevel": rd["rubricCriterionLevel"][2]["id"]}
            for rd in rds
        ],
        "evidence": [
            {
                "type": ["Evidence"],
                "id": f"https://example.edu/evidence/{i}",
                "name": f"Artifact {i}",
                "narrative": "Portfolio item",
            }
            for i in range(3)
        ],
        "creditsEarned": 3.0,
    }


async def _rate(
    fmt: CredentialFormat,
    config: CredentialConfigurationSettings,
    credential: JsonObject,
    key: IssuerKey,
    seconds: float,
    concurrency: int,
) -> float:
    holder = HolderBinding(jwk=SigningKey(generate_key("EC"), kid="h").public_jwk, did="did:example:holder")
    now = datetime.now(UTC)
    done = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            await fmt.sign(credential, config=config, key=key, holder=holder, now=now)
            done += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return done / (time.perf_counter() - started)


async def run_signing_bench(*, seconds: float = 3.0, workers: int = 2) -> dict[str, Any]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from oid4vc.formats.ldp_vc import prime_context_cache

    pool = (
        ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=prime_context_cache)
        if workers
        else None
    )
    formats = build_formats(public_url="https://issuer.example", jsonld_executor=pool)
    keys = {kty: SigningKey(generate_key(kty), kid="k") for kty in ("EC", "OKP")}
    results: dict[str, Any] = {"seconds_per_case": seconds, "jsonld_workers": workers}
    try:
        for name, subject in (("minimal", minimal_subject()), ("complete", complete_subject())):
            for fmt_name, fmt in formats.items():
                config = CredentialConfigurationSettings.model_validate({"format": fmt_name})
                signer = keys[fmt.key_type]
                did = did_key_from_jwk(signer.public_jwk)
                key = IssuerKey(signer=signer, issuer_id=did, verification_method=f"{did}#{did[8:]}")
                credential = build_achievement_credential(
                    subject,
                    credential_id="urn:uuid:11111111-1111-4111-8111-111111111111",
                    issuer={"id": did, "type": ["Profile"], "name": "Bench"},
                    holder_id="did:example:holder",
                    valid_from=datetime.now(UTC),
                )
                concurrency = 4 * max(workers, 1) if fmt_name == "ldp_vc" else 1
                await fmt.sign(credential, config=config, key=key, holder=HolderBinding({}, ""), now=datetime.now(UTC))
                rate = await _rate(fmt, config, credential, key, seconds, concurrency)
                results[f"{fmt_name}/{name}"] = round(rate, 1)
    finally:
        if pool is not None:
            pool.shutdown()
    return results
