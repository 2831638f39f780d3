"""Run check modules against an issuer or a verifier and collect a :class:`Report`.

Checks run one after another in module order (the order matters: cached preconditions such as the main token
or the happy-path presentation are made by the first check that needs them). A check's evidence is the list of
exchanges it made.
"""

from __future__ import annotations

import asyncio
import fnmatch
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, Self, TypeVar

import aiohttp

from conformance.suite.checks import ISSUER_MODULES, VERIFIER_MODULES
from conformance.suite.context import IssuerOptions, SuiteContext
from conformance.suite.http import HttpClient
from conformance.suite.model import Check, CheckFailed, CheckModule, Outcome, Report, Result, Skip, Status
from conformance.suite.offers import (
    DEFAULT_SUBJECTS,
    AdminApiOffers,
    CommandOffers,
    NoOffers,
    ObtainedOffer,
    OfferPool,
    OfferSource,
)
from conformance.suite.vp_context import VerifierContext, VerifierOptions
from conformance.suite.vp_sources import (
    AdminApiRequests,
    CommandRequests,
    CredentialSource,
    FileCredentials,
    FixedRequests,
    IssuerCredentials,
    NoCredentials,
    RequestSource,
)

__all__ = [
    "OfferOptions",
    "VerifierSources",
    "build_credential_source",
    "build_offer_source",
    "build_request_source",
    "run_checks",
    "run_issuer_suite",
    "run_verifier_suite",
    "selected",
]

log = logging.getLogger(__name__)
JsonObject = dict[str, Any]


@dataclass(frozen=True, slots=True)
class OfferOptions:
    """Where offers come from: the admin API, a command, or fixed links (first match wins in that order)."""

    admin_token: str | None = None
    admin_url: str | None = None  # default <issuer>/admin
    offer_command: str | None = None
    offer_uris: tuple[str, ...] = ()
    tx_codes: tuple[str, ...] = ()  # paired with offer_uris by position; "-" for none
    subjects: dict[str, JsonObject] = field(default_factory=lambda: dict(DEFAULT_SUBJECTS))  # by credential type


def build_offer_source(http: HttpClient, issuer_id: str, options: OfferOptions) -> OfferSource:
    if options.admin_token:
        admin_url = options.admin_url or issuer_id.rstrip("/") + "/admin"
        return AdminApiOffers(http, admin_url, options.admin_token, subjects=dict(options.subjects),
                              description=f"oid4vc admin API ({admin_url})")
    if options.offer_command:
        return CommandOffers(options.offer_command)
    if options.offer_uris:
        codes = list(options.tx_codes) + ["-"] * len(options.offer_uris)
        return OfferPool([ObtainedOffer(uri, None if code == "-" else code, f"offer {i + 1}")
                          for i, (uri, code) in enumerate(zip(options.offer_uris, codes, strict=False))])
    return NoOffers()


class RunnableContext(Protocol):
    """What the runner needs from a context: the recording HTTP client and, for per-configuration checks, the
    configurations (issuer) or formats (verifier) under test."""

    @property
    def http(self) -> HttpClient: ...

    async def configurations_under_test(self) -> list[str]: ...

    def for_configuration(self, name: str) -> Self: ...


C = TypeVar("C", bound=RunnableContext)


def selected(check: Check[Any], patterns: Sequence[str]) -> bool:
    """Empty patterns select everything; else a check runs when its id or module matches one glob."""
    return not patterns or any(fnmatch.fnmatchcase(check.id, p) or check.module == p for p in patterns)


async def _run_one(ctx: C, check: Check[C], result_id: str) -> Result:
    mark = len(ctx.http.log)
    started = time.perf_counter()
    try:
        outcome = await check.run(ctx)
    except Skip as exc:
        outcome = Outcome(Status.SKIP, str(exc))
    except CheckFailed as exc:
        outcome = Outcome(Status.FAIL, str(exc))
    except (aiohttp.ClientError, TimeoutError) as exc:
        outcome = Outcome(Status.FAIL, f"HTTP request failed: {type(exc).__name__}: {exc}")
    except Exception as exc:  # a check must never stop the run
        log.debug("check %s raised", result_id, exc_info=True)
        outcome = Outcome(Status.FAIL, f"unexpected {type(exc).__name__}: {exc}")
    evidence = tuple(r.describe() for r in ctx.http.log[mark:])
    return Result(result_id, check.module, check.section, check.level, check.description, outcome.status,
                  outcome.detail, evidence, (time.perf_counter() - started) * 1000)


async def run_checks(
    ctx: C,
    modules: Sequence[CheckModule[C]],
    *,
    select: Sequence[str] = (),
    progress: Callable[[Result], None] | None = None,
) -> list[Result]:
    results: list[Result] = []
    for module in modules:
        for check in module:
            if not selected(check, select):
                continue
            if check.per_configuration:
                try:
                    config_ids = await ctx.configurations_under_test()
                except (Skip, aiohttp.ClientError, TimeoutError) as exc:
                    runs = [Result(check.id, check.module, check.section, check.level, check.description,
                                   Status.SKIP, str(exc))]
                else:
                    runs = [await _run_one(ctx.for_configuration(cid), check, f"{check.id}[{cid}]")
                            for cid in config_ids]
            else:
                runs = [await _run_one(ctx, check, check.id)]
            for result in runs:
                results.append(result)
                if progress is not None:
                    progress(result)
    return results


