"""The bulk issuance journal: an append-only JSON Lines state file that makes ``oid4vc offer bulk`` resumable after
SIGINT, SIGKILL or a crash, and the only place (besides the output CSV) that keeps the offer links and PINs
returned by ``POST /admin/offers`` (OpenID4VCI 1.0 §4.1, ``tx_code`` §4.1.1), so it is created with mode 0600.

Records, one JSON object per line, each written with one ``write(2)`` and made durable with ``fsync`` before the
command goes on (concurrent rows share one fsync: group commit):

- ``{"t": "run", "v": 1, "server", "credential_configuration_id", "at"}`` at the start of every run;
- ``{"t": "intent", "row", "attempt"}`` before the first POST for a row (``attempt`` is random, per try);
- ``{"t": "done", "row", "attempt", "offer_id", "offer_uri", "tx_code"?, "expires_at", "digest",
  "ambiguous_retries"?}`` right after the 201;
- ``{"t": "failed", "row", "attempt", "status", "error", "ambiguous_retries"?}`` when the server refused the row
  or stayed unavailable (status 0).

A row with a ``done`` record is never sent again. An ``intent`` never closed by ``done``/``failed`` is an attempt
whose outcome is unknown: the process stopped while the POST was in flight, so the server may hold one offer that
nobody will ever receive (it expires unused). The admin API has no idempotency key, so this window cannot be
closed from the client; it is at most one offer per row in flight (``--concurrency``) per hard kill, and the
command reports the count. A kill can leave a partial last line: :func:`parse_journal` drops it and the writer
truncates it away before appending, so the next record starts on a line of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from oid4vc.jose import JsonObject

__all__ = ["DoneRecord", "Journal", "JournalError", "JournalState", "parse_journal"]

VERSION = 1


class JournalError(ValueError):
    """The state file is unreadable (damaged before its last line), locked by another run, or from another run."""


@dataclass(frozen=True, slots=True)
class DoneRecord:
    row_id: str
    attempt: str
    offer_id: str
    offer_uri: str
    tx_code: str | None
    expires_at: str
    digest: str
    ambiguous_retries: int = 0

    def to_json(self) -> JsonObject:
        record: JsonObject = {
            "t": "done",
            "row": self.row_id,
            "attempt": self.attempt,
            "offer_id": self.offer_id,
            "offer_uri": self.offer_uri,
            "expires_at": self.expires_at,
            "digest": self.digest,
        }
        if self.tx_code is not None:
            record["tx_code"] = self.tx_code
        if self.ambiguous_retries:
            record["ambiguous_retries"] = self.ambiguous_retries
        return record

    @classmethod
    def from_json(cls, record: JsonObject) -> DoneRecord:
        tx_code = record.get("tx_code")
        return cls(
            row_id=str(record["row"]),
            attempt=str(record["attempt"]),
            offer_id=str(record["offer_id"]),
            offer_uri=str(record["offer_uri"]),
            tx_code=None if tx_code is None else str(tx_code),
            expires_at=str(record["expires_at"]),
            digest=str(record.get("digest", "")),
            ambiguous_retries=int(record.get("ambiguous_retries", 0)),
        )


@dataclass(slots=True)
class JournalState:
    """What earlier runs left: the first run's header, finished rows, attempts never closed."""

    header: JsonObject | None = None
    runs: int = 0
    done: dict[str, DoneRecord] = field(default_factory=dict)
    open_intents: dict[str, str] = field(default_factory=dict)  # attempt -> row id
    ambiguous_retries: int = 0  # retries after a failure that may have reached the server (done or failed rows)
    duplicate_done: int = 0  # a second "done" for a finished row (two runs at once, before locking existed)
    valid_length: int = 0
    dropped_bytes: int = 0

    @property
    def possible_orphans(self) -> int:
        """Attempts that may have created an offer nobody received: unclosed intents and ambiguous retries."""
        return len(self.open_intents) + self.ambiguous_retries


