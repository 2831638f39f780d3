"""SQLite store adapter (WAL). The only module that imports sqlite3 / aiosqlite.

Atomic operations run inside ``BEGIN IMMEDIATE`` transactions, which take SQLite's write lock up front, so the
single-use guarantees of ``oid4vc.store.base`` hold across several processes sharing one database file; the other
single-use operations (recording a used nonce) are one statement each, atomic on their own.
Schema migrations are versioned SQL files applied in order and tracked in ``PRAGMA user_version``.

Where the work runs: the wallet-facing statements are point lookups and single-row writes that SQLite finishes in
microseconds (WAL, ``synchronous = NORMAL``: a commit appends to the WAL without fsync), less than a hand-off to a
thread and back costs. They run inline on the event loop, and a transaction's statements never yield to the loop
between ``BEGIN`` and ``COMMIT``. The blocking parts stay off the loop: the busy timeout is 0 (a database locked by
another process is retried with ``asyncio.sleep`` backoff, then reported as ``StoreUnavailableError``, a 503), and
the WAL checkpoint (which fsyncs) and the bulk purge run on a second connection in aiosqlite's thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite

from oid4vc.encoding import json_dumps, json_loads
from oid4vc.store.base import (
    AccessTokenRecord,
    IssuedCredentialRecord,
    OfferRecord,
    OfferState,
    RedeemOutcome,
    RedeemResult,
    StoreUnavailableError,
    TokenOffer,
    TxCodeSpec,
)
from oid4vc.store.deferred import SqliteDeferred
from oid4vc.store.outbox import SqliteOutbox
from oid4vc.store.presentations import SqlitePresentations
from oid4vc.store.redeem import decide_redeem
from oid4vc.store.schema import migrations
from oid4vc.store.status_lists import (
    CREDENTIAL_COLUMNS,
    SqliteStatusLists,
    credential_from_row,
    insert_credentials_sqlite,
)

__all__ = ["SqliteStore"]

log = logging.getLogger(__name__)

BUSY_RETRY_SECONDS = 10.0
CHECKPOINT_INTERVAL_SECONDS = 1.0
_OFFER_COLUMNS = (
    "id, credential_configuration_ids, credential_subject, pre_authorized_code_hash, pre_authorized_code, "
    "reference, tx_code, tx_code_hash, created_at, expires_at, by_reference, state, tx_code_attempts, "
    "approval_required, approved_at, notification_event"
)
_PRAGMAS = (
    "PRAGMA busy_timeout = 10000",
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA foreign_keys = ON",
)
# an offer and the ids of its credentials in issuance order, in one statement
_CREDENTIAL_IDS = (
    "(SELECT json_group_array(id) FROM (SELECT id FROM credentials WHERE offer_id = offers.id ORDER BY rowid)) "
    "AS credential_ids"
)
_SELECT_OFFER = f"SELECT {_OFFER_COLUMNS}, {_CREDENTIAL_IDS} FROM offers WHERE "  # noqa: S608
# The offer's columns named by table (access_tokens shares two of their names; the token's come aliased).
_SELECT_TOKEN_OFFER = (
    f"SELECT {', '.join(f'offers.{c.strip()}' for c in _OFFER_COLUMNS.split(','))}, {_CREDENTIAL_IDS}, "  # noqa: S608
    "t.credential_configuration_ids AS token_configuration_ids, t.expires_at AS token_expires_at "
    "FROM access_tokens t JOIN offers ON offers.id = t.offer_id WHERE t.token_hash = ? AND t.expires_at > ?"
)


def _ts(at: datetime) -> float:
    return at.timestamp()


def _dt(value: float) -> datetime:
    return datetime.fromtimestamp(value, UTC)


class SqliteStore(SqlitePresentations, SqliteStatusLists, SqliteDeferred, SqliteOutbox):
    def __init__(self, conn: sqlite3.Connection, background: aiosqlite.Connection) -> None:
        self._conn: Any = _Statements(conn)
        self._background = background
        self._write_lock = asyncio.Lock()
        self._checkpointer: asyncio.Task[None] | None = None

    @classmethod
    async def open(cls, path: str | Path) -> SqliteStore:
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        for pragma in _PRAGMAS:
            conn.execute(pragma).close()
        conn.execute("PRAGMA wal_autocheckpoint = 0").close()  # checkpoints fsync: the background connection's job
        conn.execute("PRAGMA busy_timeout = 0").close()  # never block the event loop; _Statements retries instead
        background = await aiosqlite.connect(str(path), isolation_level=None)
        for pragma in _PRAGMAS:
            await (await background.execute(pragma)).close()
        store = cls(conn, background)
        await store._migrate()
        store._checkpointer = asyncio.create_task(store._checkpoint_periodically())
        return store

    async def _checkpoint_periodically(self) -> None:
        """Copy the WAL back into the database (PASSIVE: never waits for, nor blocks, readers and writers)."""
        while True:
            await asyncio.sleep(CHECKPOINT_INTERVAL_SECONDS)
            try:
                await (await self._background.execute("PRAGMA wal_checkpoint(PASSIVE)")).close()
            except sqlite3.Error as exc:  # a busy or closing database: the next round tries again
                log.debug("WAL checkpoint skipped: %s", exc)

    async def _migrate(self) -> None:
        async with self._transaction() as conn:
            row = await (await conn.execute("PRAGMA user_version")).fetchone()
            current = int(row[0]) if row else 0
            for version, sql in migrations("sqlite"):
                if version > current:
                    for statement in sql.split(";"):
                        if statement.strip():
                            await conn.execute(statement)
                    await conn.execute(f"PRAGMA user_version = {version:d}")

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[_Statements]:
        """``BEGIN IMMEDIATE`` takes the write lock up front; the body runs inline and never yields to the loop."""
        async with self._write_lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            await self._conn.execute("COMMIT")

    async def close(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._checkpointer
        await self._background.close()
        self._conn.close()

    # -- offers -----------------------------------------------------------------------------------------

    async def create_offer(self, offer: OfferRecord) -> None:
        async with self._transaction() as conn:
            await conn.execute(
                f"INSERT INTO offers ({_OFFER_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",  # noqa: S608
                (
                    offer.id,
                    json_dumps(list(offer.credential_configuration_ids)),
                    json_dumps(offer.credential_subject),
                    offer.pre_authorized_code_hash,
                    offer.pre_authorized_code,
                    offer.reference,
                    json_dumps(_tx_code_json(offer.tx_code)) if offer.tx_code else None,
                    offer.tx_code_hash,
                    _ts(offer.created_at),
                    _ts(offer.expires_at),
                    offer.by_reference,
                    offer.state.value,
                    offer.tx_code_attempts,
                    offer.approval_required,
                    _ts(offer.approved_at) if offer.approved_at else None,
                    offer.notification_event,
                ),
            )

    async def _offer_where(self, conn: _Statements, where: str, value: str) -> OfferRecord | None:
        row = await (await conn.execute(f"{_SELECT_OFFER}{where} = ?", (value,))).fetchone()
        return _offer_from_row(row, tuple(json_loads(row["credential_ids"]))) if row is not None else None

    async def get_offer(self, offer_id: str) -> OfferRecord | None:
        return await self._offer_where(self._conn, "id", offer_id)

    async def get_offer_by_reference(self, reference: str) -> OfferRecord | None:
        return await self._offer_where(self._conn, "reference", reference)

    async def redeem_pre_authorized_code(
        self,
        code_hash: str,
        *,
        tx_code_hash: str | None,
        now: datetime,
        max_tx_code_attempts: int,
        access_token: AccessTokenRecord,
    ) -> RedeemResult:
        async with self._transaction() as conn:
            offer = await self._offer_where(conn, "pre_authorized_code_hash", code_hash)
            decision = decide_redeem(offer, tx_code_hash=tx_code_hash, now=now, max_attempts=max_tx_code_attempts)
            if offer is None or decision.new_state is None:
                return decision.result
            keep_code = decision.new_state is OfferState.OFFERED
            await conn.execute(
                "UPDATE offers SET state = ?, tx_code_attempts = ?, "
                "pre_authorized_code = CASE WHEN ? THEN pre_authorized_code ELSE NULL END WHERE id = ?",
                (decision.new_state.value, decision.attempts, keep_code, offer.id),
            )
            updated = replace(
                offer,
                state=decision.new_state,
                tx_code_attempts=decision.attempts,
                pre_authorized_code=offer.pre_authorized_code if keep_code else None,
            )
            if decision.result.outcome is RedeemOutcome.REDEEMED:
                await conn.execute(
                    "INSERT INTO access_tokens (token_hash, offer_id, credential_configuration_ids, expires_at) "
                    "VALUES (?,?,?,?)",
                    (
                        access_token.token_hash,
                        offer.id,
                        json_dumps(list(offer.credential_configuration_ids)),
                        _ts(access_token.expires_at),
                    ),
                )
            return RedeemResult(decision.result.outcome, updated, decision.result.attempts_left)

    # -- tokens and nonces ------------------------------------------------------------------------------

    async def get_token_offer(self, token_hash: str, *, now: datetime) -> TokenOffer | None:
        row = await (await self._conn.execute(_SELECT_TOKEN_OFFER, (token_hash, _ts(now)))).fetchone()
        if row is None:
            return None
        offer = _offer_from_row(row, tuple(json_loads(row["credential_ids"])))
        configurations = tuple(json_loads(row["token_configuration_ids"]))
        token = AccessTokenRecord(token_hash, offer.id, configurations, _dt(row["token_expires_at"]))
        return TokenOffer(token, offer)

    async def consume_nonce(self, nonce: str, *, expires_at: datetime, now: datetime) -> bool:
        """One INSERT OR IGNORE: exactly one caller, in any process, adds the row (single use without a
        transaction); the used nonce stays until ``purge_expired`` finds it expired."""
        if expires_at <= now:
            return False
        sql = "INSERT OR IGNORE INTO nonces (nonce, expires_at) VALUES (?, ?)"
        rows: _Rows = await self._conn.execute(sql, (nonce, _ts(expires_at)))
        return rows.rowcount == 1

    # -- issuance ---------------------------------------------------------------------------------------

    async def record_issuance(
        self, token_hash: str, credential_configuration_id: str, credentials: list[IssuedCredentialRecord]
    ) -> bool:
        async with self._transaction() as conn:
            cursor = await conn.execute(
                "INSERT OR IGNORE INTO issuance_claims (token_hash, credential_configuration_id) VALUES (?, ?)",
                (token_hash, credential_configuration_id),
            )
            if cursor.rowcount != 1:
                return False
            await insert_credentials_sqlite(conn, credentials)
            return True

    async def get_credential(self, credential_id: str) -> IssuedCredentialRecord | None:
        cursor = await self._conn.execute(
            f"SELECT {CREDENTIAL_COLUMNS} FROM credentials WHERE id = ?", (credential_id,)  # noqa: S608
        )
        row = await cursor.fetchone()
        return credential_from_row(row, _dt) if row is not None else None

    async def purge_expired(self, *, now: datetime, offers_expired_before: datetime | None = None) -> int:
        cutoff = _ts(now if offers_expired_before is None else offers_expired_before)
        statements = [
            ("DELETE FROM nonces WHERE expires_at <= ?", (_ts(now),)),
            ("DELETE FROM access_tokens WHERE expires_at <= ?", (_ts(now),)),
            ("DELETE FROM deferred_transactions WHERE expires_at <= ?", (_ts(now),)),
            ("DELETE FROM issuance_claims WHERE token_hash NOT IN (SELECT token_hash FROM access_tokens)", ()),
            ("DELETE FROM offers WHERE state IN ('offered', 'locked') AND expires_at <= ?", (cutoff,)),
            ("DELETE FROM presentations WHERE status = 'pending' AND expires_at <= ?", (cutoff,)),
        ]
        # Bulk deletes can take a while: they run on the background connection, off the event loop; the inline
        # connection's writers meanwhile wait for the lock with asyncio backoff.
        deleted = 0
        bg = self._background
        try:
            await bg.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc):
                raise
            raise StoreUnavailableError("the SQLite database is locked by another process") from exc
        try:
            for sql, args in statements:
                async with bg.execute(sql, args) as cursor:
                    deleted += max(cursor.rowcount, 0)
            # Offers that can issue nothing more keep no personal data (no live token, no waiting transaction).
            await bg.execute(
                "UPDATE offers SET credential_subject = '{}' WHERE state NOT IN ('offered', 'locked') "
                "AND credential_subject <> '{}' AND id NOT IN (SELECT offer_id FROM access_tokens) "
                "AND id NOT IN (SELECT offer_id FROM deferred_transactions)"
            )
        except BaseException:
            await bg.execute("ROLLBACK")
            raise
        await bg.execute("COMMIT")
        return deleted


def _tx_code_json(spec: TxCodeSpec) -> dict[str, Any]:
    return {"input_mode": spec.input_mode, "length": spec.length, "description": spec.description}


def _offer_from_row(row: Any, credential_ids: tuple[str, ...]) -> OfferRecord:
    tx = json_loads(row["tx_code"]) if row["tx_code"] else None
    return OfferRecord(
        id=row["id"],
        credential_configuration_ids=tuple(json_loads(row["credential_configuration_ids"])),
        credential_subject=json_loads(row["credential_subject"]),
        pre_authorized_code_hash=row["pre_authorized_code_hash"],
        pre_authorized_code=row["pre_authorized_code"],
        reference=row["reference"],
        tx_code=TxCodeSpec(**tx) if tx else None,
        tx_code_hash=row["tx_code_hash"],
        created_at=_dt(row["created_at"]),
        expires_at=_dt(row["expires_at"]),
        by_reference=bool(row["by_reference"]),
        state=OfferState(row["state"]),
        tx_code_attempts=row["tx_code_attempts"],
        credential_ids=credential_ids,
        approval_required=bool(row["approval_required"]),
        approved_at=_dt(row["approved_at"]) if row["approved_at"] is not None else None,
        notification_event=row["notification_event"],
    )


class _Rows:
    """A finished statement: all rows fetched and the cursor closed, so no statement keeps a read transaction open
    (an open one makes a later ``BEGIN IMMEDIATE`` fail with SQLITE_BUSY under WAL once another process wrote)."""

    def __init__(self, rows: list[Any], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    async def fetchone(self) -> Any:
        return self._rows[0] if self._rows else None

    async def fetchall(self) -> list[Any]:
        return self._rows


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    text = str(exc)
    return "locked" in text or "busy" in text


class _Statements:
    """Statements run inline: executed, fetched and closed in one call, without yielding to the event loop.

    Outside a transaction a statement that finds the database locked by another process (SQLITE_BUSY, also the
    immediate SQLITE_BUSY_SNAPSHOT of WAL) did nothing, so it is retried after an ``asyncio.sleep`` with backoff;
    one that stays locked for ``BUSY_RETRY_SECONDS`` is an outage (``StoreUnavailableError``, a 503). Inside a
    transaction (after ``BEGIN IMMEDIATE`` holds the write lock) a busy error ends the transaction the same way.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._raw = conn

    def _run(self, sql: str, parameters: Any) -> _Rows:
        cursor = self._raw.execute(sql, parameters)
        try:
            return _Rows(cursor.fetchall(), cursor.rowcount)
        finally:
            cursor.close()

    def _run_many(self, sql: str, parameters: Any) -> _Rows:
        cursor = self._raw.executemany(sql, parameters)
        try:
            return _Rows([], cursor.rowcount)
        finally:
            cursor.close()

    async def execute(self, sql: str, parameters: Any = ()) -> _Rows:
        return await self._retrying(self._run, sql, parameters)

    async def executemany(self, sql: str, parameters: Any) -> _Rows:
        return await self._retrying(self._run_many, sql, parameters)

    async def _retrying(self, run: Callable[[str, Any], _Rows], sql: str, parameters: Any) -> _Rows:
        deadline: float | None = None
        delay = 0.001
        while True:
            try:
                return run(sql, parameters)
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc):
                    raise
                now = asyncio.get_running_loop().time()
                deadline = now + BUSY_RETRY_SECONDS if deadline is None else deadline
                if self._raw.in_transaction or now >= deadline:
                    raise StoreUnavailableError("the SQLite database is locked by another process") from exc
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.05)

    def close(self) -> None:
        self._raw.close()
