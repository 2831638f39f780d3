"""Status list allocation and credential status changes (``LifecycleStore`` in ``base``) for each adapter, as mixins
the adapters inherit, plus the credential row mapping the adapters share.

- ``allocate_status`` advances one counter per list inside one transaction: SQLite's ``BEGIN IMMEDIATE`` write lock,
  PostgreSQL's transaction-scoped advisory lock on the scope (so two processes never start two lists for one scope
  at once) and ``SELECT ... FOR UPDATE`` on the list row; one event-loop step in memory. Counters are never reused,
  so slots are never handed out twice; the caller turns a slot into an index with the list's keyed permutation.
- ``change_credential_state`` applies ``transitions.decide_transition`` and, in the same transaction, bumps the
  list's version and appends the audit row.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from oid4vc.store.base import (
    CredentialState,
    CredentialStatusEvent,
    IssuedCredentialRecord,
    NewStatusList,
    OfferRecord,
    StateChange,
    StateChangeOutcome,
    StatusAction,
    StatusEntryRef,
    StatusKind,
    StatusListRecord,
    StatusSlot,
)
from oid4vc.store.transitions import decide_transition

__all__ = [
    "CREDENTIAL_COLUMNS",
    "MemoryStatusLists",
    "PostgresStatusLists",
    "SqliteStatusLists",
    "credential_from_row",
    "credential_values",
    "insert_credentials_postgres",
    "insert_credentials_sqlite",
    "record_issuance_postgres",
]

CREDENTIAL_COLUMNS = (
    "id, offer_id, credential_configuration_id, format, holder_jkt, issued_at, status_list_id, status_idx, "
    "status_kind, state, notification_id, notification_event, notification_at"
)
_LIST_COLUMNS = "id, kind, scope, size, counter, version, created_at, updated_at"
_EVENT_COLUMNS = "credential_id, action, from_state, to_state, actor, reason, at"
ADVISORY_NAMESPACE = 0x6F69  # first key of pg_advisory_xact_lock(int, int) for status allocation ("oi")


def credential_values(c: IssuedCredentialRecord, ts: Callable[[datetime], Any]) -> tuple[Any, ...]:
    """The values of ``CREDENTIAL_COLUMNS`` for ``c``; ``ts`` converts datetimes for the driver."""
    return (
        c.id, c.offer_id, c.credential_configuration_id, c.format, c.holder_jkt, ts(c.issued_at),
        c.status.list_id if c.status else None, c.status.idx if c.status else None,
        c.status.kind.value if c.status else None, c.state.value, c.notification_id, c.notification_event,
        ts(c.notification_at) if c.notification_at else None,
    )


def credential_from_row(row: Any, to_dt: Callable[[Any], datetime]) -> IssuedCredentialRecord:
    status = (
        StatusEntryRef(row["status_list_id"], row["status_idx"], StatusKind(row["status_kind"]))
        if row["status_list_id"] is not None
        else None
    )
    return IssuedCredentialRecord(
        id=row["id"],
        offer_id=row["offer_id"],
        credential_configuration_id=row["credential_configuration_id"],
        format=row["format"],
        holder_jkt=row["holder_jkt"],
        issued_at=to_dt(row["issued_at"]),
        status=status,
        state=CredentialState(row["state"]),
        notification_id=row["notification_id"],
        notification_event=row["notification_event"],
        notification_at=to_dt(row["notification_at"]) if row["notification_at"] is not None else None,
    )


def _list_from_row(row: Any, to_dt: Callable[[Any], datetime]) -> StatusListRecord:
    return StatusListRecord(
        id=row["id"], kind=StatusKind(row["kind"]), scope=row["scope"], size=row["size"], counter=row["counter"],
        version=row["version"], created_at=to_dt(row["created_at"]), updated_at=to_dt(row["updated_at"]),
    )


def _event_from_row(row: Any, to_dt: Callable[[Any], datetime]) -> CredentialStatusEvent:
    return CredentialStatusEvent(
        credential_id=row["credential_id"], action=StatusAction(row["action"]),
        from_state=CredentialState(row["from_state"]), to_state=CredentialState(row["to_state"]),
        actor=row["actor"], reason=row["reason"], at=to_dt(row["at"]),
    )


def _epoch_dt(value: float) -> datetime:
    return datetime.fromtimestamp(value, UTC)


def _same(value: datetime) -> datetime:
    return value


def _ts(value: datetime) -> float:
    return value.timestamp()


async def insert_credentials_sqlite(conn: Any, credentials: list[IssuedCredentialRecord]) -> None:
    """Insert ``credentials`` and mark their offers issued (inside the caller's transaction)."""
    await conn.executemany(
        f"INSERT INTO credentials ({CREDENTIAL_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",  # noqa: S608
        [credential_values(c, _ts) for c in credentials],
    )
    await conn.executemany(
        "UPDATE offers SET state = 'issued' WHERE id = ?", [(o,) for o in sorted({c.offer_id for c in credentials})]
    )


async def insert_credentials_postgres(conn: Any, credentials: list[IssuedCredentialRecord]) -> None:
    """Insert ``credentials`` and mark their offers issued (inside the caller's transaction)."""
    if not credentials:
        return
    await conn.executemany(
        f"INSERT INTO credentials ({CREDENTIAL_COLUMNS}) "  # noqa: S608
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        [credential_values(c, _same) for c in credentials],
    )
    await conn.execute(
        "UPDATE offers SET state = 'issued' WHERE id = ANY($1::text[])", sorted({c.offer_id for c in credentials})
    )


# Claim (access token, configuration) once, insert the credentials and mark their offers issued: one statement,
# one round trip, atomic on its own. A concurrent duplicate claim waits on the uncommitted key, then inserts
# nothing, so neither do the CTEs that depend on it. ``unnest ... WITH ORDINALITY`` keeps the issuance order (seq).
_PG_RECORD_ISSUANCE = (
    "WITH claim AS (INSERT INTO issuance_claims (token_hash, credential_configuration_id) "  # noqa: S608
    "VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING true), "
    f"issued AS (INSERT INTO credentials ({CREDENTIAL_COLUMNS}) SELECT {CREDENTIAL_COLUMNS} FROM unnest("
    "$3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[], $9::text[], $10::integer[], "
    "$11::text[], $12::text[], $13::text[], $14::text[], $15::timestamptz[]) WITH ORDINALITY "
    f"AS c({CREDENTIAL_COLUMNS}, ord) WHERE EXISTS (SELECT 1 FROM claim) ORDER BY ord), "
    "done AS (UPDATE offers SET state = 'issued' WHERE id = ANY($16::text[]) AND EXISTS (SELECT 1 FROM claim)) "
    "SELECT EXISTS (SELECT 1 FROM claim)"
)


async def record_issuance_postgres(
    conn: Any, token_hash: str, credential_configuration_id: str, credentials: list[IssuedCredentialRecord]
) -> bool:
    """``Store.record_issuance`` in one statement (see ``_PG_RECORD_ISSUANCE``); False when the claim was taken."""
    rows = [credential_values(c, _same) for c in credentials]
    columns = [list(column) for column in zip(*rows, strict=True)] if rows else [[] for _ in range(13)]
    offers = sorted({c.offer_id for c in credentials})
    claimed = await conn.fetchval(_PG_RECORD_ISSUANCE, token_hash, credential_configuration_id, *columns, offers)
    return claimed is True


# -- memory -------------------------------------------------------------------------------------------------


class MemoryStatusLists:
    _offers: dict[str, OfferRecord]
    _credentials: dict[str, IssuedCredentialRecord]
    _status_lists: dict[str, StatusListRecord]
    _status_keys: dict[str, bytes]
    _status_events: list[CredentialStatusEvent]

    async def allocate_status(
        self,
        *,
        scope: str,
        kind: StatusKind,
        size: int,
        count: int,
        now: datetime,
        new_list: Callable[[], NewStatusList],
    ) -> list[StatusSlot]:
        slots: list[StatusSlot] = []
        while len(slots) < count:
            current = next(
                (r for r in self._status_lists.values() if r.scope == scope and r.counter < r.size), None
            )
            if current is None:
                fresh = new_list()
                current = StatusListRecord(fresh.id, kind, scope, size, 0, 0, now, now)
                self._status_keys[fresh.id] = fresh.key
            take = min(count - len(slots), current.size - current.counter)
            key = self._status_keys[current.id]
            slots += [StatusSlot(current.id, current.kind, current.size, c, key)
                      for c in range(current.counter, current.counter + take)]
            self._status_lists[current.id] = replace(current, counter=current.counter + take, updated_at=now)
        return slots

    async def get_status_list(self, list_id: str) -> StatusListRecord | None:
        return self._status_lists.get(list_id)

    async def status_list_entries(self, list_id: str) -> dict[int, CredentialState]:
        return {
            c.status.idx: c.state
            for c in self._credentials.values()
            if c.status is not None and c.status.list_id == list_id and c.state is not CredentialState.VALID
        }

    async def change_credential_state(
        self, credential_id: str, action: StatusAction, *, actor: str, reason: str | None, now: datetime
    ) -> StateChange:
        credential = self._credentials.get(credential_id)
        decision = decide_transition(credential, action)
        if credential is None or decision.new_state is None or credential.status is None:
            return StateChange(decision.outcome, credential)
        updated = replace(credential, state=decision.new_state)
        self._credentials[credential_id] = updated
        listed = self._status_lists[credential.status.list_id]
        self._status_lists[listed.id] = replace(listed, version=listed.version + 1, updated_at=now)
        self._status_events.append(
            CredentialStatusEvent(credential_id, action, credential.state, decision.new_state, actor, reason, now)
        )
        return StateChange(StateChangeOutcome.CHANGED, updated)

    async def credential_history(self, credential_id: str) -> list[CredentialStatusEvent]:
        return [e for e in self._status_events if e.credential_id == credential_id]

    async def list_credentials(self, offer_id: str) -> list[IssuedCredentialRecord]:
        offer = self._offers.get(offer_id)
        return [self._credentials[i] for i in offer.credential_ids] if offer else []


# -- SQLite -------------------------------------------------------------------------------------------------


_SQLITE_TAKE_FROM_OPEN_LIST = (
    "UPDATE status_lists SET counter = counter + ?1, updated_at = ?2 WHERE id = (SELECT id FROM status_lists "
    "WHERE scope = ?3 AND counter < size ORDER BY created_at, id LIMIT 1) AND counter + ?1 <= size "
    "RETURNING id, size, permutation_key, counter"
)


class SqliteStatusLists:
    _conn: Any
    _transaction: Callable[[], AbstractAsyncContextManager[Any]]

    async def allocate_status(
        self,
        *,
        scope: str,
        kind: StatusKind,
        size: int,
        count: int,
        now: datetime,
        new_list: Callable[[], NewStatusList],
    ) -> list[StatusSlot]:
        # Fast path, one statement (atomic on its own): all ``count`` counters from the oldest open list.
        taken = await self._conn.execute(_SQLITE_TAKE_FROM_OPEN_LIST, (count, now.timestamp(), scope))
        row = await taken.fetchone()
        if row is not None:
            end = row["counter"]
            return [StatusSlot(row["id"], kind, row["size"], c, bytes(row["permutation_key"]))
                    for c in range(end - count, end)]
        # Otherwise (no open list, or too little room left in it) fill lists in order and start new ones.
        slots: list[StatusSlot] = []
        async with self._transaction() as conn:
            while len(slots) < count:
                row = await (
                    await conn.execute(
                        "SELECT id, size, permutation_key, counter FROM status_lists "
                        "WHERE scope = ? AND counter < size ORDER BY created_at, id LIMIT 1",
                        (scope,),
                    )
                ).fetchone()
                if row is None:
                    fresh = new_list()
                    await conn.execute(
                        "INSERT INTO status_lists (id, kind, scope, size, permutation_key, counter, version, "
                        "created_at, updated_at) VALUES (?,?,?,?,?,0,0,?,?)",
                        (fresh.id, kind.value, scope, size, fresh.key, now.timestamp(), now.timestamp()),
                    )
                    list_id, list_size, key, counter = fresh.id, size, fresh.key, 0
                else:
                    list_id, list_size, key, counter = row["id"], row["size"], bytes(row["permutation_key"]), row[
                        "counter"]
                take = min(count - len(slots), list_size - counter)
                slots += [StatusSlot(list_id, kind, list_size, c, key) for c in range(counter, counter + take)]
                await conn.execute(
                    "UPDATE status_lists SET counter = ?, updated_at = ? WHERE id = ?",
                    (counter + take, now.timestamp(), list_id),
                )
        return slots

    async def get_status_list(self, list_id: str) -> StatusListRecord | None:
        cursor = await self._conn.execute(
            f"SELECT {_LIST_COLUMNS} FROM status_lists WHERE id = ?", (list_id,)  # noqa: S608
        )
        row = await cursor.fetchone()
        return _list_from_row(row, _epoch_dt) if row is not None else None

    async def status_list_entries(self, list_id: str) -> dict[int, CredentialState]:
        cursor = await self._conn.execute(
            "SELECT status_idx, state FROM credentials WHERE status_list_id = ? AND state <> 'valid'", (list_id,)
        )
        return {row["status_idx"]: CredentialState(row["state"]) for row in await cursor.fetchall()}

    async def change_credential_state(
        self, credential_id: str, action: StatusAction, *, actor: str, reason: str | None, now: datetime
    ) -> StateChange:
        async with self._transaction() as conn:
            row = await (
                await conn.execute(
                    f"SELECT {CREDENTIAL_COLUMNS} FROM credentials WHERE id = ?", (credential_id,)  # noqa: S608
                )
            ).fetchone()
            credential = credential_from_row(row, _epoch_dt) if row is not None else None
            decision = decide_transition(credential, action)
            if credential is None or decision.new_state is None or credential.status is None:
                return StateChange(decision.outcome, credential)
            await conn.execute(
                "UPDATE credentials SET state = ? WHERE id = ?", (decision.new_state.value, credential_id)
            )
            await conn.execute(
                "UPDATE status_lists SET version = version + 1, updated_at = ? WHERE id = ?",
                (now.timestamp(), credential.status.list_id),
            )
            await conn.execute(
                f"INSERT INTO credential_status_events ({_EVENT_COLUMNS}) VALUES (?,?,?,?,?,?,?)",  # noqa: S608
                (credential_id, action.value, credential.state.value, decision.new_state.value, actor, reason,
                 now.timestamp()),
            )
            return StateChange(StateChangeOutcome.CHANGED, replace(credential, state=decision.new_state))

    async def credential_history(self, credential_id: str) -> list[CredentialStatusEvent]:
        cursor = await self._conn.execute(
            f"SELECT {_EVENT_COLUMNS} FROM credential_status_events WHERE credential_id = ? "  # noqa: S608
            "ORDER BY seq",
            (credential_id,),
        )
        return [_event_from_row(row, _epoch_dt) for row in await cursor.fetchall()]

    async def list_credentials(self, offer_id: str) -> list[IssuedCredentialRecord]:
        cursor = await self._conn.execute(
            f"SELECT {CREDENTIAL_COLUMNS} FROM credentials WHERE offer_id = ? ORDER BY rowid",  # noqa: S608
            (offer_id,),
        )
        return [credential_from_row(row, _epoch_dt) for row in await cursor.fetchall()]


# -- PostgreSQL ---------------------------------------------------------------------------------------------


# Takes up to $2 indexes from the oldest open list of scope $1 in one statement. FOR UPDATE returns the newest row
# version once a concurrent taker commits (READ COMMITTED), and skips the row if that filled it; ``start`` is the
# counter before this update.
_TAKE_FROM_OPEN_LIST = (
    "WITH open_list AS (SELECT id, counter FROM status_lists WHERE scope = $1 AND counter < size "
    "ORDER BY created_at, id LIMIT 1 FOR UPDATE) "
    "UPDATE status_lists s SET counter = LEAST(s.counter + $2, s.size), updated_at = $3 FROM open_list "
    "WHERE s.id = open_list.id "
    "RETURNING s.id, s.size, s.permutation_key, open_list.counter AS start, "
    "LEAST(open_list.counter + $2, s.size) - open_list.counter AS taken"
)


class PostgresStatusLists:
    _run: Callable[..., Awaitable[Any]]

    async def allocate_status(
        self,
        *,
        scope: str,
        kind: StatusKind,
        size: int,
        count: int,
        now: datetime,
        new_list: Callable[[], NewStatusList],
    ) -> list[StatusSlot]:
        # The common case is one statement: the open list's row is locked only while PostgreSQL runs it, not across
        # round trips, so concurrent issuances in every process barely wait on each other. What it cannot finish
        # (no open list yet, or the list filled up) goes to the transaction below.
        row = await self._run(lambda conn: conn.fetchrow(_TAKE_FROM_OPEN_LIST, scope, count, now),
                              transaction=False, retry=True)
        slots: list[StatusSlot] = []
        if row is not None:
            start, taken = row["start"], row["taken"]
            slots = [StatusSlot(row["id"], kind, row["size"], c, bytes(row["permutation_key"]))
                     for c in range(start, start + taken)]
        if len(slots) == count:
            return slots

        async def op(conn: Any) -> list[StatusSlot]:
            # Serialises the start of new lists of one scope across processes.
            await conn.execute("SELECT pg_advisory_xact_lock($1::int, hashtext($2))", ADVISORY_NAMESPACE, scope)
            more: list[StatusSlot] = []
            while len(slots) + len(more) < count:
                row = await conn.fetchrow(
                    "SELECT id, size, permutation_key, counter FROM status_lists "
                    "WHERE scope = $1 AND counter < size ORDER BY created_at, id LIMIT 1 FOR UPDATE",
                    scope,
                )
                if row is None:
                    fresh = new_list()
                    await conn.execute(
                        "INSERT INTO status_lists (id, kind, scope, size, permutation_key, counter, version, "
                        "created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 0, 0, $6, $6)",
                        fresh.id, kind.value, scope, size, fresh.key, now,
                    )
                    list_id, list_size, key, counter = fresh.id, size, fresh.key, 0
                else:
                    list_id, list_size, key, counter = row["id"], row["size"], bytes(row["permutation_key"]), row[
                        "counter"]
                take = min(count - len(slots) - len(more), list_size - counter)
                more += [StatusSlot(list_id, kind, list_size, c, key) for c in range(counter, counter + take)]
                await conn.execute(
                    "UPDATE status_lists SET counter = $1, updated_at = $2 WHERE id = $3", counter + take, now, list_id
                )
            return more

        rest: list[StatusSlot] = await self._run(op, transaction=True, retry=True)
        return slots + rest

    async def get_status_list(self, list_id: str) -> StatusListRecord | None:
        row = await self._run(
            lambda conn: conn.fetchrow(f"SELECT {_LIST_COLUMNS} FROM status_lists WHERE id = $1", list_id),  # noqa: S608
            transaction=False,
            retry=True,
        )
        return _list_from_row(row, _same) if row is not None else None

    async def status_list_entries(self, list_id: str) -> dict[int, CredentialState]:
        rows = await self._run(
            lambda conn: conn.fetch(
                "SELECT status_idx, state FROM credentials WHERE status_list_id = $1 AND state <> 'valid'", list_id
            ),
            transaction=False,
            retry=True,
        )
        return {row["status_idx"]: CredentialState(row["state"]) for row in rows}

    async def change_credential_state(
        self, credential_id: str, action: StatusAction, *, actor: str, reason: str | None, now: datetime
    ) -> StateChange:
        async def op(conn: Any) -> StateChange:
            row = await conn.fetchrow(
                f"SELECT {CREDENTIAL_COLUMNS} FROM credentials WHERE id = $1 FOR UPDATE", credential_id  # noqa: S608
            )
            credential = credential_from_row(row, _same) if row is not None else None
            decision = decide_transition(credential, action)
            if credential is None or decision.new_state is None or credential.status is None:
                return StateChange(decision.outcome, credential)
            await conn.execute("UPDATE credentials SET state = $1 WHERE id = $2", decision.new_state.value,
                               credential_id)
            await conn.execute(
                "UPDATE status_lists SET version = version + 1, updated_at = $1 WHERE id = $2",
                now, credential.status.list_id,
            )
            await conn.execute(
                f"INSERT INTO credential_status_events ({_EVENT_COLUMNS}) "  # noqa: S608
                "VALUES ($1, $2, $3, $4, $5, $6, $7)",
                credential_id, action.value, credential.state.value, decision.new_state.value, actor, reason, now,
            )
            return StateChange(StateChangeOutcome.CHANGED, replace(credential, state=decision.new_state))

        result: StateChange = await self._run(op, transaction=True, retry=True)
        return result

    async def credential_history(self, credential_id: str) -> list[CredentialStatusEvent]:
        rows = await self._run(
            lambda conn: conn.fetch(
                f"SELECT {_EVENT_COLUMNS} FROM credential_status_events WHERE credential_id = $1 "  # noqa: S608
                "ORDER BY seq",
                credential_id,
            ),
            transaction=False,
            retry=True,
        )
        return [_event_from_row(row, _same) for row in rows]

    async def list_credentials(self, offer_id: str) -> list[IssuedCredentialRecord]:
        rows = await self._run(
            lambda conn: conn.fetch(
                f"SELECT {CREDENTIAL_COLUMNS} FROM credentials WHERE offer_id = $1 ORDER BY seq",  # noqa: S608
                offer_id,
            ),
            transaction=False,
            retry=True,
        )
        return [credential_from_row(row, _same) for row in rows]
