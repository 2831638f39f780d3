"""Deferred issuance (OpenID4VCI 1.0 §9), offer approval and wallet notifications (§11) for each adapter, as mixins
the adapters inherit (``LifecycleStore`` in ``base``).

- ``record_deferral`` claims (access token, configuration) exactly as ``record_issuance`` does, so a code yields one
  delivery whether it is issued now or later, and stores the verified holder keys with the transaction;
- ``complete_deferred`` deletes the transaction and records the credentials in one transaction: a
  ``transaction_id`` delivers once (§9.1: invalidated after delivery), and a concurrent duplicate gets False;
- ``record_notification`` keeps the last event per credential; a repeat of the same event changes nothing (§11.1:
  identical repeats succeed).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from oid4vc.jose import JsonObject
from oid4vc.store.base import (
    AccessTokenRecord,
    DeferredTransaction,
    HolderKey,
    IssuedCredentialRecord,
    OfferRecord,
    OfferState,
)
from oid4vc.store.status_lists import insert_credentials_postgres, insert_credentials_sqlite

__all__ = ["MemoryDeferred", "PostgresDeferred", "SqliteDeferred"]

_TX_COLUMNS = "transaction_id_hash, token_hash, offer_id, credential_configuration_id, holders, created_at, expires_at"


def _holders_json(holders: tuple[HolderKey, ...]) -> str:
    return json.dumps([{"jwk": h.jwk, "did": h.did, "jkt": h.jkt} for h in holders])


def _transaction_from_row(row: Any, to_dt: Callable[[Any], datetime]) -> DeferredTransaction:
    holders = row["holders"]
    holders = json.loads(holders) if isinstance(holders, str) else holders
    return DeferredTransaction(
        transaction_id_hash=row["transaction_id_hash"],
        token_hash=row["token_hash"],
        offer_id=row["offer_id"],
        credential_configuration_id=row["credential_configuration_id"],
        holders=tuple(HolderKey(h["jwk"], h["did"], h["jkt"]) for h in holders),
        created_at=to_dt(row["created_at"]),
        expires_at=to_dt(row["expires_at"]),
    )


def _epoch_dt(value: float) -> datetime:
    return datetime.fromtimestamp(value, UTC)


# -- memory -------------------------------------------------------------------------------------------------


class MemoryDeferred:
    _offers: dict[str, OfferRecord]
    _credentials: dict[str, IssuedCredentialRecord]
    _claims: set[tuple[str, str]]
    _tokens: dict[str, AccessTokenRecord]
    _deferred: dict[str, DeferredTransaction]
    _add_credentials: Callable[[list[IssuedCredentialRecord]], None]

    async def record_deferral(self, transaction: DeferredTransaction, *, token_expires_at: datetime) -> bool:
        claim = (transaction.token_hash, transaction.credential_configuration_id)
        if claim in self._claims:
            return False
        self._claims.add(claim)
        self._deferred[transaction.transaction_id_hash] = transaction
        token = self._tokens.get(transaction.token_hash)
        if token is not None and token.expires_at < token_expires_at:
            self._tokens[token.token_hash] = replace(token, expires_at=token_expires_at)
        offer = self._offers[transaction.offer_id]
        if offer.state is not OfferState.ISSUED:
            self._offers[offer.id] = replace(offer, state=OfferState.PENDING)
        return True

    async def get_deferred(self, transaction_id_hash: str, *, now: datetime) -> DeferredTransaction | None:
        transaction = self._deferred.get(transaction_id_hash)
        return transaction if transaction is not None and now < transaction.expires_at else None

    async def complete_deferred(
        self, transaction_id_hash: str, credentials: list[IssuedCredentialRecord], *, now: datetime
    ) -> bool:
        transaction = self._deferred.get(transaction_id_hash)
        if transaction is None or now >= transaction.expires_at:
            return False
        self._add_credentials(credentials)  # raises, with nothing written, on a duplicate status entry
        del self._deferred[transaction_id_hash]
        return True

    async def approve_offer(
        self, offer_id: str, *, credential_subject: JsonObject | None, now: datetime
    ) -> OfferRecord | None:
        offer = self._offers.get(offer_id)
        if offer is None:
            return None
        updated = replace(
            offer,
            approved_at=offer.approved_at or now,
            credential_subject=offer.credential_subject if credential_subject is None else credential_subject,
        )
        self._offers[offer_id] = updated
        return updated

    async def record_notification(
        self, notification_id: str, *, offer_id: str, event: str, now: datetime
    ) -> list[str]:
        found = [
            c for c in self._credentials.values() if c.notification_id == notification_id and c.offer_id == offer_id
        ]
        for credential in found:
            if credential.notification_event != event:
                self._credentials[credential.id] = replace(credential, notification_event=event, notification_at=now)
        if found:
            self._offers[offer_id] = replace(self._offers[offer_id], notification_event=event)
        return [c.id for c in found]


# -- SQLite -------------------------------------------------------------------------------------------------


class SqliteDeferred:
    _conn: Any
    _transaction: Callable[[], AbstractAsyncContextManager[Any]]
    get_offer: Callable[[str], Awaitable[OfferRecord | None]]

    async def record_deferral(self, transaction: DeferredTransaction, *, token_expires_at: datetime) -> bool:
        t = transaction
        async with self._transaction() as conn:
            cursor = await conn.execute(
                "INSERT OR IGNORE INTO issuance_claims (token_hash, credential_configuration_id) VALUES (?, ?)",
                (t.token_hash, t.credential_configuration_id),
            )
            if cursor.rowcount != 1:
                return False
            await conn.execute(
                f"INSERT INTO deferred_transactions ({_TX_COLUMNS}) VALUES (?,?,?,?,?,?,?)",  # noqa: S608
                (t.transaction_id_hash, t.token_hash, t.offer_id, t.credential_configuration_id,
                 _holders_json(t.holders), t.created_at.timestamp(), t.expires_at.timestamp()),
            )
            await conn.execute(
                "UPDATE access_tokens SET expires_at = MAX(expires_at, ?) WHERE token_hash = ?",
                (token_expires_at.timestamp(), t.token_hash),
            )
            await conn.execute(
                "UPDATE offers SET state = 'pending' WHERE id = ? AND state <> 'issued'", (t.offer_id,)
            )
            return True

    async def get_deferred(self, transaction_id_hash: str, *, now: datetime) -> DeferredTransaction | None:
        cursor = await self._conn.execute(
            f"SELECT {_TX_COLUMNS} FROM deferred_transactions "  # noqa: S608
            "WHERE transaction_id_hash = ? AND expires_at > ?",
            (transaction_id_hash, now.timestamp()),
        )
        row = await cursor.fetchone()
        return _transaction_from_row(row, _epoch_dt) if row is not None else None

    async def complete_deferred(
        self, transaction_id_hash: str, credentials: list[IssuedCredentialRecord], *, now: datetime
    ) -> bool:
        async with self._transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM deferred_transactions WHERE transaction_id_hash = ? AND expires_at > ?",
                (transaction_id_hash, now.timestamp()),
            )
            if cursor.rowcount != 1:
                return False
            await insert_credentials_sqlite(conn, credentials)
            return True

    async def approve_offer(
        self, offer_id: str, *, credential_subject: JsonObject | None, now: datetime
    ) -> OfferRecord | None:
        subject = json.dumps(credential_subject) if credential_subject is not None else None
        async with self._transaction() as conn:
            cursor = await conn.execute(
                "UPDATE offers SET approved_at = COALESCE(approved_at, ?), "
                "credential_subject = COALESCE(?, credential_subject) WHERE id = ?",
                (now.timestamp(), subject, offer_id),
            )
            if cursor.rowcount != 1:
                return None
        return await self.get_offer(offer_id)

    async def record_notification(
        self, notification_id: str, *, offer_id: str, event: str, now: datetime
    ) -> list[str]:
        async with self._transaction() as conn:
            rows = await (
                await conn.execute(
                    "SELECT id FROM credentials WHERE notification_id = ? AND offer_id = ? ORDER BY rowid",
                    (notification_id, offer_id),
                )
            ).fetchall()
            if not rows:
                return []
            await conn.execute(
                "UPDATE credentials SET notification_event = ?, notification_at = ? WHERE notification_id = ? "
                "AND offer_id = ? AND (notification_event IS NULL OR notification_event <> ?)",
                (event, now.timestamp(), notification_id, offer_id, event),
            )
            await conn.execute("UPDATE offers SET notification_event = ? WHERE id = ?", (event, offer_id))
            return [row["id"] for row in rows]


# -- PostgreSQL ---------------------------------------------------------------------------------------------


class PostgresDeferred:
    _run: Callable[..., Awaitable[Any]]
    get_offer: Callable[[str], Awaitable[OfferRecord | None]]

    async def record_deferral(self, transaction: DeferredTransaction, *, token_expires_at: datetime) -> bool:
        t = transaction

        async def op(conn: Any) -> bool:
            claimed = await conn.fetchval(
                "INSERT INTO issuance_claims (token_hash, credential_configuration_id) VALUES ($1, $2) "
                "ON CONFLICT DO NOTHING RETURNING true",
                t.token_hash, t.credential_configuration_id,
            )
            if claimed is not True:
                return False
            await conn.execute(
                f"INSERT INTO deferred_transactions ({_TX_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)",  # noqa: S608
                t.transaction_id_hash, t.token_hash, t.offer_id, t.credential_configuration_id,
                _holders_json(t.holders), t.created_at, t.expires_at,
            )
            await conn.execute(
                "UPDATE access_tokens SET expires_at = GREATEST(expires_at, $1) WHERE token_hash = $2",
                token_expires_at, t.token_hash,
            )
            await conn.execute("UPDATE offers SET state = 'pending' WHERE id = $1 AND state <> 'issued'", t.offer_id)
            return True

        result: bool = await self._run(op, transaction=True, retry=True)
        return result

    async def get_deferred(self, transaction_id_hash: str, *, now: datetime) -> DeferredTransaction | None:
        row = await self._run(
            lambda conn: conn.fetchrow(
                f"SELECT {_TX_COLUMNS} FROM deferred_transactions "  # noqa: S608
                "WHERE transaction_id_hash = $1 AND expires_at > $2",
                transaction_id_hash, now,
            ),
            transaction=False,
            retry=True,
        )
        return _transaction_from_row(row, lambda d: d) if row is not None else None

    async def complete_deferred(
        self, transaction_id_hash: str, credentials: list[IssuedCredentialRecord], *, now: datetime
    ) -> bool:
        async def op(conn: Any) -> bool:
            consumed = await conn.fetchval(
                "DELETE FROM deferred_transactions WHERE transaction_id_hash = $1 AND expires_at > $2 RETURNING true",
                transaction_id_hash, now,
            )
            if consumed is not True:
                return False
            await insert_credentials_postgres(conn, credentials)
            return True

        result: bool = await self._run(op, transaction=True, retry=True)
        return result

    async def approve_offer(
        self, offer_id: str, *, credential_subject: JsonObject | None, now: datetime
    ) -> OfferRecord | None:
        subject = json.dumps(credential_subject) if credential_subject is not None else None
        updated = await self._run(
            lambda conn: conn.fetchval(
                "UPDATE offers SET approved_at = COALESCE(approved_at, $1), "
                "credential_subject = COALESCE($2::json, credential_subject) WHERE id = $3 RETURNING true",
                now, subject, offer_id,
            ),
            transaction=False,
            retry=True,  # idempotent
        )
        return await self.get_offer(offer_id) if updated is True else None

    async def record_notification(
        self, notification_id: str, *, offer_id: str, event: str, now: datetime
    ) -> list[str]:
        async def op(conn: Any) -> list[str]:
            rows = await conn.fetch(
                "SELECT id FROM credentials WHERE notification_id = $1 AND offer_id = $2 ORDER BY seq FOR UPDATE",
                notification_id, offer_id,
            )
            if not rows:
                return []
            await conn.execute(
                "UPDATE credentials SET notification_event = $1, notification_at = $2 WHERE notification_id = $3 "
                "AND offer_id = $4 AND notification_event IS DISTINCT FROM $1",
                event, now, notification_id, offer_id,
            )
            await conn.execute("UPDATE offers SET notification_event = $1 WHERE id = $2", event, offer_id)
            return [row["id"] for row in rows]

        result: list[str] = await self._run(op, transaction=True, retry=True)
        return result
