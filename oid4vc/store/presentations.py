"""Presentation-request storage (``PresentationStore`` in ``base``) for each adapter, as mixins the adapters
inherit: the memory, SQLite and PostgreSQL forms of "create, get, and complete once".

``complete_presentation`` is the single-use guarantee of the response endpoint: only an unexpired pending
request can move to its final status, in one conditional UPDATE (or one event-loop step in memory).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from oid4vc.jose import JsonObject
from oid4vc.store.base import PresentationRecord, PresentationStatus

__all__ = ["MemoryPresentations", "PostgresPresentations", "SqlitePresentations"]


class MemoryPresentations:
    _presentations: dict[str, PresentationRecord]

    def _table(self) -> dict[str, PresentationRecord]:
        if not hasattr(self, "_presentations"):
            self._presentations = {}
        return self._presentations

    async def create_presentation(self, record: PresentationRecord) -> None:
        if record.id in self._table():
            raise ValueError("duplicate presentation")
        self._table()[record.id] = record

    async def get_presentation(self, presentation_id: str) -> PresentationRecord | None:
        return self._table().get(presentation_id)

    async def complete_presentation(
        self,
        presentation_id: str,
        *,
        status: PresentationStatus,
        result: JsonObject,
        response_code_hash: str | None,
        now: datetime,
    ) -> bool:
        record = self._table().get(presentation_id)
        if record is None or record.status_at(now) is not PresentationStatus.PENDING:
            return False
        self._table()[presentation_id] = replace(
            record,
            status=status,
            result=result,
            encryption_jwk=None,
            response_code_hash=response_code_hash,
            completed_at=now,
        )
        return True


_COLUMNS = (
    "id, created_at, expires_at, request, encryption_jwk, redirect_uri_template, status, result, "
    "response_code_hash, completed_at"
)


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _record(row: Any, to_dt: Callable[[Any], datetime]) -> PresentationRecord:
    return PresentationRecord(
        id=row["id"],
        created_at=to_dt(row["created_at"]),
        expires_at=to_dt(row["expires_at"]),
        request=_json(row["request"]),
        encryption_jwk=_json(row["encryption_jwk"]),
        redirect_uri_template=row["redirect_uri_template"],
        status=PresentationStatus(row["status"]),
        result=_json(row["result"]) if row["result"] is not None else None,
        response_code_hash=row["response_code_hash"],
        completed_at=to_dt(row["completed_at"]) if row["completed_at"] is not None else None,
    )


def _epoch_dt(value: float) -> datetime:
    return datetime.fromtimestamp(value, UTC)


class SqlitePresentations:
    _conn: Any
    _transaction: Callable[[], AbstractAsyncContextManager[Any]]

    async def create_presentation(self, record: PresentationRecord) -> None:
        async with self._transaction() as conn:
            await conn.execute(
                f"INSERT INTO presentations ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?)",  # noqa: S608
                (
                    record.id,
                    record.created_at.timestamp(),
                    record.expires_at.timestamp(),
                    json.dumps(record.request),
                    json.dumps(record.encryption_jwk) if record.encryption_jwk else None,
                    record.redirect_uri_template,
                    record.status.value,
                    json.dumps(record.result) if record.result is not None else None,
                    record.response_code_hash,
                    record.completed_at.timestamp() if record.completed_at else None,
                ),
            )

    async def get_presentation(self, presentation_id: str) -> PresentationRecord | None:
        cursor = await self._conn.execute(
            f"SELECT {_COLUMNS} FROM presentations WHERE id = ?",  # noqa: S608
            (presentation_id,),
        )
        row = await cursor.fetchone()
        return _record(row, _epoch_dt) if row is not None else None

    async def complete_presentation(
        self,
        presentation_id: str,
        *,
        status: PresentationStatus,
        result: JsonObject,
        response_code_hash: str | None,
        now: datetime,
    ) -> bool:
        async with self._transaction() as conn:
            cursor = await conn.execute(
                "UPDATE presentations SET status = ?, result = ?, response_code_hash = ?, completed_at = ?, "
                "encryption_jwk = NULL WHERE id = ? AND status = 'pending' AND expires_at > ?",
                (
                    status.value,
                    json.dumps(result),
                    response_code_hash,
                    now.timestamp(),
                    presentation_id,
                    now.timestamp(),
                ),
            )
            return bool(cursor.rowcount == 1)


class PostgresPresentations:
    _run: Callable[..., Awaitable[Any]]

    async def create_presentation(self, record: PresentationRecord) -> None:
        async def op(conn: Any) -> None:
            await conn.execute(
                f"INSERT INTO presentations ({_COLUMNS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)",  # noqa: S608
                record.id,
                record.created_at,
                record.expires_at,
                json.dumps(record.request),
                json.dumps(record.encryption_jwk) if record.encryption_jwk else None,
                record.redirect_uri_template,
                record.status.value,
                json.dumps(record.result) if record.result is not None else None,
                record.response_code_hash,
                record.completed_at,
            )

        await self._run(op, transaction=False, retry=False)

    async def get_presentation(self, presentation_id: str) -> PresentationRecord | None:
        row = await self._run(
            lambda conn: conn.fetchrow(
                f"SELECT {_COLUMNS} FROM presentations WHERE id = $1",  # noqa: S608
                presentation_id,
            ),
            transaction=False,
            retry=True,
        )
        return _record(row, lambda d: d) if row is not None else None

    async def complete_presentation(
        self,
        presentation_id: str,
        *,
        status: PresentationStatus,
        result: JsonObject,
        response_code_hash: str | None,
        now: datetime,
    ) -> bool:
        row = await self._run(
            lambda conn: conn.fetchrow(
                "UPDATE presentations SET status = $1, result = $2, response_code_hash = $3, completed_at = $4, "
                "encryption_jwk = NULL WHERE id = $5 AND status = 'pending' AND expires_at > $4 RETURNING id",
                status.value,
                json.dumps(result),
                response_code_hash,
                now,
                presentation_id,
            ),
            transaction=False,
            retry=False,
        )
        return row is not None
