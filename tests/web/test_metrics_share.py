"""Metrics summed over workers (``oid4vc.web.metrics``): snapshots, their sum, and a restarted worker's slot."""

from __future__ import annotations

import json
from pathlib import Path

from oid4vc.web.metrics import Metrics, MetricsShare


def _metrics(requests: int, seconds: list[float]) -> Metrics:
    m = Metrics()
    for _ in range(requests):
        m.inc("oid4vc_http_requests_total", "/token", "POST", "200")
    for s in seconds:
        m.observe("oid4vc_http_request_seconds", s, "/token")
    return m


def _line(text: str, prefix: str) -> str:
    return next(line for line in text.splitlines() if line.startswith(prefix))


def test_merged_sums_counters_histograms_and_cpu() -> None:
    mine, other = _metrics(3, [0.002]), _metrics(4, [0.002, 0.3])
    other_snapshot = other.snapshot()
    text = mine.merged([other_snapshot, {"cpu": 1.5, "counters": {"unknown_total": [["x", 1]]}}]).render()
    assert _line(text, 'oid4vc_http_requests_total{route="/token",method="POST",status="200"}').endswith(" 7")
    assert _line(text, 'oid4vc_http_request_seconds_bucket{route="/token",le="0.0025"}').endswith(" 2")
    assert _line(text, 'oid4vc_http_request_seconds_bucket{route="/token",le="+Inf"}').endswith(" 3")
    assert _line(text, 'oid4vc_http_request_seconds_count{route="/token"}').endswith(" 3")
    assert float(_line(text, 'oid4vc_http_request_seconds_sum{route="/token"}').split()[1]) == 0.304
    cpu = float(_line(text, "process_cpu_seconds_total ").split()[1])
    assert cpu >= 1.5 + other_snapshot["cpu"]
    assert "unknown_total" not in text
    # the live metrics are untouched by rendering the sum
    assert _line(mine.render(), 'oid4vc_http_requests_total{route="/token"').endswith(" 3")


def test_share_publishes_reads_others_and_resumes(tmp_path: Path) -> None:
    w0, w1 = MetricsShare(tmp_path, 0), MetricsShare(tmp_path, 1)
    m0, m1 = _metrics(2, []), _metrics(5, [])
    w0.publish(m0)
    w1.publish(m1)
    published_cpu = json.loads((tmp_path / "w1.json").read_text())["cpu"]
    assert [s["counters"]["oid4vc_http_requests_total"] for s in w0.others()] == [[["/token", "POST", "200", 5.0]]]
    (tmp_path / "w2.json").write_text("{not json")  # a torn or foreign file is skipped
    assert len(w0.others()) == 1
    assert not list(tmp_path.glob(".*.tmp"))  # written through a temporary file, then replaced
    restarted = Metrics()  # worker 1 again, after the supervisor restarted it
    w1.resume(restarted)
    restarted.inc("oid4vc_http_requests_total", "/token", "POST", "200")
    w1.publish(restarted)
    counts = json.loads((tmp_path / "w1.json").read_text())["counters"]["oid4vc_http_requests_total"]
    assert counts == [["/token", "POST", "200", 6.0]]
    assert json.loads((tmp_path / "w1.json").read_text())["cpu"] > published_cpu  # continues the slot's CPU too


def test_damaged_snapshots_are_skipped_not_fatal() -> None:
    damaged = [
        {"cpu": "x", "counters": {"oid4vc_http_requests_total": [["/token", "POST", "200", "many"], "x", [], [1, 2]]}},
        {"counters": [], "histograms": {"oid4vc_http_request_seconds": [["/token", [1, 2]], ["/token", "x"]]}},
        {"counters": {"oid4vc_http_requests_total": [["/token", "POST", "200", 2]]}},
    ]
    text = _metrics(1, []).merged(damaged).render()
    assert _line(text, 'oid4vc_http_requests_total{route="/token",method="POST",status="200"}').endswith(" 3")
