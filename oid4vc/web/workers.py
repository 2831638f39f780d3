"""``oid4vc serve --workers N``: N server processes on one port (``SO_REUSEPORT``; the kernel spreads
connections), under a small supervisor that restarts a worker that dies and stops them all on SIGTERM/SIGINT.

No state lives in one worker's memory: codes, nonces, tokens, offers, presentations and status lists are in the
shared store (SQLite in WAL mode on one machine, PostgreSQL across machines); caches (resolved keys, signed status
lists) are only caches. Metrics are counted per worker and summed on every scrape from the snapshots each worker
writes to a directory made for this run (``oid4vc.web.metrics.MetricsShare``). Keys, the admin token and schema
migrations are prepared once by the supervisor before the workers start, so workers never race to create them.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import shutil
import signal
import ssl
import tempfile
import time
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from aiohttp import web

from oid4vc.clock import SystemClock
from oid4vc.config import Settings
from oid4vc.context import JsonFormatter
from oid4vc.crypto.keystore import KeyRing
from oid4vc.eventloop import new_event_loop
from oid4vc.web.metrics import MetricsShare

__all__ = ["run_server", "run_workers"]

log = logging.getLogger(__name__)
RESTART_BACKOFF = (0.5, 1, 2, 5, 10)


def _ssl(settings: Settings) -> ssl.SSLContext | None:
    if settings.server.tls_cert and settings.server.tls_key:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(settings.server.tls_cert, settings.server.tls_key)
        return context
    return None


def run_server(
    settings: Settings, admin_token: str, *, reuse_port: bool = False, metrics_share: MetricsShare | None = None
) -> None:
    from oid4vc.web.app import create_app

    web.run_app(
        create_app(settings, admin_token=admin_token, metrics_share=metrics_share),
        loop=new_event_loop(),
        host=settings.server.host,
        port=settings.server.port,
        ssl_context=_ssl(settings),
        access_log=None,
        print=None,
        reuse_port=reuse_port,
    )


def _worker_main(settings_json: str, admin_token: str, index: int, metrics_dir: str) -> None:
    settings = Settings.model_validate_json(settings_json)
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonFormatter()
        if settings.server.log_format == "json"
        else logging.Formatter(f"%(asctime)s %(levelname)s w{index} %(name)s %(message)s")
    )
    logging.getLogger().handlers[:] = [handler]
    logging.getLogger().setLevel(settings.server.log_level)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the supervisor decides; SIGTERM ends the worker cleanly
    run_server(settings, admin_token, reuse_port=True, metrics_share=MetricsShare(Path(metrics_dir), index))


async def _prepare(settings: Settings) -> None:
    from oid4vc.web.app import open_store

    store = await open_store(settings)  # applies migrations once, before any worker opens the store
    await store.close()


def run_workers(settings: Settings, admin_token: str, workers: int) -> int:
    """Run ``workers`` server processes until SIGTERM/SIGINT; returns the exit code."""
    KeyRing.load_or_create(settings.server.data_dir / "keys", now=SystemClock().now())
    asyncio.run(_prepare(settings))
    context = multiprocessing.get_context("spawn")
    payload = settings.model_dump_json()
    # each worker's metrics snapshots, for /metrics to sum (oid4vc.web.metrics); one directory per run
    metrics_dir = tempfile.mkdtemp(prefix="oid4vc-metrics-")
    procs: dict[int, BaseProcess] = {}
    restarts: dict[int, int] = {}
    stopping = False

    def start(index: int) -> None:
        proc = context.Process(
            target=_worker_main, args=(payload, admin_token, index, metrics_dir), name=f"oid4vc-w{index}",
            daemon=False,
        )
        proc.start()
        procs[index] = proc
        log.info("worker %d started pid=%s", index, proc.pid)

    def stop(signum: int, frame: Any) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for i in range(workers):
        start(i)
    while not stopping:
        time.sleep(0.2)
        for index, proc in list(procs.items()):
            if not proc.is_alive() and not stopping:
                count = restarts.get(index, 0)
                delay = RESTART_BACKOFF[min(count, len(RESTART_BACKOFF) - 1)]
                log.warning(
                    "worker %d (pid %s) exited with %s; restarting in %.1fs", index, proc.pid, proc.exitcode, delay
                )
                time.sleep(delay)
                restarts[index] = count + 1
                start(index)
    for proc in procs.values():
        if proc.is_alive() and proc.pid:
            os.kill(proc.pid, signal.SIGTERM)
    for proc in procs.values():
        proc.join(timeout=10)
        if proc.is_alive():
            proc.kill()
    shutil.rmtree(metrics_dir, ignore_errors=True)
    return 0