def _parse_line(line: bytes) -> JsonObject | None:
    try:
        record = json.loads(line)
    except ValueError:
        return None
    return record if isinstance(record, dict) and isinstance(record.get("t"), str) else None


def parse_journal(data: bytes) -> JournalState:
    """Replay the journal. A partial or unreadable tail (an interrupted write) is dropped; an unreadable line
    followed by good ones means the file was damaged otherwise, and raises :class:`JournalError`."""
    state = JournalState()
    end = data.rfind(b"\n") + 1  # bytes after the last newline are a write that never finished
    offset, bad_from = 0, None
    records: list[JsonObject] = []
    for raw in data[:end].splitlines(keepends=True):
        record = _parse_line(raw)
        if record is None:
            bad_from = offset if bad_from is None else bad_from
        elif bad_from is not None:
            raise JournalError(f"state file damaged at byte {bad_from} (an unreadable line before good ones)")
        else:
            records.append(record)
        offset += len(raw)
    state.valid_length = end if bad_from is None else bad_from
    state.dropped_bytes = len(data) - state.valid_length
    for record in records:
        _apply(state, record)
    return state


def _apply(state: JournalState, record: JsonObject) -> None:
    kind = record["t"]
    try:
        if kind == "run":
            state.runs += 1
            state.header = state.header or record
        elif kind == "intent":
            state.open_intents[str(record["attempt"])] = str(record["row"])
        elif kind == "done":
            done = DoneRecord.from_json(record)
            state.open_intents.pop(done.attempt, None)
            state.ambiguous_retries += done.ambiguous_retries
            if done.row_id in state.done:
                state.duplicate_done += 1
            else:
                state.done[done.row_id] = done
        elif kind == "failed":
            state.open_intents.pop(str(record["attempt"]), None)
            state.ambiguous_retries += int(record.get("ambiguous_retries", 0))
    except (KeyError, TypeError, ValueError) as exc:
        raise JournalError(f"state file has a malformed {kind!r} record ({exc})") from None


class Journal:
    """The open state file: exclusive (``flock``), append-only, fsync'd group commit."""

    def __init__(self, fd: int, path: Path) -> None:
        self.path = path
        self._fd = fd
        self._written = 0
        self._synced = 0
        self._sync_task: asyncio.Future[None] | None = None

    @classmethod
    def open(cls, path: Path) -> tuple[Journal, JournalState]:
        created = not path.exists()
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise JournalError(f"{path} is in use by another bulk run") from None
            os.fchmod(fd, 0o600)
            state = parse_journal(os.pread(fd, os.fstat(fd).st_size, 0))
            if state.dropped_bytes:
                os.ftruncate(fd, state.valid_length)
                os.fsync(fd)
            if created:
                _fsync_dir(path.parent)
        except BaseException:
            os.close(fd)
            raise
        return cls(fd, path), state

    def replay(self) -> JournalState:
        """The state as recorded in the file now."""
        return parse_journal(os.pread(self._fd, os.fstat(self._fd).st_size, 0))

    async def append(self, record: JsonObject) -> None:
        """Write one record and return once it is on disk."""
        self.write(record)
        await self._durable(self._written)

    def write(self, record: JsonObject) -> None:
        """Write one record (in the OS page cache: survives a killed process, not yet a power cut)."""
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
        view = memoryview(line)
        while view:
            view = view[os.write(self._fd, view) :]
        self._written += 1

    async def _durable(self, seq: int) -> None:
        while self._synced < seq:
            if self._sync_task is None:
                self._sync_task = asyncio.ensure_future(self._fsync(self._written))
            await asyncio.shield(self._sync_task)

    async def _fsync(self, target: int) -> None:
        try:
            await asyncio.to_thread(os.fsync, self._fd)
            self._synced = max(self._synced, target)
        finally:
            self._sync_task = None

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.fsync(self._fd)
        os.close(self._fd)

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
