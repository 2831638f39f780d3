"""Prometheus metrics (text exposition format 0.0.4) without a client library: counters and histograms with
labels. Served at ``/metrics``.

Names: ``oid4vc_http_requests_total{route,method,status}``, ``oid4vc_http_request_seconds{route}`` (histogram),
``oid4vc_issuance_total{format,outcome}``, ``oid4vc_token_total{outcome}``.

Each process counts in memory. Under ``oid4vc serve --workers N`` a scrape reaches one worker (the kernel picks it),
so every worker also writes a snapshot of its counts to a directory the supervisor made for this run
(``MetricsShare``, once a second, replaced atomically), and ``/metrics`` answers the sum over all workers: its own
live counts plus the others' latest snapshots. A worker the supervisor restarts continues from its predecessor's
last snapshot, so the sums only ever grow (at most the last second of a killed worker is lost).
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import json
import logging
import os
import resource
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

__all__ = ["Metrics", "MetricsShare", "metrics_handler", "metrics_middleware", "share_metrics"]

log = logging.getLogger(__name__)
SHARE_INTERVAL_SECONDS = 1.0

_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


def _labels(names: tuple[str, ...], values: tuple[str, ...]) -> str:
    inner = ",".join(f'{n}="{v.replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}"'
                     for n, v in zip(names, values, strict=True))
    return "{" + inner + "}" if inner else ""


class Metrics:
    def __init__(self) -> None:
        self._base_cpu = 0.0  # CPU seconds of earlier workers in this slot, or of the other workers (merged)
        self._merged = False
        self._counters: dict[str, tuple[str, tuple[str, ...], dict[tuple[str, ...], float]]] = {}
        self._histograms: dict[str, tuple[str, tuple[str, ...], dict[tuple[str, ...], list[float]]]] = {}
        self.counter("oid4vc_http_requests_total", "HTTP requests by route, method and status",
                     ("route", "method", "status"))
        self.histogram("oid4vc_http_request_seconds", "HTTP request latency by route", ("route",))

    def counter(self, name: str, help_text: str, labels: tuple[str, ...]) -> None:
        self._counters.setdefault(name, (help_text, labels, defaultdict(float)))

    def histogram(self, name: str, help_text: str, labels: tuple[str, ...]) -> None:
        self._histograms.setdefault(name, (help_text, labels, {}))

    def inc(self, name: str, *values: str, by: float = 1.0) -> None:
        self._counters[name][2][values] += by

    def observe(self, name: str, value: float, *values: str) -> None:
        by_labels = self._histograms[name][2]
        series = by_labels.get(values)
        if series is None:
            series = by_labels[values] = [0.0] * (len(_BUCKETS) + 2)
        series[bisect.bisect_left(_BUCKETS, value)] += 1  # per-bucket count; cumulated at render time
        series[-1] += value

    def snapshot(self) -> dict[str, Any]:
        """The counts as JSON: ``{"cpu": s, "counters": {name: [[*labels, n]]}, "histograms": {name: [[*labels,
        [bucket counts..., sum]]]}}`` (with the CPU this process used, plus the ``base`` it started from)."""
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return {
            "cpu": usage.ru_utime + usage.ru_stime + self._base_cpu,
            "counters": {name: [[*v, n] for v, n in series.items()] for name, (_, _, series) in self._counters.items()},
            "histograms": {name: [[*v, c] for v, c in hist.items()] for name, (_, _, hist) in self._histograms.items()},
        }

    def add(self, snapshot: dict[str, Any]) -> None:
        """Add another snapshot's counts to these (for series this process has registered). Unknown names and
        entries not in the snapshot format are skipped: a scrape never fails on a damaged snapshot file."""
        cpu = snapshot.get("cpu")
        if isinstance(cpu, int | float):
            self._base_cpu += cpu
        for name, entries in _items(snapshot.get("counters")):
            if name in self._counters:
                series = self._counters[name][2]
                for values, n in _entries(entries, float):
                    series[values] += n
        for name, entries in _items(snapshot.get("histograms")):
            if name in self._histograms:
                hist = self._histograms[name][2]
                for values, counts in _entries(entries, list):
                    if len(counts) == len(_BUCKETS) + 2 and all(isinstance(c, int | float) for c in counts):
                        mine = hist.setdefault(values, [0.0] * (len(_BUCKETS) + 2))
                        for i, c in enumerate(counts):
                            mine[i] += c

    def merged(self, others: list[dict[str, Any]]) -> Metrics:
        """A copy of these counts plus ``others`` (for rendering the sum over workers)."""
        total = Metrics()
        total._counters = {n: (h, lb, defaultdict(float)) for n, (h, lb, _) in self._counters.items()}
        total._histograms = {n: (h, lb, {}) for n, (h, lb, _) in self._histograms.items()}
        for snapshot in (self.snapshot(), *others):
            total.add(snapshot)
        total._merged = True
        return total

    def render(self) -> str:
        cpu = self._base_cpu
        if not self._merged:
            usage = resource.getrusage(resource.RUSAGE_SELF)
            cpu += usage.ru_utime + usage.ru_stime
        lines: list[str] = [
            "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds (all workers).",
            "# TYPE process_cpu_seconds_total counter",
            f"process_cpu_seconds_total {cpu:.6f}",
        ]
        for name, (help_text, labels, series) in sorted(self._counters.items()):
            lines += [f"# HELP {name} {help_text}", f"# TYPE {name} counter"]
            lines += [f"{name}{_labels(labels, v)} {n:g}" for v, n in sorted(series.items())]
        for name, (help_text, labels, hist) in sorted(self._histograms.items()):
            lines += [f"# HELP {name} {help_text}", f"# TYPE {name} histogram"]
            for v, counts in sorted(hist.items()):
                running = 0.0
                for bound, count in zip((*_BUCKETS, float("inf")), counts[:-1], strict=True):
                    running += count
                    le = "+Inf" if bound == float("inf") else f"{bound:g}"
                    lines.append(f"{name}_bucket{_labels((*labels, 'le'), (*v, le))} {running:g}")
                lines.append(f"{name}_sum{_labels(labels, v)} {counts[-1]:.6f}")
                lines.append(f"{name}_count{_labels(labels, v)} {running:g}")
        return "\n".join(lines) + "\n"


def _items(value: object) -> list[tuple[str, Any]]:
    return [(k, v) for k, v in value.items() if isinstance(k, str)] if isinstance(value, dict) else []


def _entries(value: object, kind: type) -> list[tuple[tuple[str, ...], Any]]:
    """``[[*labels, x], ...]`` as (labels, x) pairs, keeping only entries whose labels are texts and ``x`` a ``kind``
    (a number for ``float``)."""
    out = []
    for entry in value if isinstance(value, list) else []:
        if isinstance(entry, list) and entry and all(isinstance(v, str) for v in entry[:-1]):
            x = entry[-1]
            if (kind is float and isinstance(x, int | float) and not isinstance(x, bool)) or (
                    kind is list and isinstance(x, list)):
                out.append((tuple(entry[:-1]), x))
    return out


class MetricsShare:
    """Worker ``index``'s snapshots in ``directory`` (made by the supervisor for one run; see the module docstring)."""

    def __init__(self, directory: Path, index: int) -> None:
        self.directory, self.index = directory, index

    def _path(self, index: int) -> Path:
        return self.directory / f"w{index}.json"

    def resume(self, metrics: Metrics) -> None:
        """Start from this slot's last snapshot (a restarted worker continues its predecessor's counts)."""
        previous = _read(self._path(self.index))
        if previous is not None:
            metrics.add(previous)

    def publish(self, metrics: Metrics) -> None:
        tmp = self.directory / f".w{self.index}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(metrics.snapshot(), separators=(",", ":")))
        os.replace(tmp, self._path(self.index))  # atomic: a reader sees the old snapshot or the new one

    def others(self) -> list[dict[str, Any]]:
        snapshots = []
        for path in sorted(self.directory.glob("w*.json")):
            if path.name != self._path(self.index).name:
                snapshot = _read(path)
                if snapshot is not None:
                    snapshots.append(snapshot)
        return snapshots

    async def run(self, metrics: Metrics) -> None:
        while True:
            await asyncio.sleep(SHARE_INTERVAL_SECONDS)
            try:
                self.publish(metrics)
            except OSError as exc:  # a full or vanished directory: metrics only, retried next second
                log.warning("metrics snapshot not written: %s", exc)


