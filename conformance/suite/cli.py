"""Command line: ``python -m conformance issuer --issuer URL ...`` and ``python -m conformance verifier --verifier
URL ...`` (also the body of ``oid4vc conformance``).

Exit status: 0 when no MUST check failed (``--strict``: no check failed), 1 otherwise, 2 for usage errors.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from conformance.suite.checks import ISSUER_MODULES, VERIFIER_MODULES
from conformance.suite.context import IssuerOptions
from conformance.suite.model import CheckModule, Report, Result
from conformance.suite.offers import DEFAULT_SUBJECTS
from conformance.suite.report import render_html, render_json, render_markdown, render_text, result_line
from conformance.suite.runner import OfferOptions, VerifierSources, run_issuer_suite, run_verifier_suite, selected
from conformance.suite.vp_context import VerifierOptions
from conformance.suite.vp_sources import PRESENTABLE_FORMATS

__all__ = ["build_parser", "main"]

ADMIN_TOKEN_ENV = "OID4VC_ADMIN_TOKEN"


def build_parser(prog: str = "python -m conformance") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description="OpenID4VC conformance checks, spec section per check.")
    sub = parser.add_subparsers(dest="role", required=True)
    p = sub.add_parser("issuer", help="test an OpenID4VCI 1.0 Credential Issuer (plays the wallet)")
    p.add_argument("--issuer", help="the Credential Issuer Identifier, e.g. https://issuer.example")
    offers = p.add_argument_group("offers (how the suite gets Credential Offers)")
    offers.add_argument("--admin-token", help=f"oid4vc admin API bearer token (default: ${ADMIN_TOKEN_ENV} when no "
                        "other offer source is given)")
    offers.add_argument("--admin-url", help="admin API base (default: <issuer>/admin)")
    offers.add_argument("--offer-command",
                        help="command printing one offer link (or JSON {offer_uri, tx_code}) per run")
    offers.add_argument("--offer-uri", action="append", default=[], help="an offer link; repeat for more offers")
    offers.add_argument("--tx-code", action="append", default=[],
                        help="Transaction Code of the --offer-uri at the same position ('-' for none)")
    offers.add_argument("--subject", action="append", default=[], metavar="[TYPE=]FILE",
                        help="JSON credential_subject for admin API offers, for every type or for one credential "
                        "type (e.g. ClrCredential=clr.json); defaults cover OpenBadgeCredential and ClrCredential")
    p.add_argument("--config-id", action="append", default=[], help="credential configuration(s) to test; the "
                   "first is the primary one (default: every configuration the suite can read)")
    p.add_argument("--client-id", help="client_id for token requests (default: anonymous pre-authorized access)")
    _common(p, batch=True)

    v = sub.add_parser("verifier", help="test an OpenID4VP 1.0 Verifier (plays the wallet)")
    v.add_argument("--verifier", help="the Verifier's base URL, e.g. https://verifier.example")
    requests = v.add_argument_group("requests (how the suite gets presentation requests)")
    requests.add_argument("--admin-token", help=f"oid4vc admin API bearer token (default: ${ADMIN_TOKEN_ENV} when no "
                          "other request source is given); also gets credentials from --issuer")
    requests.add_argument("--admin-url", help="admin API base (default: <verifier>/admin)")
    requests.add_argument("--request-command",
                          help="command printing one fresh openid4vp:// link (or JSON {request_uri}) per run")
    requests.add_argument("--request-uri", action="append", default=[],
                          help="a request link; repeatable (checks needing more requests are skipped)")
    creds = v.add_argument_group("credentials (what the suite presents)")
    creds.add_argument("--issuer", help="OpenID4VCI issuer with oid4vc's admin API to get credentials from "
                       "(default: the verifier itself)")
    creds.add_argument("--issuer-admin-token", help="admin token of --issuer (default: --admin-token)")
    creds.add_argument("--config-id", action="append", default=[],
                       help="issuer credential configuration(s) to use, per format (default: an Open Badge one)")
    creds.add_argument("--credential", action="append", default=[], metavar="[FORMAT=]FILE",
                       help="a credential as issued (SD-JWT / JWT string, or JSON-LD object); repeatable")
    creds.add_argument("--holder-key", type=Path, help="the private JWK (P-256 or Ed25519) the credentials are "
                       "bound to")
    v.add_argument("--format", action="append", default=[], choices=PRESENTABLE_FORMATS,
                   help="format(s) under test, the first primary (default: every one the suite can get)")
    v.add_argument("--accept-self-signed", action="store_true",
                   help="accept a self-signed x5c leaf for x509 client ids (development verifiers only)")
    _common(v, batch=False)
    return parser


def _common(p: argparse.ArgumentParser, *, batch: bool) -> None:
    p.add_argument("--allow-http", action="store_true", help="report http URLs as warnings, not failures (dev servers)")
    p.add_argument("--insecure", action="store_true", help="do not verify TLS certificates (testing only)")
    p.add_argument("--timeout", type=float, default=15.0, help="seconds per HTTP request (default 15)")
    if batch:
        p.add_argument("--batch-max", type=int, default=3, help="proofs sent by the batch checks (default 3)")
    p.add_argument("--only", action="append", default=[], metavar="PATTERN",
                   help="run only checks whose id matches the glob, or a module name; repeatable")
    p.add_argument("--json", type=Path, help="write the report as JSON")
    p.add_argument("--html", type=Path, help="write the report as a static HTML page")
    p.add_argument("--markdown", type=Path, help="write the report as Markdown")
    p.add_argument("--strict", action="store_true", help="exit 1 when any check fails, SHOULD included")
    p.add_argument("--quiet", action="store_true", help="print only the summary")
    p.add_argument("--list", action="store_true", help="list the checks and exit")


def _list_checks(modules: Sequence[CheckModule[Any]], patterns: Sequence[str], per: str = "<config>") -> str:
    rows = []
    for module in modules:
        for check in module:
            if selected(check, patterns):
                suffix = f"[{per}]" if check.per_configuration else ""
                rows.append(f"{check.id + suffix:58} {check.level.value:6} {check.section}\n    {check.description}")
    return "\n".join(rows) + f"\n{len(rows)} checks\n"


def _progress(args: argparse.Namespace) -> Callable[[Result], None]:
    color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    width = os.get_terminal_size().columns if sys.stdout.isatty() else None
    module: list[str] = []

    def progress(result: Result) -> None:
        if args.quiet:
            return
        if not module or module[-1] != result.module:
            module.append(result.module)
            print(f"-- {result.module}")
        print(result_line(result, color=color, width=width), flush=True)

    return progress


def _finish(args: argparse.Namespace, report: Report) -> int:
    summary = render_text(report).rstrip().splitlines()[-1]
    print(("\n" if not args.quiet else "") + summary)
    for path, text in ((args.json, render_json), (args.html, render_html), (args.markdown, render_markdown)):
        if path is not None:
            path.write_text(text(report), encoding="utf-8")
    return report.exit_code(strict=args.strict)


def _issuer(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.list:
        sys.stdout.write(_list_checks(ISSUER_MODULES, args.only))
        return 0
    if not args.issuer:
        parser.error("--issuer is required")
    subjects = dict(DEFAULT_SUBJECTS)
    for item in args.subject:
        type_name, _, file_name = item.rpartition("=") if "=" in item else ("*", "", item)
        subject = json.loads(Path(file_name).read_text(encoding="utf-8"))
        if not isinstance(subject, dict):
            parser.error(f"--subject {item}: the file must hold a JSON object")
        subjects[type_name] = subject
    admin_token = args.admin_token
    if admin_token is None and not (args.offer_uri or args.offer_command):
        admin_token = os.environ.get(ADMIN_TOKEN_ENV) or None
    options = IssuerOptions(issuer=args.issuer, allow_http=args.allow_http, config_ids=tuple(args.config_id),
                            client_id=args.client_id, batch_max=args.batch_max)
    offer_options = OfferOptions(admin_token=admin_token, admin_url=args.admin_url, offer_command=args.offer_command,
                                 offer_uris=tuple(args.offer_uri), tx_codes=tuple(args.tx_code),
                                 subjects=subjects)
    report = asyncio.run(run_issuer_suite(options, offer_options, select=args.only, insecure=args.insecure,
                                          request_timeout=args.timeout, progress=_progress(args)))
    return _finish(args, report)


def _credential_files(parser: argparse.ArgumentParser, items: list[str]) -> tuple[tuple[str | None, Path], ...]:
    out: list[tuple[str | None, Path]] = []
    for item in items:
        fmt, sep, name = item.partition("=")
        if sep and fmt in PRESENTABLE_FORMATS:
            out.append((fmt, Path(name)))
        else:
            out.append((None, Path(item)))
    for _, path in out:
        if not path.is_file():
            parser.error(f"--credential {path}: no such file")
    return tuple(out)


def _verifier(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.list:
        sys.stdout.write(_list_checks(VERIFIER_MODULES, args.only, per="<format>"))
        return 0
    if not args.verifier:
        parser.error("--verifier is required")
    if args.credential and args.holder_key is None:
        parser.error("--credential needs --holder-key")
    admin_token = args.admin_token
    if admin_token is None and not (args.request_uri or args.request_command):
        admin_token = os.environ.get(ADMIN_TOKEN_ENV) or None
    issuer_token = args.issuer_admin_token or admin_token
    if issuer_token is None and not args.credential:  # credentials from the (default) issuer's admin API
        issuer_token = os.environ.get(ADMIN_TOKEN_ENV) or None
    options = VerifierOptions(verifier=args.verifier, allow_http=args.allow_http,
                              accept_self_signed=args.accept_self_signed, formats=tuple(args.format))
    sources = VerifierSources(admin_token=admin_token, admin_url=args.admin_url,
                              request_command=args.request_command, request_uris=tuple(args.request_uri),
                              issuer=args.issuer, issuer_admin_token=issuer_token,
                              issuer_config_ids=tuple(args.config_id),
                              credential_files=_credential_files(parser, args.credential),
                              holder_key=args.holder_key)
    report = asyncio.run(run_verifier_suite(options, sources, select=args.only, insecure=args.insecure,
                                            request_timeout=args.timeout, progress=_progress(args)))
    return _finish(args, report)


def main(argv: Sequence[str] | None = None, *, prog: str = "python -m conformance") -> int:
    parser = build_parser(prog)
    args = parser.parse_args(argv)
    if args.role == "verifier":
        return _verifier(parser, args)
    return _issuer(parser, args)
