"""The event outbox and webhook deliveries (``OutboxStore`` in ``base``) for each adapter, as mixins the adapters
inherit.

- ``record_events`` writes events and their deliveries in one transaction: a delivery exists only with its event,
  and an event answered to the client is durable. Callers group the events of concurrent requests into one call
  (``services.webhooks.Outbox``), so a busy server pays one transaction for many events;
- ``claim_deliveries`` takes due deliveries for one claimer: ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (concurrent
  claimers take different rows), one ``BEGIN IMMEDIATE`` transaction on SQLite (claimers take turns). A claim is a
  lease: the delivery is due again when it ends, so a process that dies mid-attempt is replaced;
  ``finish_deliveries`` writes each outcome only while its claim still holds, many in one transaction;
- ``events_after`` reads in an order later commits cannot change. SQLite numbers events with an AUTOINCREMENT key
  under its single writer lock, so number order is commit order. PostgreSQL commits concurrently, so a sequence
  number drawn earlier can commit later; there each event keeps the id of the transaction that wrote it, and a
  reader returns only events of transactions older than every transaction still running
  (``pg_snapshot_xmin(pg_current_snapshot())``), ordered by (transaction, number): nothing can later appear before
  them. A long-running transaction elsewhere in the cluster delays readers, never makes them miss an event.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from oid4vc.store.base import (
    ClaimedDelivery,
    DeliveryAttempt,
    DeliveryRecord,
    DeliveryState,
    EventRecord,
    FinishedAttempt,
    WebhookTarget,
)

__all__ = ["MemoryOutbox", "PostgresOutbox", "SqliteOutbox"]

_EVENT_COLUMNS = "e.id, e.type, e.at, e.subject_id, e.request_id, e.data"
_TARGET_COLUMNS = "t.id AS t_id, t.subject_id AS t_subject_id, t.url AS t_url, t.secret AS t_secret, " \
    "t.created_at AS t_created_at"
_DELIVERY_COLUMNS = "event_id, target_id, state, attempts, next_attempt_at, delivered_at, last_status, last_error"


# -- memory -------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Delivery:
    event_id: str
    target_id: str
    next_attempt_at: datetime | None
    state: DeliveryState = DeliveryState.PENDING
    attempts: int = 0
    claim: str | None = None
    delivered_at: datetime | None = None
    last_status: int | None = None
    last_error: str | None = None
    history: list[DeliveryAttempt] = field(default_factory=list)

    def record(self) -> DeliveryRecord:
        return DeliveryRecord(
            self.event_id, self.target_id, self.state, self.attempts, self.next_attempt_at, self.delivered_at,
            self.last_status, self.last_error, tuple(self.history),
        )


@dataclass(slots=True)
class _MemoryOutboxState:
    events: dict[str, EventRecord] = field(default_factory=dict)  # insertion order is the store's order
    targets: dict[str, WebhookTarget] = field(default_factory=dict)
    deliveries: dict[tuple[str, str], _Delivery] = field(default_factory=dict)


class MemoryOutbox:
    _outbox_state: _MemoryOutboxState

    def _outbox(self) -> _MemoryOutboxState:
        if not hasattr(self, "_outbox_state"):
            self._outbox_state = _MemoryOutboxState()
        return self._outbox_state

    async def add_webhook_target(self, target: WebhookTarget) -> None:
        if target.id in self._outbox().targets:
            raise ValueError("duplicate webhook target")
        self._outbox().targets[target.id] = target

    async def record_events(self, events: Sequence[tuple[EventRecord, Sequence[str]]], *, now: datetime) -> None:
        state = self._outbox()
        new = [event.id for event, _ in events]
        if len(set(new)) != len(new) or any(i in state.events for i in new):
            raise ValueError("duplicate event")
        for event, target_ids in events:
            ids = list(dict.fromkeys(target_ids))
            ids += [t.id for t in state.targets.values() if t.subject_id == event.subject_id and t.id not in ids]
            state.events[event.id] = event
            for target_id in ids:
                state.deliveries[(event.id, target_id)] = _Delivery(event.id, target_id, now)

    async def claim_deliveries(
        self, *, now: datetime, lease_until: datetime, limit: int, claim: str
    ) -> list[ClaimedDelivery]:
        state = self._outbox()
        due = sorted(
            (d for d in state.deliveries.values()
             if d.state is DeliveryState.PENDING and d.next_attempt_at is not None and d.next_attempt_at <= now),
            key=lambda d: d.next_attempt_at or now,
        )[:limit]
        out = []
        for delivery in due:
            delivery.attempts += 1
            delivery.claim = claim
            delivery.next_attempt_at = lease_until
            out.append(ClaimedDelivery(state.events[delivery.event_id], delivery.target_id, delivery.attempts, claim,
                                       state.targets.get(delivery.target_id)))
        return out

    async def finish_deliveries(self, finished: Sequence[FinishedAttempt]) -> list[bool]:
        return [self._finish(f) for f in finished]

    def _finish(self, f: FinishedAttempt) -> bool:
        delivery = self._outbox().deliveries.get((f.event_id, f.target_id))
        if delivery is None or delivery.claim != f.claim or delivery.state is not DeliveryState.PENDING:
            return False
        delivery.claim = None
        delivery.state = f.state
        delivery.next_attempt_at = f.next_attempt_at if f.state is DeliveryState.PENDING else None
        delivery.delivered_at = f.attempt.at if f.state is DeliveryState.DELIVERED else None
        delivery.last_status, delivery.last_error = f.attempt.status, f.attempt.error
        delivery.history.append(f.attempt)
        return True

    async def get_event(self, event_id: str) -> EventRecord | None:
        return self._outbox().events.get(event_id)

    async def events_after(self, event_id: str | None, *, limit: int) -> list[EventRecord] | None:
        events = self._outbox().events
        if event_id is not None and event_id not in events:
            return None
        ids = list(events)
        start = ids.index(event_id) + 1 if event_id is not None else 0
        return [events[i] for i in ids[start:start + limit]]

    async def last_event_id(self) -> str | None:
        return next(reversed(self._outbox().events), None)

    async def event_deliveries(self, event_id: str) -> list[DeliveryRecord]:
        return [d.record() for d in self._outbox().deliveries.values() if d.event_id == event_id]

    async def purge_events(self, *, before: datetime) -> int:
        state = self._outbox()
        pending = {d.event_id for d in state.deliveries.values() if d.state is DeliveryState.PENDING}
        old = [e.id for e in state.events.values() if e.at < before and e.id not in pending]
        for event_id in old:
            del state.events[event_id]
        state.deliveries = {k: d for k, d in state.deliveries.items() if d.event_id in state.events}
        alive = set(getattr(self, "_offers", {})) | set(getattr(self, "_presentations", {}))
        waiting = {d.target_id for d in state.deliveries.values() if d.state is DeliveryState.PENDING}
        state.targets = {
            k: t for k, t in state.targets.items()
            if t.subject_id in alive or t.id in waiting or t.created_at >= before
        }
        return len(old)


# -- rows ---------------------------------------------------------------------------------------------------


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _event(row: Any, to_dt: Callable[[Any], datetime]) -> EventRecord:
    return EventRecord(row["id"], row["type"], to_dt(row["at"]), row["subject_id"], row["request_id"],
                       _json(row["data"]))


def _claimed(row: Any, claim: str, to_dt: Callable[[Any], datetime]) -> ClaimedDelivery:
    target = None
    if row["t_id"] is not None:
        target = WebhookTarget(row["t_id"], row["t_subject_id"], row["t_url"], row["t_secret"],
                               to_dt(row["t_created_at"]))
    return ClaimedDelivery(_event(row, to_dt), row["target_id"], row["attempts"], claim, target)


def _opt(value: Any, convert: Callable[[Any], Any]) -> Any:
    return None if value is None else convert(value)


def _deliveries(rows: list[Any], attempts: list[Any], to_dt: Callable[[Any], datetime]) -> list[DeliveryRecord]:
    history: dict[str, list[DeliveryAttempt]] = {}
    for a in attempts:
        history.setdefault(a["target_id"], []).append(
            DeliveryAttempt(a["attempt"], to_dt(a["at"]), a["status"], a["error"], a["duration_ms"])
        )
    return [
        DeliveryRecord(
            r["event_id"], r["target_id"], DeliveryState(r["state"]), r["attempts"], _opt(r["next_attempt_at"], to_dt),
            _opt(r["delivered_at"], to_dt), r["last_status"], r["last_error"], tuple(history.get(r["target_id"], ())),
        )
        for r in rows
    ]


def _next_at(f: FinishedAttempt) -> datetime | None:
    return f.next_attempt_at if f.state is DeliveryState.PENDING else None


def _delivered_at(f: FinishedAttempt, to_db: Callable[[datetime], Any]) -> Any:
    return to_db(f.attempt.at) if f.state is DeliveryState.DELIVERED else None


# -- SQLite -------------------------------------------------------------------------------------------------


def _ts(at: datetime) -> float:
    return at.timestamp()


def _dt(value: float) -> datetime:
    return datetime.fromtimestamp(value, UTC)


class SqliteOutbox:
    _conn: Any
    _transaction: Callable[[], AbstractAsyncContextManager[Any]]

    async def add_webhook_target(self, target: WebhookTarget) -> None:
        async with self._transaction() as conn:
            await conn.execute(
                "INSERT INTO webhook_targets (id, subject_id, url, secret, created_at) VALUES (?,?,?,?,?)",
                (target.id, target.subject_id, target.url, target.secret, _ts(target.created_at)),
            )

    async def record_events(self, events: Sequence[tuple[EventRecord, Sequence[str]]], *, now: datetime) -> None:
        due = _ts(now)
        configured = [(e.id, t, due) for e, ids in events for t in dict.fromkeys(ids)]
        subjects = [(e.id, due, e.subject_id) for e, _ in events if e.subject_id is not None]
        async with self._transaction() as conn:
            await conn.executemany(
                "INSERT INTO events (id, type, at, subject_id, request_id, data) VALUES (?,?,?,?,?,?)",
                [(e.id, e.type, _ts(e.at), e.subject_id, e.request_id, json.dumps(e.data)) for e, _ in events],
            )
            if configured:
                await conn.executemany(
                    "INSERT OR IGNORE INTO deliveries (event_id, target_id, state, next_attempt_at) "
                    "VALUES (?, ?, 'pending', ?)",
                    configured,
                )
            if subjects:
                await conn.executemany(
                    "INSERT OR IGNORE INTO deliveries (event_id, target_id, state, next_attempt_at) "
                    "SELECT ?, id, 'pending', ? FROM webhook_targets WHERE subject_id = ?",
                    subjects,
                )

    async def claim_deliveries(
        self, *, now: datetime, lease_until: datetime, limit: int, claim: str
    ) -> list[ClaimedDelivery]:
        # A read first: an idle outbox never takes the write lock.
        due = "state = 'pending' AND next_attempt_at <= ?"
        found = await self._conn.execute(f"SELECT 1 FROM deliveries WHERE {due} LIMIT 1", (_ts(now),))  # noqa: S608
        if not await found.fetchall():
            return []
        async with self._transaction() as conn:
            await conn.execute(
                "UPDATE deliveries SET attempts = attempts + 1, claim = ?, next_attempt_at = ? WHERE rowid IN "  # noqa: S608
                f"(SELECT rowid FROM deliveries WHERE {due} ORDER BY next_attempt_at LIMIT ?)",
                (claim, _ts(lease_until), _ts(now), limit),
            )
            rows = await (await conn.execute(
                f"SELECT d.target_id, d.attempts, {_EVENT_COLUMNS}, {_TARGET_COLUMNS} FROM deliveries d "  # noqa: S608
                "JOIN events e ON e.id = d.event_id LEFT JOIN webhook_targets t ON t.id = d.target_id "
                "WHERE d.claim = ? AND d.state = 'pending' ORDER BY e.seq",
                (claim,),
            )).fetchall()
        return [_claimed(r, claim, _dt) for r in rows]

    async def finish_deliveries(self, finished: Sequence[FinishedAttempt]) -> list[bool]:
        if not finished:
            return []
        claims = sorted({f.claim for f in finished})
        async with self._transaction() as conn:
            held = {
                (r["event_id"], r["target_id"], r["claim"])
                for r in await (await conn.execute(
                    "SELECT event_id, target_id, claim FROM deliveries WHERE state = 'pending' "  # noqa: S608
                    f"AND claim IN ({','.join('?' * len(claims))})",
                    claims,
                )).fetchall()
            }
            kept = [(f.event_id, f.target_id, f.claim) in held for f in finished]
            rows = [f for f, ok in zip(finished, kept, strict=True) if ok]
            if not rows:
                return kept
            await conn.executemany(
                "INSERT INTO delivery_attempts (event_id, target_id, attempt, at, status, error, duration_ms) "
                "VALUES (?,?,?,?,?,?,?)",
                [(f.event_id, f.target_id, f.attempt.attempt, _ts(f.attempt.at), f.attempt.status, f.attempt.error,
                  f.attempt.duration_ms) for f in rows],
            )
            await conn.executemany(
                "UPDATE deliveries SET state = ?, claim = NULL, next_attempt_at = ?, delivered_at = ?, "
                "last_status = ?, last_error = ? WHERE event_id = ? AND target_id = ? AND claim = ?",
                [(f.state.value, _opt(_next_at(f), _ts), _delivered_at(f, _ts),
                  f.attempt.status, f.attempt.error, f.event_id, f.target_id, f.claim) for f in rows],
            )
        return kept

    async def get_event(self, event_id: str) -> EventRecord | None:
        row = await (await self._conn.execute(
            f"SELECT {_EVENT_COLUMNS} FROM events e WHERE e.id = ?", (event_id,)  # noqa: S608
        )).fetchone()
        return _event(row, _dt) if row is not None else None

    async def events_after(self, event_id: str | None, *, limit: int) -> list[EventRecord] | None:
        after = 0
        if event_id is not None:
            row = await (await self._conn.execute("SELECT seq FROM events WHERE id = ?", (event_id,))).fetchone()
            if row is None:
                return None
            after = row["seq"]
        rows = await (await self._conn.execute(
            f"SELECT {_EVENT_COLUMNS} FROM events e WHERE e.seq > ? ORDER BY e.seq LIMIT ?", (after, limit)  # noqa: S608
        )).fetchall()
        return [_event(r, _dt) for r in rows]

    async def last_event_id(self) -> str | None:
        row = await (await self._conn.execute("SELECT id FROM events ORDER BY seq DESC LIMIT 1")).fetchone()
        return str(row["id"]) if row is not None else None

    async def event_deliveries(self, event_id: str) -> list[DeliveryRecord]:
        rows = await (await self._conn.execute(
            f"SELECT {_DELIVERY_COLUMNS} FROM deliveries WHERE event_id = ? ORDER BY rowid", (event_id,)  # noqa: S608
        )).fetchall()
        attempts = await (await self._conn.execute(
            "SELECT target_id, attempt, at, status, error, duration_ms FROM delivery_attempts WHERE event_id = ? "
            "ORDER BY attempt", (event_id,),
        )).fetchall()
        return _deliveries(rows, attempts, _dt)

    async def purge_events(self, *, before: datetime) -> int:
        async with self._transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM events WHERE at < ? AND NOT EXISTS "
                "(SELECT 1 FROM deliveries d WHERE d.event_id = events.id AND d.state = 'pending')",
                (_ts(before),),
            )
            await conn.execute(
                "DELETE FROM webhook_targets WHERE created_at < ? "
                "AND subject_id NOT IN (SELECT id FROM offers) AND subject_id NOT IN (SELECT id FROM presentations) "
                "AND id NOT IN (SELECT target_id FROM deliveries WHERE state = 'pending')",
                (_ts(before),),
            )
            return max(int(cursor.rowcount), 0)


# -- PostgreSQL ---------------------------------------------------------------------------------------------

_VISIBLE = "e.txid < pg_snapshot_xmin(pg_current_snapshot())"  # written by transactions no longer running


class PostgresOutbox:
    _run: Callable[..., Awaitable[Any]]

    async def add_webhook_target(self, target: WebhookTarget) -> None:
        await self._run(
            lambda conn: conn.execute(
                "INSERT INTO webhook_targets (id, subject_id, url, secret, created_at) VALUES ($1, $2, $3, $4, $5)",
                target.id, target.subject_id, target.url, target.secret, target.created_at,
            ),
            transaction=False,
            retry=False,
        )

    async def record_events(self, events: Sequence[tuple[EventRecord, Sequence[str]]], *, now: datetime) -> None:
        async def op(conn: Any) -> None:
            await conn.executemany(
                "INSERT INTO events (id, type, at, subject_id, request_id, data) VALUES ($1, $2, $3, $4, $5, $6)",
                [(e.id, e.type, e.at, e.subject_id, e.request_id, json.dumps(e.data)) for e, _ in events],
            )
            await conn.executemany(
                "INSERT INTO deliveries (event_id, target_id, state, next_attempt_at) "
                "SELECT $1::text, t, 'pending', $2::timestamptz FROM unnest($3::text[]) AS t "
                "UNION SELECT $1::text, id, 'pending', $2::timestamptz FROM webhook_targets "
                "WHERE subject_id = $4::text "
                "ON CONFLICT DO NOTHING",
                [(e.id, now, list(dict.fromkeys(ids)), e.subject_id) for e, ids in events],
            )

        await self._run(op, transaction=True, retry=True)  # a lost connection before commit wrote nothing

    async def claim_deliveries(
        self, *, now: datetime, lease_until: datetime, limit: int, claim: str
    ) -> list[ClaimedDelivery]:
        async def op(conn: Any) -> list[Any]:
            # SKIP LOCKED: a concurrent claimer passes over the rows this one is taking instead of waiting for them.
            await conn.execute(
                "UPDATE deliveries d SET attempts = d.attempts + 1, claim = $1, next_attempt_at = $2 "
                "FROM (SELECT event_id, target_id FROM deliveries WHERE state = 'pending' AND next_attempt_at <= $3 "
                "ORDER BY next_attempt_at LIMIT $4 FOR UPDATE SKIP LOCKED) due "
                "WHERE d.event_id = due.event_id AND d.target_id = due.target_id",
                claim, lease_until, now, limit,
            )
            return list(await conn.fetch(
                f"SELECT d.target_id, d.attempts, {_EVENT_COLUMNS}, {_TARGET_COLUMNS} FROM deliveries d "  # noqa: S608
                "JOIN events e ON e.id = d.event_id LEFT JOIN webhook_targets t ON t.id = d.target_id "
                "WHERE d.claim = $1 AND d.state = 'pending' ORDER BY e.seq",
                claim,
            ))

        rows = await self._run(op, transaction=True, retry=True)
        return [_claimed(r, claim, lambda d: d) for r in rows]

    async def finish_deliveries(self, finished: Sequence[FinishedAttempt]) -> list[bool]:
        if not finished:
            return []

        async def op(conn: Any) -> list[bool]:
            # Lock the rows still held by these claims; the others were taken over when their lease ran out.
            held = {
                (r["event_id"], r["target_id"], r["claim"])
                for r in await conn.fetch(
                    "SELECT event_id, target_id, claim FROM deliveries WHERE state = 'pending' "
                    "AND claim = ANY($1::text[]) FOR UPDATE",
                    sorted({f.claim for f in finished}),
                )
            }
            kept = [(f.event_id, f.target_id, f.claim) in held for f in finished]
            rows = [f for f, ok in zip(finished, kept, strict=True) if ok]
            if rows:
                await conn.executemany(
                    "INSERT INTO delivery_attempts (event_id, target_id, attempt, at, status, error, duration_ms) "
                    "VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    [(f.event_id, f.target_id, f.attempt.attempt, f.attempt.at, f.attempt.status, f.attempt.error,
                      f.attempt.duration_ms) for f in rows],
                )
                await conn.executemany(
                    "UPDATE deliveries SET state = $1, claim = NULL, next_attempt_at = $2, delivered_at = $3, "
                    "last_status = $4, last_error = $5 WHERE event_id = $6 AND target_id = $7 AND claim = $8",
                    [(f.state.value, _next_at(f), _delivered_at(f, lambda d: d),
                      f.attempt.status, f.attempt.error, f.event_id, f.target_id, f.claim) for f in rows],
                )
            return kept

        result: list[bool] = await self._run(op, transaction=True, retry=True)
        return result

    async def get_event(self, event_id: str) -> EventRecord | None:
        row = await self._run(
            lambda conn: conn.fetchrow(f"SELECT {_EVENT_COLUMNS} FROM events e WHERE e.id = $1", event_id),  # noqa: S608
            transaction=False,
            retry=True,
        )
        return _event(row, lambda d: d) if row is not None else None

    async def events_after(self, event_id: str | None, *, limit: int) -> list[EventRecord] | None:
        async def op(conn: Any) -> list[Any] | None:
            if event_id is None:
                return list(await conn.fetch(
                    f"SELECT {_EVENT_COLUMNS} FROM events e WHERE {_VISIBLE} ORDER BY e.txid, e.seq LIMIT $1",  # noqa: S608
                    limit,
                ))
            if await conn.fetchval("SELECT 1 FROM events WHERE id = $1", event_id) is None:
                return None
            return list(await conn.fetch(
                f"SELECT {_EVENT_COLUMNS} FROM events e, events c WHERE c.id = $1 "  # noqa: S608
                f"AND (e.txid, e.seq) > (c.txid, c.seq) AND {_VISIBLE} ORDER BY e.txid, e.seq LIMIT $2",
                event_id, limit,
            ))

        rows = await self._run(op, transaction=False, retry=True)
        return None if rows is None else [_event(r, lambda d: d) for r in rows]

    async def last_event_id(self) -> str | None:
        value = await self._run(
            lambda conn: conn.fetchval(
                f"SELECT e.id FROM events e WHERE {_VISIBLE} ORDER BY e.txid DESC, e.seq DESC LIMIT 1"  # noqa: S608
            ),
            transaction=False,
            retry=True,
        )
        return str(value) if value is not None else None

    async def event_deliveries(self, event_id: str) -> list[DeliveryRecord]:
        async def op(conn: Any) -> tuple[list[Any], list[Any]]:
            rows = await conn.fetch(
                f"SELECT {_DELIVERY_COLUMNS} FROM deliveries WHERE event_id = $1 ORDER BY target_id",  # noqa: S608
                event_id,
            )
            attempts = await conn.fetch(
                "SELECT target_id, attempt, at, status, error, duration_ms FROM delivery_attempts "
                "WHERE event_id = $1 ORDER BY attempt",
                event_id,
            )
            return list(rows), list(attempts)

        rows, attempts = await self._run(op, transaction=False, retry=True)
        return _deliveries(rows, attempts, lambda d: d)

    async def purge_events(self, *, before: datetime) -> int:
        async def op(conn: Any) -> int:
            deleted = await conn.execute(
                "DELETE FROM events e WHERE e.at < $1 AND NOT EXISTS "
                "(SELECT 1 FROM deliveries d WHERE d.event_id = e.id AND d.state = 'pending')",
                before,
            )
            await conn.execute(
                "DELETE FROM webhook_targets t WHERE t.created_at < $1 "
                "AND NOT EXISTS (SELECT 1 FROM offers o WHERE o.id = t.subject_id) "
                "AND NOT EXISTS (SELECT 1 FROM presentations p WHERE p.id = t.subject_id) "
                "AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.target_id = t.id AND d.state = 'pending')",
                before,
            )
            return int(deleted.rsplit(" ", 1)[1])

        result: int = await self._run(op, transaction=True, retry=True)
        return result
