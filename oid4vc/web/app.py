"""The application factory: the only place adapters (store, keys, formats) are built (STYLE rule 8)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import secrets
from collections.abc import AsyncIterator
from concurrent.futures import ProcessPoolExecutor
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import web

from oid4vc.clock import Clock, SystemClock
from oid4vc.config import Settings
from oid4vc.crypto.keys import CryptoJwsVerifier
from oid4vc.crypto.keystore import KeyRing
from oid4vc.fetch.aiohttp import GuardedFetcher
from oid4vc.formats.ldp_vc import prime_context_cache
from oid4vc.formats.registry import build_formats
from oid4vc.issuance.metadata import well_known_path
from oid4vc.issuance.nonce import nonce_key
from oid4vc.services.credential_verification import CredentialVerifier
from oid4vc.services.event_feed import EventFeed
from oid4vc.services.events import Event, EventBus
from oid4vc.services.issuance import IssuerService
from oid4vc.services.key_resolution import KeyResolver
from oid4vc.services.lifecycle import LifecycleService
from oid4vc.services.randomness import Randomness, SystemRandomness
from oid4vc.services.status import LocalStatusFetcher, StatusService
from oid4vc.services.status_check import StatusListChecker
from oid4vc.services.verification import VerifierService
from oid4vc.services.verifier_identity import verifier_identity
from oid4vc.services.webhooks import Outbox, WebhookDispatcher, configured_targets
from oid4vc.store.base import Store
from oid4vc.store.memory import MemoryStore
from oid4vc.store.postgres import PostgresStore
from oid4vc.store.sqlite import SqliteStore
from oid4vc.web import health, issuer, pages, status, verifier, well_known
from oid4vc.web.admin import admin_app
from oid4vc.web.keys import (
    admin_token_key,
    event_feed_key,
    issuer_key,
    lifecycle_key,
    settings_key,
    status_key,
    verifier_key,
)
from oid4vc.web.metrics import (
    Metrics,
    MetricsShare,
    metrics_key,
    metrics_middleware,
    metrics_share_key,
    share_metrics,
)
from oid4vc.web.middlewares import error_middleware

__all__ = ["create_app", "jsonld_pool", "load_admin_token", "open_store"]

log = logging.getLogger(__name__)
PURGE_INTERVAL = 300.0


def load_admin_token(settings: Settings) -> tuple[str, bool]:
    """The admin token: from settings/env, else ``<data_dir>/admin_token`` (created 0600 on first start).
    Returns (token, newly_created)."""
    if settings.admin.token:
        return settings.admin.token, False
    path = settings.server.data_dir / "admin_token"
    if path.exists():
        return path.read_text(encoding="utf-8").strip(), False
    settings.server.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    token = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(token + "\n")
    return token, True


async def open_store(settings: Settings) -> Store:
    url = settings.store.url
    if url == "memory:":
        return MemoryStore()
    if url.startswith(("postgresql://", "postgres://")):
        return await PostgresStore.open(url)
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
    elif not url:
        path = settings.server.data_dir / "oid4vc.db"
    else:
        raise ValueError("store.url must be empty, 'memory:', 'sqlite:///PATH' or 'postgresql://...'")
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    return await SqliteStore.open(path)


def jsonld_pool(workers: int) -> ProcessPoolExecutor | None:
    """Worker processes for JSON-LD canonicalization (2-50 ms of GIL-holding work per credential)."""
    if workers == 0:
        return None
    return ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context("spawn"), initializer=prime_context_cache
    )


def create_app(
    settings: Settings,
    *,
    store: Store | None = None,
    keys: KeyRing | None = None,
    clock: Clock | None = None,
    random: Randomness | None = None,
    admin_token: str | None = None,
    metrics_share: MetricsShare | None = None,
) -> web.Application:
    """Build the app. Omitted adapters are built from ``settings`` at startup (SQLite, keys in the data dir).
    ``metrics_share``: this worker's slot when it is one of several (``/metrics`` then sums all workers)."""
    metrics = Metrics()
    app = web.Application(middlewares=[metrics_middleware(metrics), error_middleware], client_max_size=1024 * 1024)
    app[settings_key] = settings
    app[metrics_key] = metrics
    metrics.counter("oid4vc_events_total", "Protocol outcomes (events) by type and error", ("type", "error"))
    metrics.counter("oid4vc_issued_credentials_total", "Credentials issued by format", ("format",))
    if metrics_share is not None:
        app[metrics_share_key] = metrics_share
        app.cleanup_ctx.append(lambda _: share_metrics(metrics, metrics_share))
    app[admin_token_key] = admin_token or load_admin_token(settings)[0]
    the_clock = clock or SystemClock()

    async def services(app: web.Application) -> AsyncIterator[None]:
        the_store = store or await open_store(settings)
        ring = keys or KeyRing.load_or_create(settings.server.data_dir / "keys", now=the_clock.now())
        pool = jsonld_pool(settings.server.jsonld_workers)
        formats = build_formats(public_url=settings.public_url, jsonld_executor=pool)
        missing = {c.format for c in settings.credential_configurations.values()} - formats.keys()
        if missing:
            raise RuntimeError(f"credential configurations use formats this build cannot sign: {sorted(missing)}")
        events = EventBus()
        events.subscribe(lambda event: _count_event(metrics, event))
        webhooks = _webhooks(settings, the_store, events, the_clock, random or SystemRandomness())
        app[event_feed_key] = EventFeed(
            events, the_store if settings.outbox_enabled else None, poll_interval=settings.events.poll_interval
        )
        status_lists = app[status_key] = StatusService(
            settings=settings,
            store=the_store,
            keys=ring,
            ldp=formats["ldp_vc"],
            clock=the_clock,
            random=random or SystemRandomness(),
        )
        app[issuer_key] = IssuerService(
            settings=settings,
            store=the_store,
            keys=ring,
            formats=formats,
            verifier=CryptoJwsVerifier(),
            clock=the_clock,
            random=random or SystemRandomness(),
            nonce_key=nonce_key(app[admin_token_key]),  # shared by every worker, like the page-link key
            events=events,
            status=status_lists,
        )
        app[lifecycle_key] = LifecycleService(
            store=the_store, status=status_lists, formats=formats, clock=the_clock, events=events
        )
        fetcher = GuardedFetcher(allow_http=settings.server.dev_mode, allow_private=settings.server.dev_mode)
        key_resolver = KeyResolver(fetcher, the_clock)
        crypto = CryptoJwsVerifier()
        identity_for, verifier_signer = verifier_identity(settings, ring, now=the_clock.now())
        app[verifier_key] = VerifierService(
            settings=settings,
            store=the_store,
            identity_for=identity_for,
            signer=verifier_signer,
            credentials=CredentialVerifier(
                keys=key_resolver,
                jws=crypto,
                raw=crypto,
                clock=the_clock,
                executor=pool,
                trusted_issuers=settings.verifier.trusted_issuers,
                status=StatusListChecker(  # this server's own lists are read locally, others over https
                    fetcher=LocalStatusFetcher(status_lists, fetcher), keys=key_resolver, jws=crypto, raw=crypto,
                    clock=the_clock, executor=pool,
                ),
            ),
            keys=key_resolver,
            jws=crypto,
            raw=crypto,
            clock=the_clock,
            random=random or SystemRandomness(),
            events=events,
        )
        purger = asyncio.create_task(_purge_forever(the_store, the_clock, settings.issuance.expired_offer_retention))
        async with webhooks:
            yield
        await fetcher.close()
        purger.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await purger
        if store is None:
            await the_store.close()
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    app.cleanup_ctx.append(services)
    app.on_shutdown.append(_end_event_streams)
    public = settings.public_url
    prefix = urlsplit(public).path.rstrip("/")
    app.add_routes(
        well_known.routes(
            issuer_path=well_known_path("openid-credential-issuer", public),
            as_path=well_known_path("oauth-authorization-server", public),
            did_path=f"{prefix}/did.json" if prefix else "/.well-known/did.json",
            prefix=prefix,
        )
    )
    app.add_routes(issuer.routes(prefix))
    app.add_routes(status.routes(prefix))
    app.add_routes(health.routes())
    app.add_routes(verifier.routes(prefix))
    app.add_routes(pages.routes(prefix))
    app.add_subapp(f"{prefix}/admin", admin_app())
    return app


