"""Latency statistics, progress and CPU accounting for the benchmarks."""

from __future__ import annotations

import os
import resource
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

__all__ = ["BenchSetupError", "CpuMeter", "Progress", "Recorder", "cpu_seconds_of", "percentile", "self_cpu_seconds"]


class BenchSetupError(Exception):
    """The run cannot start (metadata unreadable, offers refused, setup credentials not issued): a message for
    the operator, not a measurement."""


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return 0.0
    k = (len(sorted_values) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


def self_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _descendants(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as fh:
                for child in fh.read().split():
                    found += [int(child), *_descendants(int(child))]
    except OSError:
        pass
    return found


def cpu_seconds_of(pids: list[int]) -> float | None:
    """utime + stime of local processes, their live descendants (JSON-LD workers) and reaped children, from
    /proc; None when unreadable."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    everyone = [p for pid in pids for p in (pid, *_descendants(pid))]
    try:
        for pid in everyone:
            with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            total += sum(int(v) for v in fields[11:15]) / ticks  # utime stime cutime cstime
    except (OSError, ValueError, IndexError):
        return None
    return total


@dataclass
class Recorder:
    steps: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    flows: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, values in sorted(self.steps.items()):
            ordered = sorted(values)
            out[name] = {
                "count": len(ordered),
                "p50_ms": round(percentile(ordered, 50) * 1000, 2),
                "p90_ms": round(percentile(ordered, 90) * 1000, 2),
                "p99_ms": round(percentile(ordered, 99) * 1000, 2),
                "max_ms": round(ordered[-1] * 1000, 2) if ordered else 0.0,
            }
        return out


class Progress:
    """A one-line progress bar on stderr (only when stderr is a terminal, or when forced)."""

    def __init__(self, total: int, label: str, *, force: bool = False) -> None:
        self.total, self.label, self.done = total, label, 0
        self._enabled = force or sys.stderr.isatty()
        self._last = 0.0
        self._start = time.monotonic()

    def advance(self, n: int = 1) -> None:
        self.done += n
        now = time.monotonic()
        if self._enabled and (now - self._last > 0.1 or self.done >= self.total):
            self._last = now
            width = 30
            filled = int(width * self.done / max(self.total, 1))
            rate = self.done / max(now - self._start, 1e-9)
            sys.stderr.write(
                f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} {rate:,.0f}/s "
            )
            sys.stderr.flush()

    def close(self) -> None:
        if self._enabled:
            sys.stderr.write("\n")


@dataclass
class CpuMeter:
    """CPU seconds spent during the timed phase by the server processes, the database server's processes (when
    local, e.g. PostgreSQL's postmaster: its backends are its children) and this generator, per completed flow."""

    server_pids: tuple[int, ...] = ()
    database_pids: tuple[int, ...] = ()
    _start: dict[str, float | None] = field(default_factory=dict, init=False)

    def _read(self) -> dict[str, float | None]:
        return {
            "server": cpu_seconds_of(list(self.server_pids)) if self.server_pids else None,
            "database": cpu_seconds_of(list(self.database_pids)) if self.database_pids else None,
            "generator": self_cpu_seconds(),
        }

    def start(self) -> None:
        self._start = self._read()

    def per_flow_ms(self, flows: int) -> dict[str, float]:
        """``{server,database,generator}_cpu_ms_per_flow`` for the readable ones."""
        end = self._read()
        out: dict[str, float] = {}
        for name, before in self._start.items():
            after = end[name]
            if before is not None and after is not None:
                out[f"{name}_cpu_ms_per_flow"] = round((after - before) * 1000 / max(flows, 1), 3)
        return out
