"""Command line: ``oid4vc serve | keys | offer``.

``serve`` without ``--config`` starts a working development server: SQLite and generated keys in
``--data-dir``, public URL ``http://HOST:PORT``, dev mode on, an Open Badge in every supported format.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

from oid4vc.clock import SystemClock
from oid4vc.config import ConfigError, Settings, load_settings
from oid4vc.context import JsonFormatter

__all__ = ["main"]


def _settings(args: argparse.Namespace) -> Settings:
    server: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        "data_dir": args.data_dir,
        "public_url": args.public_url,
        "log_format": getattr(args, "log_format", None),
    }
    if getattr(args, "tls_cert", None):
        server |= {"tls_cert": args.tls_cert, "tls_key": args.tls_key}
    if args.config is None:
        server["dev_mode"] = True
    return load_settings(args.config, overrides={"server": server})


def _serve(args: argparse.Namespace) -> int:
    from oid4vc.web.app import load_admin_token
    from oid4vc.web.workers import run_server, run_workers

    settings = _settings(args)
    configure_logging(settings.server.log_format, settings.server.log_level)
    token, created = load_admin_token(settings)
    if created:
        print(
            f"admin token (stored in {settings.server.data_dir / 'admin_token'}, shown once): {token}", file=sys.stderr
        )
    print(
        f"oid4vc at {settings.public_url} (issuer metadata: /.well-known/openid-credential-issuer; "
        f"console: /console) workers={args.workers}",
        file=sys.stderr,
    )
    if args.workers > 1:
        return run_workers(settings, token, args.workers)
    run_server(settings, token)
    return 0


def configure_logging(fmt: str, level: str) -> None:
    """Text for people, or one JSON object per line (time, level, logger, message, request_id) for collectors."""
    handler = logging.StreamHandler()
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def _keys(args: argparse.Namespace) -> int:
    from oid4vc.crypto.keystore import KeyRing

    settings = _settings(args)
    ring = KeyRing.load_or_create(settings.server.data_dir / "keys", now=SystemClock().now())
    if args.keys_command == "rotate":
        key = ring.rotate(args.kty, now=SystemClock().now())
        print(f"new active {args.kty} key {key.kid}; older keys stay resolvable")
    for stored in ring.all():
        print(f"{stored.key.kid}  {stored.key.alg:6}  {'active' if stored.active else 'retired'}  {stored.created}")
    return 0


def _sign(args: argparse.Namespace) -> int:
    import asyncio

    from oid4vc.config import CredentialConfigurationSettings
    from oid4vc.crypto.keystore import KeyRing
    from oid4vc.formats.base import PreflightError
    from oid4vc.formats.registry import build_formats
    from oid4vc.ler import LerValidationError
    from oid4vc.services.signing import pick_format, sign_document

    settings = _settings(args)
    now = SystemClock().now()
    keys = KeyRing.load_or_create(settings.server.data_dir / "keys", now=now)
    document = json.loads(Path(args.credential).read_text(encoding="utf-8"))
    formats = build_formats(public_url=settings.public_url, jsonld_executor=None)
    config = CredentialConfigurationSettings(format=args.format, jwt_profile=args.jwt_profile, ldp_suite=args.ldp_suite)
    try:
        signed = asyncio.run(
            sign_document(
                document, fmt=pick_format(formats, args.format), config=config, settings=settings, keys=keys, now=now
            )
        )
    except (LerValidationError, PreflightError, ValueError) as exc:
        print(f"cannot sign: {exc}", file=sys.stderr)
        return 1
    print(signed if isinstance(signed, str) else json.dumps(signed, indent=2))
    return 0


def _verify(args: argparse.Namespace) -> int:
    import asyncio

    from oid4vc.crypto.keys import CryptoJwsVerifier
    from oid4vc.fetch.aiohttp import GuardedFetcher
    from oid4vc.services.credential_verification import CredentialVerifier
    from oid4vc.services.key_resolution import KeyResolver
    from oid4vc.services.status_check import StatusListChecker

    text = (sys.stdin.read() if args.file == "-" else Path(args.file).read_text(encoding="utf-8")).strip()
    raw: Any = json.loads(text) if text.startswith("{") else text

    async def run() -> Any:
        fetcher = GuardedFetcher(allow_http=args.allow_private, allow_private=args.allow_private)
        crypto = CryptoJwsVerifier()
        keys = KeyResolver(fetcher, SystemClock())
        verifier = CredentialVerifier(
            keys=keys,
            jws=crypto,
            raw=crypto,
            clock=SystemClock(),
            trusted_issuers=args.trust or None,
            # revocation / suspension through the credential's status list (Bitstring or Token Status List)
            status=StatusListChecker(fetcher=fetcher, keys=keys, jws=crypto, raw=crypto, clock=SystemClock()),
        )
        try:
            return await verifier.verify(raw)
        finally:
            await fetcher.close()

    result = asyncio.run(run())
    report = {
        "format": result.format,
        "valid": result.valid,
        "issuer": result.issuer,
        "holder": result.holder,
        "checks": {k: v.to_json() for k, v in result.checks.items()},
    }
    if args.json:
        print(json.dumps(report | {"credential": result.claims}, indent=2))
    else:
        print(f"format: {result.format}\nissuer: {result.issuer}\nholder: {result.holder}")
        for name, check in result.checks.items():
            print(f"  {name:15} {check.outcome:8} {check.reason}")
        print("VALID" if result.valid else "INVALID")
    return 0 if result.valid else 1


def _bench(args: argparse.Namespace) -> int:
    from oid4vc.bench.stats import BenchSetupError
    from oid4vc.eventloop import run

    try:
        report = _run_bench(args, run)
    except BenchSetupError as exc:
        raise SystemExit(f"bench: {exc}") from None
    text = json.dumps(report, indent=2)
    if args.json:
        Path(args.json).write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


def _run_bench(args: argparse.Namespace, run: Callable[[Coroutine[Any, Any, dict[str, Any]]], dict[str, Any]]
               ) -> dict[str, Any]:
    if args.bench_command == "sign":
        from oid4vc.bench.signing import run_signing_bench

        report = run(run_signing_bench(seconds=args.seconds, workers=args.workers))
    elif args.bench_command == "presentation":
        from oid4vc.bench.presentation import PresentationBench, run_presentation_bench

        token = args.token or os.environ.get("OID4VC_ADMIN_TOKEN")
        if not token:
            raise SystemExit("no admin token: pass --token or set OID4VC_ADMIN_TOKEN")
        report = run(
            run_presentation_bench(
                PresentationBench(
                    server=args.server.rstrip("/"),
                    admin_token=token,
                    format=args.format,
                    response_mode=args.response_mode,
                    flows=args.flows,
                    concurrency=args.concurrency,
                    duration=args.duration,
                    server_pids=tuple(args.server_pid or ()),
                    database_pids=tuple(args.database_pid or ()),
                    progress=not args.quiet,
                )
            )
        )
    else:
        from oid4vc.bench.issuance import IssuanceBench, run_issuance_bench, run_step_cost_bench

        token = args.token or os.environ.get("OID4VC_ADMIN_TOKEN")
        if not token:
            raise SystemExit("no admin token: pass --token or set OID4VC_ADMIN_TOKEN")
        runner = run_step_cost_bench if args.by_step else run_issuance_bench
        report = run(
            runner(
                IssuanceBench(
                    server=args.server.rstrip("/"),
                    admin_token=token,
                    config_id=args.config_id,
                    flows=args.flows,
                    concurrency=args.concurrency,
                    duration=args.duration,
                    server_pids=tuple(args.server_pid or ()),
                    database_pids=tuple(args.database_pid or ()),
                    progress=not args.quiet,
                )
            )
        )
    return report


def _admin_request(url: str, token: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(  # noqa: S310  (the operator names the server URL)
        url,
        data=data,
        method="POST" if data else "GET",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return json.loads(response.read())  # type: ignore[no-any-return]
    except urllib.error.HTTPError as exc:
        raise SystemExit(f"error {exc.code}: {exc.read().decode(errors='replace')}") from None


def _admin_token(args: argparse.Namespace) -> str:
    token = args.token or os.environ.get("OID4VC_ADMIN_TOKEN")
    if not token:
        path = Path(args.data_dir) / "admin_token"
        token = path.read_text().strip() if path.exists() else None
    if not token:
        raise SystemExit("no admin token: pass --token or set OID4VC_ADMIN_TOKEN")
    return str(token)


def _offer_create(args: argparse.Namespace) -> int:
    from oid4vc.web.pages.qr import qr_terminal

    token = _admin_token(args)
    subject = json.loads(Path(args.subject).read_text() if args.subject else _default_subject(args))
    tx_code: bool | dict[str, Any] = {"length": args.tx_code_length} if args.tx_code else False
    body = {
        "credential_configuration_id": args.config_id,
        "credential_subject": subject,
        "tx_code": tx_code,
        "by_reference": not args.by_value,
        "expires_in": args.expires_in,
    }
    offer = _admin_request(f"{args.server.rstrip('/')}/admin/offers", token, body)
    if args.json:
        print(json.dumps(offer, indent=2))
        return 0
    print(qr_terminal(offer["offer_uri"]))
    print(f"offer:   {offer['id']}\nlink:    {offer['offer_uri']}\nexpires: {offer['expires_at']}")
    if "tx_code" in offer:
        print(f"PIN:     {offer['tx_code']}  (give it to the learner separately)")
    print(f"QR:      {offer['qr_png_url']}")
    return 0


def _offer_bulk(args: argparse.Namespace) -> int:
    import asyncio

    from oid4vc.bulk.client import RetryPolicy
    from oid4vc.bulk.run import BulkOptions, BulkUsageError, run_bulk, state_path_for

    roster = Path(args.roster)
    try:
        token = _admin_token(args)
    except SystemExit as exc:
        print(f"oid4vc offer bulk: {exc}", file=sys.stderr)
        return 2
    options = BulkOptions(
        roster=roster,
        server=args.server.rstrip("/"),
        admin_token=token,
        config_id=args.config_id,
        out=Path(args.out) if args.out else roster.with_name(f"{roster.stem}.offers.csv"),
        state=Path(args.state) if args.state else state_path_for(roster),
        errors=Path(args.errors) if args.errors else None,
        qr_dir=Path(args.qr_dir) if args.qr_dir else None,
        subject_template=Path(args.subject_template) if args.subject_template else None,
        id_column=args.id_column,
        tx_code=args.tx_code,
        tx_code_length=args.tx_code_length,
        by_reference=not args.by_value,
        expires_in=args.expires_in,
        concurrency=args.concurrency,
        retry=RetryPolicy(retries=args.retries),
        progress=False if args.quiet else None,
    )
    try:
        report = asyncio.run(run_bulk(options))
    except BulkUsageError as exc:
        print(f"oid4vc offer bulk: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # outside the offer phase, which handles SIGINT itself; the journal is consistent
        print("\ninterrupted: rerun the same command to resume", file=sys.stderr)
        return 130
    if args.json:
        print(json.dumps(report.to_json(), indent=2))
    return report.exit_code


def _default_subject(args: argparse.Namespace) -> str:
    return json.dumps(
        {
            "achievement": {
                "id": args.achievement_id,
                "type": ["Achievement"],
                "name": args.name,
                "description": args.description or args.name,
                "criteria": {"narrative": args.criteria or args.name},
            }
        }
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="oid4vc", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    def server_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--config", type=Path, help="TOML settings (see config.example.toml)")
        p.add_argument("--host", default=None)
        p.add_argument("--port", type=int, default=None)
        p.add_argument("--data-dir", type=Path, default=None, help="keys and SQLite database (default ./oid4vc-data)")
        p.add_argument("--public-url", default=None, help="the Credential Issuer Identifier (default http://HOST:PORT)")

    serve = sub.add_parser("serve", help="run the server")
    server_options(serve)
    serve.add_argument("--tls-cert", type=Path)
    serve.add_argument("--tls-key", type=Path)
    serve.add_argument("--workers", type=int, default=1, help="server processes sharing the port (SO_REUSEPORT)")
    serve.add_argument("--log-format", choices=["text", "json"], default=None, help="default: [server] log_format")
    serve.set_defaults(func=_serve)

    keys = sub.add_parser("keys", help="list or rotate issuer keys")
    server_options(keys)
    keys.add_argument("keys_command", choices=["list", "rotate"])
    keys.add_argument("--kty", choices=["EC", "OKP"], default="EC")
    keys.set_defaults(func=_keys)

    sign = sub.add_parser("sign", help="sign a credential document with the issuer keys (outside a wallet flow)")
    server_options(sign)
    sign.add_argument("credential", help="JSON file with the unsigned credential")
    sign.add_argument("--format", default="ldp_vc", choices=["ldp_vc", "jwt_vc_json"])
    sign.add_argument("--jwt-profile", default="ob3", choices=["ob3", "vcdm11"])
    sign.add_argument("--ldp-suite", default="eddsa-rdfc-2022", choices=["eddsa-rdfc-2022", "Ed25519Signature2020"])
    sign.set_defaults(func=_sign)

    verify = sub.add_parser("verify", help="verify a credential (JSON-LD, VC-JWT or SD-JWT VC); exit 1 if invalid")
    verify.add_argument("file", help="file with the credential, or - for standard input")
    verify.add_argument("--trust", action="append", help="trusted issuer DID (repeatable); default: no trust list")
    verify.add_argument("--allow-private", action="store_true", help="dev: allow http and private addresses")
    verify.add_argument("--json", action="store_true")
    verify.set_defaults(func=_verify)

    bench = sub.add_parser("bench", help="benchmarks: issuance load against a deployment, or in-process signing")
    bench_sub = bench.add_subparsers(dest="bench_command", required=True)
    bsign = bench_sub.add_parser("sign", help="credentials signed per second, per format, minimal and complete badge")
    bsign.add_argument("--seconds", type=float, default=3.0)
    bsign.add_argument("--workers", type=int, default=2, help="JSON-LD worker processes for ldp_vc")
    bissue = bench_sub.add_parser("issuance", help="full pre-authorized issuance flows by many wallets at once")
    bissue.add_argument("--server", default="http://127.0.0.1:8080")
    bissue.add_argument("--token", help="admin token (default: $OID4VC_ADMIN_TOKEN)")
    bissue.add_argument("--config-id", default="OpenBadgeCredential_dc_sd_jwt")
    bissue.add_argument("--flows", type=int, default=1000)
    bissue.add_argument("--concurrency", type=int, default=32)
    bissue.add_argument("--duration", type=float, default=60.0, help="stop after this many seconds")
    bissue.add_argument("--server-pid", type=int, action="append", help="server process id(s) for CPU accounting")
    bissue.add_argument("--database-pid", type=int, action="append",
                        help="a local database server's main process id (PostgreSQL's postmaster), CPU reported apart")
    bissue.add_argument("--by-step", action="store_true",
                        help="server CPU per step: each step of every flow as its own phase (needs --server-pid)")
    bissue.add_argument("--quiet", action="store_true", help="no progress bar")
    bpres = bench_sub.add_parser("presentation", help="OpenID4VP presentations answered by many wallets at once")
    bpres.add_argument("--server", default="http://127.0.0.1:8080")
    bpres.add_argument("--token", help="admin token (default: $OID4VC_ADMIN_TOKEN)")
    bpres.add_argument("--format", default="dc+sd-jwt", choices=["dc+sd-jwt", "jwt_vc_json", "ldp_vc"])
    bpres.add_argument("--response-mode", default="direct_post.jwt", choices=["direct_post", "direct_post.jwt"])
    bpres.add_argument("--flows", type=int, default=500)
    bpres.add_argument("--concurrency", type=int, default=32)
    bpres.add_argument("--duration", type=float, default=60.0)
    bpres.add_argument("--server-pid", type=int, action="append")
    bpres.add_argument("--database-pid", type=int, action="append")
    bpres.add_argument("--quiet", action="store_true")
    for p in (bsign, bissue, bpres):
        p.add_argument("--json", help="also write the report to this file")
    bench.set_defaults(func=_bench)

    sub.add_parser(
        "conformance", help="run the conformance suite against any deployment (see docs/conformance.md)", add_help=False
    )

    offer = sub.add_parser("offer", help="create credential offers through the admin API")
    offer_sub = offer.add_subparsers(dest="offer_command", required=True)
    create = offer_sub.add_parser("create", help="create one offer and print its link and QR code")
    create.add_argument("--server", default="http://127.0.0.1:8080")
    create.add_argument("--token", help="admin token (default: $OID4VC_ADMIN_TOKEN or DATA_DIR/admin_token)")
    create.add_argument("--data-dir", default="./oid4vc-data")
    create.add_argument("--config-id", default="OpenBadgeCredential_jwt_vc_json")
    create.add_argument("--subject", help="JSON file with credential_subject (else built from --name ...)")
    create.add_argument("--achievement-id", default="https://example.edu/achievements/demo")
    create.add_argument("--name", default="Demo Badge")
    create.add_argument("--description")
    create.add_argument("--criteria")
    create.add_argument("--tx-code", action="store_true", help="require a PIN")
    create.add_argument("--tx-code-length", type=int, default=6)
    create.add_argument("--by-value", action="store_true", help="embed the offer instead of credential_offer_uri")
    create.add_argument("--expires-in", type=int, default=600)
    create.add_argument("--json", action="store_true")
    create.set_defaults(func=_offer_create)
    bulk = offer_sub.add_parser(
        "bulk",
        help="one offer per row of a roster CSV, resumable; writes a mail-merge CSV (see docs/bulk.md)",
        description="Exit codes: 0 all rows have offers, 1 some rows failed, 2 usage error, 130 interrupted.",
    )
    bulk.add_argument("roster", help="UTF-8 CSV with a header row and one row per learner")
    bulk.add_argument("--config-id", required=True, help="credential_configuration_id of every offer")
    bulk.add_argument("--server", default="http://127.0.0.1:8080")
    bulk.add_argument("--token", help="admin token (default: $OID4VC_ADMIN_TOKEN or DATA_DIR/admin_token)")
    bulk.add_argument("--data-dir", default="./oid4vc-data")
    bulk.add_argument("--id-column", default="learner_id", help="the unique row id, the resume key")
    bulk.add_argument("--subject-template", help="credential_subject JSON with {{column}} placeholders")
    bulk.add_argument("--out", help="mail-merge CSV with links and PINs, mode 0600 (default ROSTER.offers.csv)")
    bulk.add_argument("--errors", help="write failed rows to this CSV (default: list them on stderr)")
    bulk.add_argument("--qr-dir", help="write one QR code PNG per row here")
    bulk.add_argument("--state", help="journal for resuming (default ROSTER.oid4vc-state.jsonl)")
    bulk.add_argument("--tx-code", action="store_true", help="require a PIN (a tx_code column overrides per row)")
    bulk.add_argument("--tx-code-length", type=int, default=6)
    bulk.add_argument("--by-value", action="store_true", help="embed the offer instead of credential_offer_uri")
    bulk.add_argument("--expires-in", type=int, default=7 * 24 * 3600, help="seconds (default 7 days)")
    bulk.add_argument("--concurrency", type=int, default=8)
    bulk.add_argument("--retries", type=int, default=5, help="per row, on 429/5xx/connection errors")
    bulk.add_argument("--quiet", action="store_true", help="no progress bar")
    bulk.add_argument("--json", action="store_true", help="print a JSON summary on stdout")
    bulk.set_defaults(func=_offer_bulk)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["conformance"]:
        # The conformance suite is a separate package that oid4vc never imports (it must be able to judge any
        # deployment, ours included); run it as a module so `oid4vc conformance ...` works from one install.
        import runpy

        sys.argv = ["oid4vc conformance", *argv[1:]]
        try:
            runpy.run_module("conformance", run_name="__main__")
        except SystemExit as exc:
            return int(exc.code or 0) if not isinstance(exc.code, str) else 2
        return 0
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        return int(args.func(args))
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
