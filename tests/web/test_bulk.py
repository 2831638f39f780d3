"""``oid4vc offer bulk``: in process against the app (outputs, errors, QR codes, reruns, usage errors), then as a
real command against ``oid4vc serve``: 5,000 offers, SIGKILL halfway, rerun -> exactly one delivered offer per
row, and any extra offer on the server bounded by the requests in flight at the kill; SIGINT loses nothing."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from oid4vc.bulk.journal import parse_journal
from oid4vc.bulk.run import BulkOptions, BulkUsageError, run_bulk, state_path_for
from oid4vc.web.pages.qr import qr_png
from tests.conftest import ADMIN, ADMIN_TOKEN, AppClient
from tests.support.net import free_port

CONFIG_ID = "OpenBadgeCredential_jwt_vc_json"
HEADER = ["learner_id", "email", "achievement_id", "achievement_name", "achievement_description", "criteria", "tx_code"]


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _options(tmp_path: Path, roster: Path, server: str, **kw: Any) -> BulkOptions:
    base = BulkOptions(
        roster=roster,
        server=server,
        admin_token=ADMIN_TOKEN,
        config_id=CONFIG_ID,
        out=tmp_path / "offers.csv",
        state=state_path_for(roster),
        progress=False,
        handle_signals=False,
    )
    return replace(base, **kw)


def _small_roster(tmp_path: Path, n: int = 30) -> Path:
    rows = [
        [
            f"L{i:03d}",
            f"l{i}@example.edu",
            "https://example.edu/achievements/n101",
            f'Nursing "{i}" {{{{x}}}}',
            "Foundations",
            "Practicum",
            "yes" if i % 3 == 0 else "",
        ]
        for i in range(n)
    ]
    rows.insert(5, ["bad/../row", "", "https://example.edu/achievements/n101", "", "d", "c", ""])  # empty name
    rows.insert(9, ["nouri", "", "not a uri", "N", "d", "c", "no"])  # the server refuses it (400)
    return _write_csv(tmp_path / "roster.csv", HEADER, rows)


async def test_in_process_outputs_errors_qr_codes_and_rerun(client: AppClient, tmp_path: Path) -> None:
    server = str(client.make_url("")).rstrip("/")
    roster = _small_roster(tmp_path)
    opts = _options(tmp_path, roster, server, errors=tmp_path / "errors.csv", qr_dir=tmp_path / "qr")
    report = await run_bulk(opts, stderr=io.StringIO())
    assert (report.rows, report.created, report.failed, report.exit_code) == (32, 30, 2, 1)
    assert report.qr_written == 30 and report.possible_orphans == 0

    offers = _read_csv(opts.out)
    assert stat.S_IMODE(opts.out.stat().st_mode) == 0o600
    assert [o["learner_id"] for o in offers] == [f"L{i:03d}" for i in range(30)]
    assert list(offers[0]) == ["learner_id", "email", "offer_id", "offer_uri", "tx_code", "expires_at", "qr_file"]
    for i, offer in enumerate(offers):
        assert offer["email"] == f"l{i}@example.edu"
        assert offer["offer_uri"].startswith("openid-credential-offer://?credential_offer_uri=")
        assert (len(offer["tx_code"]) == 6 and offer["tx_code"].isdigit()) if i % 3 == 0 else offer["tx_code"] == ""
        png = tmp_path / "qr" / offer["qr_file"]
        assert offer["qr_file"] == f"L{i:03d}.png" and png.read_bytes() == qr_png(offer["offer_uri"])
        assert stat.S_IMODE(png.stat().st_mode) == 0o600
    resp = await client.get(f"/admin/offers/{offers[3]['offer_id']}", headers=ADMIN)
    view = await resp.json()
    assert view["state"] == "offered" and view["tx_code_required"] and view["offer_uri"] == offers[3]["offer_uri"]

    errors = _read_csv(tmp_path / "errors.csv")
    assert [(e["learner_id"], e["line"], e["status"], e["error"]) for e in errors] == [
        ("bad/../row", "7", "", "invalid_row"),
        ("nouri", "11", "400", "invalid_request"),
    ]
    assert "achievement.id" in errors[1]["error_description"]

    # rerun: nothing is created again, missing QR codes come back, untouched ones are not rewritten
    (tmp_path / "qr" / "L001.png").unlink()
    kept = (tmp_path / "qr" / "L002.png").stat().st_mtime_ns
    again = await run_bulk(opts, stderr=io.StringIO())
    assert (again.created, again.already_done, again.failed, again.qr_written) == (0, 30, 2, 1)
    assert _read_csv(opts.out) == offers
    assert (tmp_path / "qr" / "L002.png").stat().st_mtime_ns == kept
    state = parse_journal(opts.state.read_bytes())
    assert state.runs == 2 and len(state.done) == 30 and not state.open_intents


async def test_a_changed_row_is_reported_not_reissued(client: AppClient, tmp_path: Path) -> None:
    server = str(client.make_url("")).rstrip("/")
    roster = _write_csv(tmp_path / "r.csv", HEADER, [["A", "", "https://example.edu/a", "N", "d", "c", ""]])
    opts = _options(tmp_path, roster, server)
    assert (await run_bulk(opts, stderr=io.StringIO())).exit_code == 0
    _write_csv(roster, HEADER, [["A", "", "https://example.edu/a", "Renamed", "d", "c", ""]])
    report = await run_bulk(opts, stderr=io.StringIO())
    assert (report.created, report.changed_since_done, report.exit_code) == (0, 1, 0)


async def test_template_mode(client: AppClient, tmp_path: Path) -> None:
    server = str(client.make_url("")).rstrip("/")
    template = tmp_path / "subject.json"
    template.write_text(
        json.dumps(
            {
                "name": "{{name}}",
                "achievement": {
                    "id": "https://example.edu/a/{{course}}",
                    "type": ["Achievement"],
                    "name": "{{name}}",
                    "description": "d",
                    "criteria": {"narrative": "c"},
                },
            }
        )
    )
    roster = _write_csv(tmp_path / "r.csv", ["sid", "name", "course"], [["1", 'Zoë "Z" {{course}} \\', "n1"]])
    opts = _options(tmp_path, roster, server, subject_template=template, id_column="sid", tx_code=True)
    report = await run_bulk(opts, stderr=io.StringIO())
    assert report.exit_code == 0, report.errors
    (offer,) = _read_csv(opts.out)
    assert list(offer) == ["sid", "offer_id", "offer_uri", "tx_code", "expires_at"] and len(offer["tx_code"]) == 6


async def test_usage_errors_send_nothing(client: AppClient, tmp_path: Path) -> None:
    server = str(client.make_url("")).rstrip("/")
    roster = _write_csv(tmp_path / "r.csv", HEADER, [["A", "", "https://example.edu/a", "N", "d", "c", ""]])
    template = tmp_path / "t.json"
    template.write_text('{"achievement": {"name": "{{nope}}"}}')
    for bad, message in [
        (_options(tmp_path, tmp_path / "missing.csv", server), "missing.csv"),
        (_options(tmp_path, roster, server, subject_template=template), "lacks: nope"),
        (_options(tmp_path, roster, server, id_column="sid"), "no 'sid' column"),
        (_options(tmp_path, roster, server, concurrency=0), "--concurrency"),
    ]:
        with pytest.raises(BulkUsageError, match=message):
            await run_bulk(bad, stderr=io.StringIO())
    assert not state_path_for(roster).exists()
    report = await run_bulk(_options(tmp_path, roster, server, admin_token="wrong"), stderr=io.StringIO())
    assert report.exit_code == 2 and report.created == 0 and "401" in (report.aborted or "")
    with pytest.raises(BulkUsageError, match="belongs to a run for"):
        await run_bulk(_options(tmp_path, roster, server, config_id="OpenBadgeCredential_ldp_vc"), stderr=io.StringIO())


# -- the real command against the real server ---------------------------------------------------------------



@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """``oid4vc serve`` (dev mode, SQLite in a temp data dir, known admin token) on a free loopback port."""
    root = tmp_path_factory.mktemp("bulk-server")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = os.environ | {"OID4VC_ADMIN_TOKEN": ADMIN_TOKEN}
    cmd = [
        sys.executable,
        "-m",
        "oid4vc",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--data-dir",
        str(root / "data"),
    ]
    with (root / "server.log").open("wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=root)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, (root / "server.log").read_text()
            try:
                with urllib.request.urlopen(f"{url}/.well-known/openid-credential-issuer", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, "oid4vc serve did not start"
            time.sleep(0.05)
        yield url, root / "data"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _bulk_cmd(roster: Path, server: str, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "oid4vc",
        "offer",
        "bulk",
        str(roster),
        "--config-id",
        CONFIG_ID,
        "--server",
        server,
        "--subject-template",
        str(roster.with_name("subject.json")),
        "--quiet",
        *extra,
    ]


def _template_roster(tmp_path: Path, prefix: str, n: int) -> Path:
    (tmp_path / "subject.json").write_text(
        json.dumps(
            {
                "name": "{{learner_id}}",  # the credential's name: lets the test attribute every offer on the server
                "achievement": {
                    "id": "https://example.edu/achievements/{{course}}",
                    "type": ["Achievement"],
                    "name": "Course {{course}}",
                    "description": "Awarded to {{learner_name}}",
                    "criteria": {"narrative": "Completed."},
                },
            }
        )
    )
    rows = [
        [f"{prefix}{i:05d}", f"s{i}@example.edu", f'Ada "{i}" {{{{x}}}}', f"c{i % 7}", "yes" if i % 3 == 0 else ""]
        for i in range(n)
    ]
    return _write_csv(tmp_path / "roster.csv", ["learner_id", "email", "learner_name", "course", "tx_code"], rows)


def _server_offers(data_dir: Path, prefix: str) -> dict[str, int]:
    """Offers per learner as the server stored them (its SQLite file, read-only)."""
    with sqlite3.connect(f"file:{data_dir / 'oid4vc.db'}?mode=ro", uri=True) as db:
        rows = db.execute(
            "SELECT json_extract(credential_subject, '$.name'), count(*) FROM offers "
            "WHERE json_extract(credential_subject, '$.name') LIKE ? GROUP BY 1",
            (f"{prefix}%",),
        ).fetchall()
    return {str(name): int(count) for name, count in rows}


def _wait_for_done(state: Path, proc: subprocess.Popen[Any], at_least: int, timeout: float) -> int:
    count, offset, deadline = 0, 0, time.monotonic() + timeout
    while count < at_least:
        assert proc.poll() is None, "bulk finished before it could be interrupted"
        assert time.monotonic() < deadline, f"only {count} rows journaled"
        if state.exists():
            with state.open("rb") as fh:
                fh.seek(offset)
                chunk = fh.read()
            end = chunk.rfind(b"\n") + 1
            count += chunk[:end].count(b'"t":"done"')
            offset += end
        time.sleep(0.01)
    return count


def test_5000_offers_survive_a_sigkill_halfway(served: tuple[str, Path], tmp_path: Path) -> None:
    server, data_dir = served
    n, concurrency = 5000, 8
    roster = _template_roster(tmp_path, "K", n)
    state = state_path_for(roster)
    env = os.environ | {"OID4VC_ADMIN_TOKEN": ADMIN_TOKEN}
    cmd = _bulk_cmd(roster, server, "--concurrency", str(concurrency), "--out", str(tmp_path / "offers.csv"), "--json")

    started = time.perf_counter()
    first = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_for_done(state, first, n // 2, timeout=60)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    first_s = time.perf_counter() - started
    killed = parse_journal(state.read_bytes())
    done_before = len(killed.done)
    in_flight = set(killed.open_intents.values())
    assert n // 2 <= done_before < n
    assert len(in_flight) <= concurrency  # the kill window: requests sent, answers not journaled

    rerun = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120, check=False)
    total_s = time.perf_counter() - started
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    report = json.loads(rerun.stdout)
    assert (report["created"], report["already_done"], report["failed"]) == (n - done_before, done_before, 0)
    assert report["in_flight_at_last_stop"] == report["possible_orphans"] == len(killed.open_intents)
    assert f"{len(killed.open_intents)} request(s) were in flight" in rerun.stderr or not killed.open_intents

    # the mail-merge file: every row exactly once, each with its own offer
    offers = _read_csv(tmp_path / "offers.csv")
    assert [o["learner_id"] for o in offers] == [f"K{i:05d}" for i in range(n)]
    assert len({o["offer_id"] for o in offers}) == len({o["offer_uri"] for o in offers}) == n
    assert all((len(o["tx_code"]) == 6) == (i % 3 == 0) for i, o in enumerate(offers))

    # the journal: one "done" per row, nothing duplicated
    final = parse_journal(state.read_bytes())
    assert len(final.done) == n and final.duplicate_done == 0
    assert {d.offer_id for d in final.done.values()} == {o["offer_id"] for o in offers}

    # the server: every delivered offer exists; extra offers only for rows in flight at the kill, at most one each
    for o in offers[:: n // 25]:
        with urllib.request.urlopen(
            urllib.request.Request(
                f"{server}/admin/offers/{o['offer_id']}", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
            ),
            timeout=10,
        ) as resp:
            view = json.loads(resp.read())
        assert view["state"] == "offered" and view["offer_uri"] == o["offer_uri"]
    per_learner = _server_offers(data_dir, "K")
    assert set(per_learner) == {o["learner_id"] for o in offers}
    duplicated = {learner for learner, count in per_learner.items() if count > 1}
    assert duplicated <= in_flight and max(per_learner.values()) <= 2
    print(
        f"\nbulk 5000: killed after {done_before} rows ({len(in_flight)} in flight, {len(duplicated)} duplicated on "
        f"the server); first run {done_before / first_s:.0f} offers/s incl. start-up, rerun {report['offers_per_s']} "
        f"offers/s; {total_s:.1f} s in all"
    )


def test_sigint_finishes_the_rows_in_flight(served: tuple[str, Path], tmp_path: Path) -> None:
    server, data_dir = served
    n = 800
    roster = _template_roster(tmp_path, "I", n)
    state = state_path_for(roster)
    env = os.environ | {"OID4VC_ADMIN_TOKEN": ADMIN_TOKEN}
    cmd = _bulk_cmd(roster, server, "--out", str(tmp_path / "offers.csv"), "--json")
    first = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_for_done(state, first, 100, timeout=30)
    first.send_signal(signal.SIGINT)
    out, err = first.communicate(timeout=30)
    assert first.returncode == 130, err[-2000:]
    stopped = parse_journal(state.read_bytes())
    assert not stopped.open_intents and 100 <= len(stopped.done) < n  # nothing left in doubt
    assert len(_read_csv(tmp_path / "offers.csv")) == len(stopped.done) == json.loads(out)["created"]

    rerun = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert json.loads(rerun.stdout)["possible_orphans"] == 0
    assert len(_read_csv(tmp_path / "offers.csv")) == n
    assert set(_server_offers(data_dir, "I").values()) == {1}


def test_command_line_usage_errors_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from oid4vc.cli import main

    monkeypatch.delenv("OID4VC_ADMIN_TOKEN", raising=False)
    roster = _write_csv(tmp_path / "r.csv", HEADER, [["A", "", "https://example.edu/a", "N", "d", "c", ""]])
    base = ["offer", "bulk", str(roster), "--config-id", CONFIG_ID, "--data-dir", str(tmp_path / "none")]
    assert main(base) == 2
    assert "no admin token" in capsys.readouterr().err
    assert main([*base[:2], str(tmp_path / "missing.csv"), *base[3:], "--token", "t"]) == 2
    assert "missing.csv" in capsys.readouterr().err
    assert not list(tmp_path.glob("*.jsonl"))
