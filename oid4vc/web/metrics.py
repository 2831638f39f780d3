"""Prometheus metrics (text exposition format 0.0.4) without a client library: counters and histograms with
labels, kept per process. Served at ``/metrics``.

Names: ``oid4vc_http_requests_total{route,method,status}``, ``oid4vc_http_request_seconds{route}`` (histogram),
``oid4vc_issuance_total{format,outcome}``, ``oid4vc_token_total{outcome}``.
"""

from __future__ import annotations

import bisect
import resource
import time
from collections import defaultdict

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

__all__ = ["Metrics", "metrics_handler", "metrics_middleware"]

_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


def _labels(names: tuple[str, ...], values: tuple[str, ...]) -> str:
    inner = ",".join(f'{n}="{v.replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}"'
                     for n, v in zip(names, values, strict=True))
    return "{" + inner + "}" if inner else ""


class Metrics:
    def __init__(self) -> None:
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

    def render(self) -> str:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        lines: list[str] = [
            "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.",
            "# TYPE process_cpu_seconds_total counter",
            f"process_cpu_seconds_total {usage.ru_utime + usage.ru_stime:.6f}",
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


metrics_key = web.AppKey("metrics", Metrics)


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
    return web.Response(text=request.app[metrics_key].render(), content_type="text/plain",
                        charset="utf-8", headers={"Cache-Control": "no-store"})
