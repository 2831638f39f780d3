"""``oid4vc bench`` against a real server (aiohttp on a TCP port, SQLite store): every issuance and presentation
flow completes with the wallet-side checks of a real exchange, the report carries what the README quotes
(flows/s, per-step percentiles, server and generator CPU), and failures are counted by kind, not hidden."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from oid4vc.bench import issuance as bench_issuance
from oid4vc.bench.issuance import IssuanceBench, run_issuance_bench, run_step_cost_bench
from oid4vc.bench.presentation import PresentationBench, run_presentation_bench
from oid4vc.bench.stats import BenchSetupError
from oid4vc.config import load_settings
from oid4vc.web.app import create_app
from tests.conftest import ADMIN_TOKEN
from tests.support.net import free_port

pytestmark = pytest.mark.asyncio



@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = load_settings(
        overrides={
            "server": {"public_url": base, "data_dir": str(tmp_path), "dev_mode": True, "jsonld_workers": 0},
            "admin": {"token": ADMIN_TOKEN},
        },
        environ={},
    )
    server = TestServer(create_app(settings, admin_token=ADMIN_TOKEN), host="127.0.0.1", port=port)
    await server.start_server()
    yield base
    await server.close()


@pytest.mark.parametrize(
    "config_id", ["OpenBadgeCredential_dc_sd_jwt", "OpenBadgeCredential_jwt_vc_json", "OpenBadgeCredential_ldp_vc"]
)
async def test_issuance_bench_completes_every_flow_and_reports_it(served: str, config_id: str) -> None:
    report = await run_issuance_bench(
        IssuanceBench(server=served, admin_token=ADMIN_TOKEN, config_id=config_id, flows=12, concurrency=4,
                      duration=60, server_pids=(os.getpid(),), database_pids=(os.getpid(),), progress=False)
    )
    assert report["errors"] == {}
    assert report["flows_completed"] == 12
    assert report["offer_creation"]["count"] == 12
    for step in ("offer", "token", "nonce", "credential"):
        assert report["steps"][step]["count"] == 12
        assert 0 < report["steps"][step]["p50_ms"] <= report["steps"][step]["p99_ms"]
    assert report["flows_per_s"] > 0
    assert report["server_cpu_ms_per_flow"] > 0 and report["generator_cpu_ms_per_flow"] > 0
    assert report["database_cpu_ms_per_flow"] >= 0  # reported apart (here the same process: the test server)


async def test_issuance_bench_is_bounded_by_time_and_stops_on_a_refused_setup(served: str) -> None:
    """A duration of zero ends the timed phase at once (bounded by time as well as by count); a wrong admin token
    stops the run with a message (BenchSetupError, which the CLI prints) instead of a measurement."""
    report = await run_issuance_bench(
        IssuanceBench(server=served, admin_token=ADMIN_TOKEN, config_id="OpenBadgeCredential_jwt_vc_json",
                      flows=5, concurrency=2, duration=0, progress=False)
    )
    assert report["flows_completed"] == 0 and report["errors"] == {}
    with pytest.raises(BenchSetupError, match="cannot create offers: 401"):
        await run_issuance_bench(
            IssuanceBench(server=served, admin_token="wrong", config_id="OpenBadgeCredential_jwt_vc_json", flows=1,
                          concurrency=1, progress=False)
        )


@pytest.mark.parametrize(("fmt", "mode"), [("dc+sd-jwt", "direct_post.jwt"), ("jwt_vc_json", "direct_post"),
                                           ("ldp_vc", "direct_post.jwt")])
async def test_presentation_bench_verifies_every_presentation(served: str, fmt: str, mode: str) -> None:
    report = await run_presentation_bench(
        PresentationBench(server=served, admin_token=ADMIN_TOKEN, format=fmt, response_mode=mode, flows=6,
                          concurrency=3, duration=60, server_pids=(os.getpid(),), progress=False)
    )
    assert report["errors"] == {}
    assert report["presentations_verified"] == 6
    assert report["steps"]["response"]["count"] == 6 and report["steps"]["request"]["count"] == 6
    assert report["server_cpu_ms_per_flow"] > 0


@pytest.fixture
def proofs_for_another_issuer(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bench's wallets sign their proofs for another audience: the server refuses every credential request."""
    real_proof = bench_issuance._proof
    monkeypatch.setattr(bench_issuance, "_proof", lambda key, _aud, nonce: real_proof(key, "https://x.example", nonce))


@pytest.mark.usefixtures("proofs_for_another_issuer")
async def test_issuance_bench_counts_failed_flows_by_step_and_error(served: str) -> None:
    """Flows whose credential request the server refuses are counted by step, status and error code."""
    report = await run_issuance_bench(
        IssuanceBench(server=served, admin_token=ADMIN_TOKEN, config_id="OpenBadgeCredential_jwt_vc_json", flows=4,
                      concurrency=2, duration=60, progress=False)
    )
    assert report["flows_completed"] == 0
    assert report["errors"] == {"credential:400:invalid_proof": 4}


async def test_step_costs_run_every_step_as_its_own_phase(served: str) -> None:
    """``--by-step``: each step of every flow is measured apart; the flow's server CPU is the sum of its steps."""
    report = await run_step_cost_bench(
        IssuanceBench(server=served, admin_token=ADMIN_TOKEN, config_id="OpenBadgeCredential_dc_sd_jwt", flows=8,
                      concurrency=3, server_pids=(os.getpid(),), progress=False)
    )
    assert report["errors"] == {} and report["flows_completed"] == 8
    steps = report["steps"]
    assert list(steps) == ["offer", "token", "nonce", "credential", "healthz"]
    for step in steps.values():
        assert step["requests"] == 8 and step["per_s"] > 0 and step["server_cpu_us_per_request"] >= 0
    flow_us = sum(steps[name]["server_cpu_us_per_request"] for name in ("offer", "token", "nonce", "credential"))
    assert report["server_cpu_ms_per_flow"] == round(flow_us / 1000, 3) > 0


@pytest.mark.usefixtures("proofs_for_another_issuer")
async def test_step_costs_leave_a_failed_flow_out_of_later_steps(served: str) -> None:
    report = await run_step_cost_bench(
        IssuanceBench(server=served, admin_token=ADMIN_TOKEN, config_id="OpenBadgeCredential_jwt_vc_json", flows=3,
                      concurrency=2, progress=False)
    )
    assert report["errors"] == {"credential:400:invalid_proof": 3}
    assert report["steps"]["nonce"]["requests"] == 3 and report["steps"]["credential"]["requests"] == 0
    assert report["flows_completed"] == 0 and "server_cpu_ms_per_flow" not in report  # no --server-pid: no CPU