@contextlib.asynccontextmanager
async def _webhooks(
    settings: Settings, store: Store, events: EventBus, clock: Clock, random: Randomness
) -> AsyncIterator[None]:
    """With the outbox on: events are stored before requests are answered, and this process delivers webhooks in
    the background until the app stops. Off: nothing."""
    if not settings.outbox_enabled:
        yield
        return
    dev = settings.server.dev_mode
    targets = configured_targets(settings)
    poster = GuardedFetcher(allow_http=dev, allow_private=dev, timeout=settings.events.timeout, max_bytes=64 * 1024,
                            user_agent="oid4vc-webhooks")
    dispatcher = WebhookDispatcher(store, poster, targets, clock, random, settings.events)
    events.sink = Outbox(store, targets, clock, random, allow_http=dev, wake=dispatcher.wake)
    task = asyncio.create_task(dispatcher.run())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await poster.close()


async def _end_event_streams(app: web.Application) -> None:
    """Open ``GET /admin/events`` streams end before the server waits for its handlers to finish."""
    if event_feed_key in app:
        app[event_feed_key].close()


def _count_event(metrics: Metrics, event: Event) -> None:
    metrics.inc("oid4vc_events_total", event.type, str(event.data.get("error", "")))
    if event.type == "credential.issued":
        metrics.inc("oid4vc_issued_credentials_total", str(event.data.get("format")))


async def _purge_forever(store: Store, clock: Clock, offer_retention: int) -> None:
    """Retention: expired nonces, tokens, deferred transactions and presentation requests, offers past
    ``expired_offer_retention``, and the personal data of offers that can issue nothing more."""
    while True:
        await asyncio.sleep(PURGE_INTERVAL)
        try:
            now = clock.now()
            removed = await store.purge_expired(now=now, offers_expired_before=now - timedelta(seconds=offer_retention))
            if removed:
                log.info("purged %d expired rows", removed)
        except Exception:
            log.exception("purge failed; will retry")