async def run_issuer_suite(
    options: IssuerOptions,
    offer_options: OfferOptions | None = None,
    *,
    select: Sequence[str] = (),
    insecure: bool = False,
    request_timeout: float = 15.0,
    progress: Callable[[Result], None] | None = None,
    modules: Sequence[CheckModule] = ISSUER_MODULES,
) -> Report:
    """Run the issuer checks against ``options.issuer`` and return the report."""
    started = time.perf_counter()
    report = Report(target={}, started_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    connector = aiohttp.TCPConnector(ssl=False) if insecure else aiohttp.TCPConnector()
    async with aiohttp.ClientSession(connector=connector) as session:
        http = HttpClient(session, timeout=request_timeout)
        source = build_offer_source(http, options.issuer_id, offer_options or OfferOptions())
        ctx = SuiteContext(options, http, source)
        report.results = await run_checks(ctx, modules, select=select, progress=progress)
        try:
            configs = await ctx.configurations_under_test()
        except (Skip, aiohttp.ClientError, TimeoutError):
            configs = []
    report.target = {
        "credential_issuer": options.issuer_id,
        "offer_source": source.description,
        "configurations": configs,
        "allow_http": options.allow_http,
        "selection": list(select),
    }
    report.duration_s = time.perf_counter() - started
    await asyncio.sleep(0)  # let the connector close its transports before the loop may end
    return report


@dataclass(frozen=True, slots=True)
class VerifierSources:
    """Where the verifier checks get requests (the admin API, a command, or fixed links: first match wins in that
    order) and credentials (files with a holder key, else an issuer with oid4vc's admin API)."""

    admin_token: str | None = None
    admin_url: str | None = None  # default <verifier>/admin
    request_command: str | None = None
    request_uris: tuple[str, ...] = ()
    issuer: str | None = None  # default: the verifier (oid4vc is both)
    issuer_admin_token: str | None = None  # default: admin_token
    issuer_config_ids: tuple[str, ...] = ()
    credential_files: tuple[tuple[str | None, Path], ...] = ()  # (format or None to detect, file)
    holder_key: Path | None = None


def build_request_source(http: HttpClient, verifier: str, sources: VerifierSources) -> RequestSource:
    if sources.admin_token:
        admin_url = sources.admin_url or verifier.rstrip("/") + "/admin"
        return AdminApiRequests(http, admin_url, sources.admin_token, description=f"oid4vc admin API ({admin_url})")
    if sources.request_command:
        return CommandRequests(sources.request_command)
    if sources.request_uris:
        return FixedRequests(list(sources.request_uris))
    return FixedRequests([], description="none (pass --admin-token, --request-command or --request-uri)")


def build_credential_source(http: HttpClient, options: VerifierOptions, sources: VerifierSources
                            ) -> CredentialSource:
    if sources.credential_files:
        if sources.holder_key is None:
            raise ValueError("--credential needs --holder-key (the private JWK the credential is bound to)")
        return FileCredentials(list(sources.credential_files), sources.holder_key)
    token = sources.issuer_admin_token or sources.admin_token
    if token:
        return IssuerCredentials(http, (sources.issuer or options.verifier).rstrip("/"), token,
                                 allow_http=options.allow_http, config_ids=sources.issuer_config_ids)
    return NoCredentials()


async def run_verifier_suite(
    options: VerifierOptions,
    sources: VerifierSources | None = None,
    *,
    select: Sequence[str] = (),
    insecure: bool = False,
    request_timeout: float = 15.0,
    progress: Callable[[Result], None] | None = None,
    modules: Sequence[CheckModule[VerifierContext]] = VERIFIER_MODULES,
) -> Report:
    """Play a wallet against the OpenID4VP 1.0 Verifier ``options.verifier`` and return the report."""
    started = time.perf_counter()
    report = Report(target={}, started_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    suite="oid4vc conformance suite (OpenID4VP 1.0 verifier)", role="verifier")
    chosen = sources or VerifierSources()
    connector = aiohttp.TCPConnector(ssl=False) if insecure else aiohttp.TCPConnector()
    async with aiohttp.ClientSession(connector=connector) as session:
        http = HttpClient(session, timeout=request_timeout)
        requests = build_request_source(http, options.verifier_url, chosen)
        credentials = build_credential_source(http, options, chosen)
        ctx = VerifierContext(options, http, requests, credentials)
        report.results = await run_checks(ctx, modules, select=select, progress=progress)
        try:
            formats = await ctx.configurations_under_test()
        except (Skip, aiohttp.ClientError, TimeoutError):
            formats = []
        try:
            client_id = (await ctx.main()).client_id
        except (Skip, aiohttp.ClientError, TimeoutError):
            client_id = None
    report.target = {
        "verifier": options.verifier_url,
        "client_id": client_id,
        "request_source": requests.description,
        "credential_source": credentials.description,
        "formats": formats,
        "allow_http": options.allow_http,
        "accept_self_signed": options.accept_self_signed,
        "selection": list(select),
    }
    report.duration_s = time.perf_counter() - started
    await asyncio.sleep(0)
    return report