def _read(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


async def share_metrics(metrics: Metrics, share: MetricsShare) -> AsyncIterator[None]:
    """cleanup_ctx body: resume from this slot's snapshot, publish every second, and once more at shutdown."""
    share.resume(metrics)
    task = asyncio.create_task(share.run(metrics))
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    with contextlib.suppress(OSError):
        share.publish(metrics)


metrics_key = web.AppKey("metrics", Metrics)
metrics_share_key = web.AppKey("metrics_share", MetricsShare)


def metrics_middleware(metrics: Metrics) -> Middleware:
    """Counts requests by route, method and status, and observes their latency (runs on every request: kept lean)."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        started = time.perf_counter()
        status = 500
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as exc:
            status = exc.status
            raise
        finally:
            info = request.match_info.route.resource
            route = info.canonical if info is not None else "unmatched"
            metrics.inc("oid4vc_http_requests_total", route, request.method, str(status))
            metrics.observe("oid4vc_http_request_seconds", time.perf_counter() - started, route)

    return middleware


async def metrics_handler(request: web.Request) -> web.Response:
    metrics = request.app[metrics_key]
    share = request.app.get(metrics_share_key)
    text = metrics.merged(share.others()).render() if share is not None else metrics.render()
    return web.Response(text=text, content_type="text/plain", charset="utf-8", headers={"Cache-Control": "no-store"})
