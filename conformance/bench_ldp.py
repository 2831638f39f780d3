"""Throughput of ``ldp_vc`` Data Integrity (eddsa-rdfc-2022) signing and verification.

Signs and verifies a minimal Open Badge (the OB 3.0 Implementation Guide vector) and the 1EdTech validator's
"complete" badge, inline on the event loop and through a ``ProcessPoolExecutor``, and prints operations per
second (median of ``--rounds`` rounds of ``--seconds`` each).

    # from the repo root
    python -m conformance.bench_ldp [--seconds 2] [--rounds 3] [--workers 2] [--in-flight 8]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from pathlib import Path
from typing import Any

from oid4vc.crypto.keys import CryptoJwsVerifier, SigningKey, generate_key
from oid4vc.dids.key import did_key_from_jwk
from oid4vc.dids.resolve import resolve_offline
from oid4vc.formats import ldp_vc
from oid4vc.jose import Jwk

VECTORS = Path(__file__).resolve().parents[1] / "tests" / "vectors" / "di"
CREATED = "2024-01-01T00:00:00Z"


def documents() -> dict[str, dict[str, Any]]:
    minimal = json.loads((VECTORS / "ob3-eddsa-rdfc-2022" / "unsigned.json").read_text("utf-8"))
    complete = json.loads((VECTORS / "examples" / "ob3" / "complete.json").read_text("utf-8"))
    complete.pop("proof")
    return {"minimal OB3": minimal, "complete OB3": complete}


async def resolve_key(verification_method: str) -> Jwk:
    return resolve_offline(verification_method)


async def throughput(op: Callable[[], Awaitable[object]], *, seconds: float, in_flight: int) -> float:
    """Operations per second with ``in_flight`` concurrent callers for about ``seconds``."""
    done = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            await op()
            done += 1

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(in_flight)))
    return done / (time.perf_counter() - start)


async def bench(args: argparse.Namespace) -> None:
    key = SigningKey(generate_key("OKP"), kid="bench")
    did = did_key_from_jwk(key.public_jwk)
    verification_method = f"{did}#{did.removeprefix('did:key:')}"
    verifier = CryptoJwsVerifier()
    docs = documents()

    first = time.perf_counter()
    await ldp_vc.add_proof(
        docs["minimal OB3"],
        signer=key,
        verification_method=verification_method,
        created=CREATED,
        executor=None,
    )
    print(f"first sign in a fresh process (no cached contexts): {(time.perf_counter() - first) * 1e3:.1f} ms")

    with ProcessPoolExecutor(max_workers=args.workers, initializer=ldp_vc.prime_context_cache) as pool:
        # start and warm every worker
        await asyncio.gather(
            *(
                ldp_vc.add_proof(
                    docs["minimal OB3"],
                    signer=key,
                    verification_method=verification_method,
                    created=CREATED,
                    executor=pool,
                )
                for _ in range(args.workers * 2)
            )
        )
        modes: list[tuple[str, Executor | None, int]] = [
            ("inline", None, 1),
            (f"pool({args.workers})", pool, args.in_flight),
        ]
        print(f"{'document':<14} {'mode':<9} {'sign/s':>8} {'verify/s':>9} {'sign ms':>8} {'verify ms':>9}")
        for name, document in docs.items():
            signed = await ldp_vc.add_proof(
                document, signer=key, verification_method=verification_method, created=CREATED, executor=None
            )
            quads = ldp_vc.canonicalize(document).count("\n")
            for mode, executor, in_flight in modes:

                async def sign(document: dict[str, Any] = document, executor: Executor | None = executor) -> None:
                    await ldp_vc.add_proof(
                        document,
                        signer=key,
                        verification_method=verification_method,
                        created=CREATED,
                        executor=executor,
                    )

                async def verify(signed: dict[str, Any] = signed, executor: Executor | None = executor) -> None:
                    await ldp_vc.verify_proof(signed, resolve_key=resolve_key, verifier=verifier, executor=executor)

                sign_rates = [
                    await throughput(sign, seconds=args.seconds, in_flight=in_flight) for _ in range(args.rounds)
                ]
                verify_rates = [
                    await throughput(verify, seconds=args.seconds, in_flight=in_flight) for _ in range(args.rounds)
                ]
                s, v = statistics.median(sign_rates), statistics.median(verify_rates)
                print(
                    f"{name:<14} {mode:<9} {s:>8.0f} {v:>9.0f} {1e3 / s:>8.2f} {1e3 / v:>9.2f}"
                    f"   ({quads} quads; sign/s over rounds: {', '.join(f'{r:.0f}' for r in sign_rates)})"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=2.0, help="length of one round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--in-flight", type=int, default=8, help="concurrent callers in pool mode")
    asyncio.run(bench(parser.parse_args()))


if __name__ == "__main__":
    main()
