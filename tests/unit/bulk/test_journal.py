"""The journal: replay, recovery from a partial last record, group-committed appends, locking."""

from __future__ import annotations

import asyncio
import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from oid4vc.bulk.journal import DoneRecord, Journal, JournalError, parse_journal


def _line(record: dict[str, Any]) -> bytes:
    return json.dumps(record).encode() + b"\n"


def _done(row: str, attempt: str, **extra: Any) -> dict[str, Any]:
    return {
        "t": "done",
        "row": row,
        "attempt": attempt,
        "offer_id": f"o-{row}",
        "offer_uri": f"u-{row}",
        "expires_at": "2026-01-01T00:00:00Z",
        "digest": "d",
    } | extra


RUN: dict[str, Any] = {"t": "run", "v": 1, "server": "http://s", "credential_configuration_id": "c"}
RECORDS: list[dict[str, Any]] = [
    RUN,
    {"t": "intent", "row": "A", "attempt": "a1"},
    {"t": "intent", "row": "B", "attempt": "b1"},
    _done("A", "a1", tx_code="123456"),
    {"t": "intent", "row": "C", "attempt": "c1"},
    {"t": "failed", "row": "C", "attempt": "c1", "status": 400, "error": "invalid_request"},
    {"t": "intent", "row": "D", "attempt": "d1"},
    _done("D", "d1", ambiguous_retries=2),
    RUN | {"at": "later"},
]
HISTORY = b"".join(_line(r) for r in RECORDS)


def test_replay() -> None:
    state = parse_journal(HISTORY)
    assert state.runs == 2 and state.header == RUN
    assert set(state.done) == {"A", "D"}
    assert state.done["A"] == DoneRecord("A", "a1", "o-A", "u-A", "123456", "2026-01-01T00:00:00Z", "d")
    assert state.open_intents == {"b1": "B"}  # B was in flight when the process stopped
    assert state.possible_orphans == 1 + 2
    assert (state.valid_length, state.dropped_bytes) == (len(HISTORY), 0)
    assert DoneRecord.from_json(state.done["D"].to_json()) == state.done["D"]


@pytest.mark.parametrize(
    "tail", [b'{"t":"done","row":"B","att', b"{", b"\x00\x00\x00", b"\x00\x00\n\x00\n", b"garbage\n"]
)
def test_a_truncated_or_garbled_last_record_is_dropped(tail: bytes) -> None:
    state = parse_journal(HISTORY + tail)
    assert (state.valid_length, state.dropped_bytes) == (len(HISTORY), len(tail))
    assert set(state.done) == {"A", "D"} and state.open_intents == {"b1": "B"}


def test_damage_before_good_records_is_an_error() -> None:
    with pytest.raises(JournalError, match="damaged at byte"):
        parse_journal(_line(RUN) + b"oops\n" + _line(RUN))
    with pytest.raises(JournalError, match="malformed 'done' record"):
        parse_journal(_line({"t": "done", "row": "A"}))


def test_a_second_done_for_a_row_keeps_the_first() -> None:
    state = parse_journal(_line(_done("A", "a1")) + _line(_done("A", "a2") | {"offer_id": "other"}))
    assert state.done["A"].offer_id == "o-A" and state.duplicate_done == 1


async def test_open_truncates_the_partial_record_and_appends_on_a_fresh_line(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv.oid4vc-state.jsonl"
    path.write_bytes(HISTORY + b'{"t":"done","row":"B"')
    path.chmod(0o644)
    journal, state = Journal.open(path)
    with journal:
        assert state.dropped_bytes == len(b'{"t":"done","row":"B"')
        await journal.append(_done("B", "b1"))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # it holds PINs and links
    state = parse_journal(path.read_bytes())
    assert state.dropped_bytes == 0 and set(state.done) == {"A", "B", "D"} and not state.open_intents


async def test_concurrent_appends_are_whole_lines_and_share_fsyncs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    syncs = 0
    real_fsync = os.fsync

    def counting_fsync(fd: int) -> None:
        nonlocal syncs
        syncs += 1
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", counting_fsync)
    journal, _ = Journal.open(tmp_path / "j.jsonl")
    with journal:
        await asyncio.gather(*(journal.append({"t": "intent", "row": f"R{i}", "attempt": f"a{i}"}) for i in range(200)))
    state = parse_journal((tmp_path / "j.jsonl").read_bytes())
    assert len(state.open_intents) == 200
    assert syncs < 200  # group commit: many records per fsync


def test_a_second_run_on_the_same_state_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    journal, _ = Journal.open(path)
    with journal, pytest.raises(JournalError, match="in use by another bulk run"):
        Journal.open(path)
    Journal.open(path)[0].close()  # released on close
