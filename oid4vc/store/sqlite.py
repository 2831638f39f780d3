"""SQLite store adapter (aiosqlite, WAL). The only module that imports aiosqlite.

Atomic operations run inside ``BEGIN IMMEDIATE`` transactions, which take SQLite's write lock up front, so the
single-use guarantees of ``oid4vc.store.base`` hold across several processes sharing one database file.
Schema migrations are versioned SQL files applied in order and tracked in ``PRAGMA user_version``.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite

from oid4vc.store.base import (
    AccessTokenRecord,
    IssuedCredentialRecord,
    OfferRecord,
    OfferState,
    RedeemOutcome,
    RedeemResult,
    StoreUnavailableError,
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

BEGIN_RETRY_SECONDS = 10.0
_OFFER_COLUMNS = (
    "id, credential_configuration_ids, credential_subject, pre_authorized_code_hash, pre_authorized_code, "
    "reference, tx_code, tx_code_hash, created_at, expires_at, by_reference, state, tx_code_attempts, "
    "approval_required, approved_at, notification_event"
)


def _ts(at: datetime) -> float:
    return at.timestamp()


def _dt(value: float) -> datetime:
    return datetime.fromtimestamp(value, UTC)


class SqliteStore(SqlitePresentations, SqliteStatusLists, SqliteDeferred, SqliteOutbox):
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn: Any = _Statements(conn)
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: str | Path) -> SqliteStore:
        conn = await aiosqlite.connect(str(path), isolation_level=None)
        conn.row_factory = aiosqlite.Row
        await conn.execute("PRAGMA busy_timeout = 10000")
        await conn.execute("PRAGMA journal_mode = WAL")
        await conn.execute("PRAGMA synchronous = NORMAL")
        await conn.execute("PRAGMA foreign_keys = ON")
        store = cls(conn)
        await store._migrate()
        return store

    async def _begin(self) -> None:
        """``BEGIN IMMEDIATE`` takes the write lock up front (the busy timeout waits for other processes); a
        database that stays locked is an outage (503), not a server error."""
        # SQLite answers SQLITE_BUSY at once, without its busy handler, where waiting could deadlock (WAL snapshot
        # conflicts between processes); those clear in milliseconds, so retry with backoff before calling it an outage.
        deadline = asyncio.get_running_loop().time() + BEGIN_RETRY_SECONDS
        delay = 0.001
        while True:
            try:
                await self._conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                if asyncio.get_running_loop().time() >= deadline:
                    raise StoreUnavailableError("the SQLite database is locked by another process") from exc
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.05)

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
    async def _transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._write_lock:
            await self._begin()
            try:
                yield self._conn
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            await self._conn.execute("COMMIT")

    async def close(self) -> None:
        await self._conn.close()

    # -- offers -----------------------------------------------------------------------------------------

    async def create_offer(self, offer: OfferRecord) -> None:
        async with self._transaction() as conn:
            await conn.execute(
                f"INSERT INTO offers ({_OFFER_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",  # noqa: S608
                (
                    offer.id,
                    json.dumps(list(offer.credential_configuration_ids)),
                    json.dumps(offer.credential_subject),
                    offer.pre_authorized_code_hash,
                    offer.pre_authorized_code,
                    offer.reference,
                    json.dumps(_tx_code_json(offer.tx_code)) if offer.tx_code else None,
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

    async def _offer_where(self, conn: aiosqlite.Connection, where: str, value: str) -> OfferRecord | None:
        cursor = await conn.execute(f"SELECT {_OFFER_COLUMNS} FROM offers WHERE {where} = ?", (value,))  # noqa: S608
        row = await cursor.fetchone()
        if row is None:
            return None
        ids = await (
            await conn.execute("SELECT id FROM credentials WHERE offer_id = ? ORDER BY rowid", (row["id"],))
        ).fetchall()
        return _offer_from_row(row, tuple(r["id"] for r in ids))

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
                        json.dumps(list(offer.credential_configuration_ids)),
                        _ts(access_token.expires_at),
                    ),
                )
            return RedeemResult(decision.result.outcome, updated, decision.result.attempts_left)

    # -- tokens and nonces ------------------------------------------------------------------------------

    async def get_access_token(self, token_hash: str, *, now: datetime) -> AccessTokenRecord | None:
        cursor = await self._conn.execute(
            "SELECT token_hash, offer_id, credential_configuration_ids, expires_at FROM access_tokens "
            "WHERE token_hash = ? AND expires_at > ?",
            (token_hash, _ts(now)),
        )
        row = await cursor.fetchone()
        if row is None:
            return None
        return AccessTokenRecord(
            row["token_hash"],
            row["offer_id"],
            tuple(json.loads(row["credential_configuration_ids"])),
            _dt(row["expires_at"]),
        )

    async def add_nonce(self, nonce: str, *, expires_at: datetime) -> None:
        async with self._transaction() as conn:
            await conn.execute("INSERT INTO nonces (nonce, expires_at) VALUES (?, ?)", (nonce, _ts(expires_at)))

    async def consume_nonce(self, nonce: str, *, now: datetime) -> bool:
        async with self._transaction() as conn:
            cursor = await conn.execute("DELETE FROM nonces WHERE nonce = ? AND expires_at > ?", (nonce, _ts(now)))
            return cursor.rowcount == 1

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
        deleted = 0
        async with self._transaction() as conn:
            for sql, args in statements:
                deleted += max((await conn.execute(sql, args)).rowcount, 0)
            # Offers that can issue nothing more keep no personal data (no live token, no waiting transaction).
            await conn.execute(
                "UPDATE offers SET credential_subject = '{}' WHERE state NOT IN ('offered', 'locked') "
                "AND credential_subject <> '{}' AND id NOT IN (SELECT offer_id FROM access_tokens) "
                "AND id NOT IN (SELECT offer_id FROM deferred_transactions)"
            )
        return deleted


def _tx_code_json(spec: TxCodeSpec) -> dict[str, Any]:
    return {"input_mode": spec.input_mode, "length": spec.length, "description": spec.description}


def _offer_from_row(row: Any, credential_ids: tuple[str, ...]) -> OfferRecord:
    tx = json.loads(row["tx_code"]) if row["tx_code"] else None
    return OfferRecord(
        id=row["id"],
        credential_configuration_ids=tuple(json.loads(row["credential_configuration_ids"])),
        credential_subject=json.loads(row["credential_subject"]),
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
    on the shared connection (an open one makes a later ``BEGIN IMMEDIATE`` fail at once with SQLITE_BUSY under
    WAL when another process has written in between)."""

    def __init__(self, rows: list[Any], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    async def fetchone(self) -> Any:
        return self._rows[0] if self._rows else None

    async def fetchall(self) -> list[Any]:
        return self._rows


def _run_statement(conn: sqlite3.Connection, sql: str, parameters: Any) -> tuple[list[Any], int]:
    cursor = conn.execute(sql, parameters)
    try:
        return cursor.fetchall(), cursor.rowcount
    finally:
        cursor.close()


def _run_many(conn: sqlite3.Connection, sql: str, parameters: Any) -> int:
    cursor = conn.executemany(sql, parameters)
    try:
        return cursor.rowcount
    finally:
        cursor.close()


class _Statements:
    """Each statement runs, is fetched and is closed in ONE hop to aiosqlite's thread (execute + fetch + close as
    separate awaits cost three hops; the thread hand-off, not SQLite, dominates a small statement's cost)."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._inner = conn
        # aiosqlite's own queue to its thread (untyped, private); one call = one hop
        self._in_thread: Callable[..., Awaitable[Any]] = conn._execute

    async def execute(self, sql: str, parameters: Any = ()) -> _Rows:
        rows, rowcount = await self._in_thread(_run_statement, self._inner._conn, sql, parameters)
        return _Rows(rows, rowcount)

    async def executemany(self, sql: str, parameters: Any) -> _Rows:
        return _Rows([], await self._in_thread(_run_many, self._inner._conn, sql, parameters))

    async def close(self) -> None:
        await self._inner.close()
