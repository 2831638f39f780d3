"""``oid4vc offer bulk``: one Credential Offer (OpenID4VCI 1.0 §4.1) per roster row through ``POST /admin/offers``,
``--concurrency`` at a time, journaled so that a rerun after an interruption resumes where it stopped.

Order of work: read and check everything (roster, template, state file; a problem here is a usage error and
nothing is sent) -> create the missing offers -> write the offers CSV and the errors from the journal -> write the
missing QR PNGs (in worker processes; QR encoding is CPU-bound). SIGINT or SIGTERM stops starting new rows and lets
the rows in flight finish (a second one abandons them); the output files are still written, and the exit code is
130. See :mod:`oid4vc.bulk.journal` for what a hard kill can leave behind.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import multiprocessing
import os
import secrets
import signal
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

import aiohttp

from oid4vc.bench.stats import Progress
from oid4vc.bulk.client import AdminApiError, AdminClient, Created, RetryPolicy, ServerUnavailableError
from oid4vc.bulk.journal import DoneRecord, Journal, JournalError, JournalState
from oid4vc.bulk.output import ErrorRow, OfferRow, atomic_write, qr_file_names, write_errors, write_offers
from oid4vc.bulk.roster import Roster, RosterError, RowError, default_subject, parse_roster, row_tx_code
from oid4vc.bulk.template import SubjectTemplate, TemplateError
from oid4vc.jose import JsonObject

__all__ = ["BulkOptions", "BulkReport", "BulkUsageError", "run_bulk", "state_path_for"]


class BulkUsageError(Exception):
    """Nothing can be done with these inputs (exit code 2)."""


@dataclass(frozen=True)
class BulkOptions:
    roster: Path
    server: str
    admin_token: str
    config_id: str
    out: Path
    state: Path
    errors: Path | None = None
    qr_dir: Path | None = None
    subject_template: Path | None = None
    id_column: str = "learner_id"
    tx_code: bool = False
    tx_code_length: int = 6
    by_reference: bool = True
    expires_in: int = 7 * 24 * 3600
    concurrency: int = 8
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    timeout: float = 30.0
    progress: bool | None = None  # None: a progress bar when stderr is a terminal; True: always; False: never
    handle_signals: bool = True


@dataclass
class BulkReport:
    rows: int = 0
    created: int = 0
    already_done: int = 0
    failed: int = 0
    changed_since_done: int = 0
    not_in_roster: int = 0
    in_flight_at_last_stop: int = 0
    possible_orphans: int = 0
    qr_written: int = 0
    interrupted: bool = False
    aborted: str | None = None
    token_or_url_refused: bool = False  # 401/403/404 from the admin API: exit 2 like a usage error
    elapsed_s: float = 0.0
    errors: list[ErrorRow] = field(default_factory=list)

    @property
    def offers_per_s(self) -> float:
        return round(self.created / self.elapsed_s, 1) if self.elapsed_s else 0.0

    @property
    def exit_code(self) -> int:
        if self.token_or_url_refused:
            return 2
        if self.interrupted:
            return 130
        return 1 if self.failed or self.aborted else 0

    def to_json(self) -> JsonObject:
        return {
            "rows": self.rows,
            "created": self.created,
            "already_done": self.already_done,
            "failed": self.failed,
            "changed_since_done": self.changed_since_done,
            "not_in_roster": self.not_in_roster,
            "in_flight_at_last_stop": self.in_flight_at_last_stop,
            "possible_orphans": self.possible_orphans,
            "qr_written": self.qr_written,
            "interrupted": self.interrupted,
            "aborted": self.aborted,
            "elapsed_s": round(self.elapsed_s, 3),
            "offers_per_s": self.offers_per_s,
        }


@dataclass(frozen=True, slots=True)
class _Job:
    row_id: str
    line: int
    body: JsonObject
    digest: str


class _NoProgress:
    def advance(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def _progress(total: int, label: str, enabled: bool | None) -> Progress | _NoProgress:
    return _NoProgress() if enabled is False else Progress(total, label, force=bool(enabled))


def state_path_for(roster: Path) -> Path:
    return roster.with_name(f"{roster.name}.oid4vc-state.jsonl")


def _digest(body: JsonObject) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:32]


def _load_inputs(opts: BulkOptions) -> tuple[Roster, list[_Job], list[ErrorRow]]:
    try:
        template = (
            SubjectTemplate.parse(opts.subject_template.read_text(encoding="utf-8")) if opts.subject_template else None
        )
        roster = parse_roster(
            opts.roster.read_text(encoding="utf-8"), id_column=opts.id_column, need_achievement_columns=not template
        )
        if template:
            template.check_columns(roster.columns)
    except (OSError, UnicodeDecodeError, RosterError, TemplateError) as exc:
        raise BulkUsageError(str(exc)) from None
    jobs: list[_Job] = []
    bad: list[ErrorRow] = []
    for row in roster.rows:
        try:
            subject = template.fill(row.values) if template else default_subject(row)
            tx_code: bool | JsonObject = (
                {"length": opts.tx_code_length} if row_tx_code(row, default=opts.tx_code) else False
            )
        except RowError as exc:
            bad.append(ErrorRow(row.row_id, row.line, None, "invalid_row", str(exc)))
            continue
        body: JsonObject = {
            "credential_configuration_id": opts.config_id,
            "credential_subject": subject,
            "tx_code": tx_code,
            "by_reference": opts.by_reference,
            "expires_in": opts.expires_in,
        }
        jobs.append(_Job(row.row_id, row.line, body, _digest({"subject": subject, "tx_code": tx_code})))
    return roster, jobs, bad


def _open_journal(opts: BulkOptions) -> tuple[Journal, JournalState]:
    try:
        journal, state = Journal.open(opts.state)
    except (OSError, JournalError) as exc:
        raise BulkUsageError(f"state file {opts.state}: {exc}") from None
    header = state.header
    if header and (header.get("server"), header.get("credential_configuration_id")) != (opts.server, opts.config_id):
        journal.close()
        raise BulkUsageError(
            f"state file {opts.state} belongs to a run for {header.get('credential_configuration_id')} at "
            f"{header.get('server')}; pass another --state to start a separate run"
        )
    return journal, state


async def _create_offers(
    opts: BulkOptions,
    jobs: list[_Job],
    journal: Journal,
    state: JournalState,
    report: BulkReport,
    say: Callable[[str], None],
) -> None:
    """Create the offers of ``jobs``, keeping ``state`` equal to what a replay of the journal would give."""
    stop = asyncio.Event()
    progress = _progress(len(jobs), "creating offers", opts.progress)
    queue = list(reversed(jobs))
    workers: list[asyncio.Task[None]] = []

    def on_signal() -> None:
        report.interrupted = True
        if stop.is_set():
            for task in workers:
                task.cancel()
            return
        stop.set()
        say(f"\nstopping: finishing the offers in flight (at most {opts.concurrency}); signal again to abandon them")

    async def close(attempt: str, status: int, error: str, ambiguous: int) -> None:
        record: JsonObject = {"t": "failed", "row": state.open_intents[attempt], "attempt": attempt}
        record |= {"status": status, "error": error} | ({"ambiguous_retries": ambiguous} if ambiguous else {})
        await journal.append(record)
        del state.open_intents[attempt]
        state.ambiguous_retries += ambiguous

    async def one(client: AdminClient, job: _Job) -> None:
        attempt = secrets.token_hex(8)
        await journal.append({"t": "intent", "row": job.row_id, "attempt": attempt})
        state.open_intents[attempt] = job.row_id
        try:
            result = await client.create_offer(job.body)
        except ServerUnavailableError as exc:
            await close(attempt, 0, "server_unavailable", exc.ambiguous_retries)
            report.aborted = f"server unavailable ({exc.last}); rerun to resume"
            report.errors.append(ErrorRow(job.row_id, job.line, None, "server_unavailable", exc.last))
            report.failed += 1
            stop.set()
            return
        except AdminApiError as exc:
            await close(attempt, 0, "admin_api_refused", 0)
            report.aborted = f"the admin API refused the request: {exc}"
            report.token_or_url_refused = True
            stop.set()
            return
        if isinstance(result, Created):
            offer = result.offer
            tx = offer.get("tx_code")
            done = DoneRecord(
                row_id=job.row_id,
                attempt=attempt,
                offer_id=str(offer["id"]),
                offer_uri=str(offer["offer_uri"]),
                tx_code=None if tx is None else str(tx),
                expires_at=str(offer["expires_at"]),
                digest=job.digest,
                ambiguous_retries=result.ambiguous_retries,
            )
            await journal.append(done.to_json())  # durable before anything else happens to this row
            del state.open_intents[attempt]
            state.done[job.row_id] = done
            state.ambiguous_retries += result.ambiguous_retries
            report.created += 1
        else:
            await close(attempt, result.status, result.error, result.ambiguous_retries)
            report.errors.append(ErrorRow(job.row_id, job.line, result.status, result.error, result.error_description))
            report.failed += 1

    async def worker(client: AdminClient) -> None:
        try:
            while queue and not stop.is_set():
                await one(client, queue.pop())
                progress.advance()
        except Exception:
            stop.set()  # e.g. the disk is full: let the others finish their row, start no new ones
            raise

    loop = asyncio.get_running_loop()
    signals = (signal.SIGINT, signal.SIGTERM) if opts.handle_signals else ()
    for sig in signals:
        loop.add_signal_handler(sig, on_signal)
    connector = aiohttp.TCPConnector(limit=opts.concurrency)
    try:
        async with aiohttp.ClientSession(
            connector=connector, timeout=aiohttp.ClientTimeout(total=opts.timeout)
        ) as session:
            client = AdminClient(session, server=opts.server, admin_token=opts.admin_token, policy=opts.retry)
            workers.extend(asyncio.create_task(worker(client)) for _ in range(min(opts.concurrency, len(jobs))))
            outcomes = await asyncio.gather(*workers, return_exceptions=True)
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)
        progress.close()
    for outcome in outcomes:
        if isinstance(outcome, BaseException) and not isinstance(outcome, asyncio.CancelledError):
            raise outcome


def _write_qr(path: str, data: str) -> None:
    from oid4vc.web.pages.qr import qr_png

    atomic_write(Path(path), qr_png(data))


async def _write_qr_codes(todo: list[tuple[Path, str]], *, progress_on: bool | None) -> int:
    if not todo:
        return 0
    progress = _progress(len(todo), "writing QR codes", progress_on)
    workers = min(os.cpu_count() or 1, 4, len(todo) // 25)
    if not workers:  # a few codes: not worth starting processes
        for path, data in todo:
            await asyncio.to_thread(_write_qr, str(path), data)
            progress.advance()
        progress.close()
        return len(todo)
    loop = asyncio.get_running_loop()
    context = multiprocessing.get_context("spawn")  # no fork of a process with threads and an event loop
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:

        async def one(path: Path, data: str) -> None:
            await loop.run_in_executor(pool, _write_qr, str(path), data)
            progress.advance()

        await asyncio.gather(*(one(path, data) for path, data in todo))
    progress.close()
    return len(todo)


def _outputs(opts: BulkOptions, roster: Roster, state: JournalState, report: BulkReport) -> list[OfferRow]:
    names = qr_file_names(state.done) if opts.qr_dir else {}
    in_roster = {row.row_id for row in roster.rows}
    rows = [
        OfferRow(row.row_id, row.email if roster.has_email else None, state.done[row.row_id], names.get(row.row_id))
        for row in roster.rows
        if row.row_id in state.done
    ]
    extra = [d for row_id, d in state.done.items() if row_id not in in_roster]
    report.not_in_roster = len(extra)
    rows += [OfferRow(d.row_id, "" if roster.has_email else None, d, names.get(d.row_id)) for d in extra]
    write_offers(opts.out, rows, id_column=roster.id_column, with_email=roster.has_email, with_qr=bool(opts.qr_dir))
    return rows


def _report_errors(opts: BulkOptions, roster: Roster, report: BulkReport, say: Callable[[str], None]) -> None:
    if not report.errors:
        return
    order = {row.row_id: i for i, row in enumerate(roster.rows)}
    report.errors.sort(key=lambda e: order.get(e.row_id, len(order)))
    if opts.errors:
        write_errors(opts.errors, report.errors, id_column=roster.id_column)
        say(f"{len(report.errors)} row(s) failed: see {opts.errors}")
        return
    say(f"{len(report.errors)} row(s) failed:")
    for e in report.errors:
        say(f"  line {e.line} {roster.id_column}={e.row_id}: {e.status or '-'} {e.error} {e.error_description}")


async def run_bulk(opts: BulkOptions, *, stderr: TextIO | None = None) -> BulkReport:
    """Run (or resume) a bulk issuance; raise :class:`BulkUsageError` before sending anything when the inputs
    are unusable."""
    out = stderr or sys.stderr

    def say(text: str) -> None:
        print(text, file=out, flush=True)

    if opts.concurrency < 1:
        raise BulkUsageError("--concurrency must be at least 1")
    roster, jobs, bad = _load_inputs(opts)
    report = BulkReport(rows=len(roster.rows), errors=list(bad), failed=len(bad))
    journal, state = _open_journal(opts)
    with journal:
        if state.dropped_bytes:
            say(f"state file: dropped a partial last record ({state.dropped_bytes} bytes) from an interrupted run")
        report.in_flight_at_last_stop = len(state.open_intents)
        pending = [job for job in jobs if job.row_id not in state.done]
        report.already_done = len(jobs) - len(pending)
        report.changed_since_done = sum(
            1 for job in jobs if job.row_id in state.done and state.done[job.row_id].digest != job.digest
        )
        if state.runs:
            say(f"resuming: {report.already_done} offer(s) already created, {len(pending)} to go")
        if state.open_intents:
            say(
                f"{len(state.open_intents)} request(s) were in flight when an earlier run stopped: each may have left "
                "one offer on the server that nobody receives (it expires unused); those rows are sent again"
            )
        if report.changed_since_done:
            say(f"{report.changed_since_done} row(s) changed since their offer was created; they are not re-sent")
        journal.write(
            {
                "t": "run",
                "v": 1,
                "server": opts.server,
                "credential_configuration_id": opts.config_id,
                "at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
        )
        started = time.perf_counter()
        if pending:
            await _create_offers(opts, pending, journal, state, report, say)
        report.elapsed_s = time.perf_counter() - started
        state = journal.replay()  # the outputs come from what is on disk, nothing else
    report.possible_orphans = state.possible_orphans
    return await _finish(opts, roster, state, report, say)


async def _finish(
    opts: BulkOptions, roster: Roster, state: JournalState, report: BulkReport, say: Callable[[str], None]
) -> BulkReport:
    rows = _outputs(opts, roster, state, report)
    if any(r.done.tx_code for r in rows):
        say(f"{opts.out} holds the PINs (tx_code) next to the links: mode 0600; send PINs by another channel")
    _report_errors(opts, roster, report, say)
    if opts.qr_dir and not report.interrupted:
        opts.qr_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        todo = [(opts.qr_dir / r.qr_file, r.done.offer_uri) for r in rows if r.qr_file]
        todo = [(path, uri) for path, uri in todo if not path.exists()]
        report.qr_written = await _write_qr_codes(todo, progress_on=opts.progress)
    say(
        f"{len(rows)} offer(s) in {opts.out}: {report.created} created now ({report.offers_per_s}/s), "
        f"{report.already_done} earlier, {report.failed} failed"
        + (f"; {report.aborted}" if report.aborted else "")
        + ("; interrupted, rerun to resume" if report.interrupted else "")
    )
    if report.possible_orphans:
        say(f"{report.possible_orphans} attempt(s) with an unknown outcome may have left an unused offer each")
    return report
