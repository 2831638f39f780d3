"""PostgreSQL store adapter (asyncpg, connection pool). The only module that imports asyncpg.

The single-use guarantees of ``oid4vc.store.base`` are done in SQL, so they hold across any number of processes
sharing one database: a redemption locks the offer row (``SELECT ... FOR UPDATE``) and applies
``oid4vc.store.redeem.decide_redeem`` inside one transaction; a used nonce and an issuance are each claimed by one
``INSERT ... ON CONFLICT DO NOTHING``.

Schema migrations are versioned SQL files (``migrations/postgres/NNNN_*.sql``) applied in order under a
transaction-scoped advisory lock, so processes starting together do not race, and tracked in
``schema_migrations``.

URL: ``postgresql://user:password@host:port/dbname?pool_min_size=1&pool_max_size=10&command_timeout=30&
connect_timeout=10``. Those four query parameters are read here; every other one goes to asyncpg (``sslmode``
and the like, or a server setting such as ``application_name``).

When the server cannot be reached, or drops the connection, an operation raises ``PostgresUnavailableError``
instead of waiting. An operation whose connection was lost *before* its transaction committed wrote nothing,
so it is retried once on a fresh connection (this is how the pool rides over a server restart); one whose
commit was already sent is never retried, because its outcome is unknown.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg

from oid4vc.store.base import (
    AccessTokenRecord,
    IssuedCredentialRecord,
    OfferRecord,
    OfferState,
    RedeemOutcome,
    RedeemResult,
    StoreUnavailableError,
    StoreValueError,
    TokenOffer,
    TxCodeSpec,
)
from oid4vc.store.deferred import PostgresDeferred
from oid4vc.store.outbox import PostgresOutbox
from oid4vc.store.presentations import PostgresPresentations
from oid4vc.store.redeem import decide_redeem
from oid4vc.store.schema import migrations
from oid4vc.store.status_lists import (
    CREDENTIAL_COLUMNS,
    PostgresStatusLists,
    credential_from_row,
    record_issuance_postgres,
)

__all__ = ["PoolOptions", "PostgresStore", "PostgresUnavailableError"]

log = logging.getLogger(__name__)

_T = TypeVar("_T")
_N = TypeVar("_N", int, float)
_Operation = Callable[[Any], Awaitable[_T]]  # takes an asyncpg connection

MIGRATION_LOCK_KEY = 0x6F6964347663  # "oid4vc" in ASCII, the pg_advisory_xact_lock key for migrations

_OFFER_COLUMNS = (
    "o.id, o.credential_configuration_ids, o.credential_subject, o.pre_authorized_code_hash, "
    "o.pre_authorized_code, o.reference, o.tx_code, o.tx_code_hash, o.created_at, o.expires_at, o.by_reference, "
    "o.state, o.tx_code_attempts, o.approval_required, o.approved_at, o.notification_event, "
    "ARRAY(SELECT c.id FROM credentials c WHERE c.offer_id = o.id ORDER BY c.seq) AS credential_ids"
)

# Errors that mean "the server is not there", as opposed to a bug or a constraint violation.
_UNAVAILABLE: tuple[type[BaseException], ...] = (
    OSError,  # refused, reset, unreachable, and TimeoutError (connect_timeout, command_timeout)
    asyncpg.PostgresConnectionError,  # SQLSTATE class 08, and ConnectionDoesNotExistError
    asyncpg.exceptions.AdminShutdownError,  # 57P01: the server is shutting down
    asyncpg.exceptions.CrashShutdownError,  # 57P02
    asyncpg.exceptions.CannotConnectNowError,  # 57P03: starting up or in recovery
)


_URL_OPTIONS = frozenset({"pool_min_size", "pool_max_size", "command_timeout", "connect_timeout"})


class PostgresUnavailableError(StoreUnavailableError):
    """PostgreSQL could not be reached, or dropped the connection, while running a store operation."""


@dataclass(frozen=True, slots=True)
class PoolOptions:
    """Connection pool settings, read from the store URL's query (defaults below)."""

    min_size: int = 1
    max_size: int = 20  # per process; a wallet flow holds one connection per store operation
    command_timeout: float = 30.0  # seconds one statement may take
    connect_timeout: float = 10.0  # seconds to establish one connection

    @classmethod
    def split_url(cls, url: str) -> tuple[str, PoolOptions]:
        """The URL without this class's query parameters (for asyncpg), and the options they set."""
        parts = urlsplit(url)
        if parts.scheme not in ("postgresql", "postgres"):
            raise ValueError("a PostgreSQL store URL starts with postgresql:// or postgres://")
        rest: list[tuple[str, str]] = []
        found: dict[str, str] = {}
        for key, value in parse_qsl(parts.query, keep_blank_values=True):
            if key in _URL_OPTIONS:
                found[key] = value
            else:
                rest.append((key, value))
        default = cls()
        options = cls(
            min_size=_number(found, "pool_min_size", int, default.min_size),
            max_size=_number(found, "pool_max_size", int, default.max_size),
            command_timeout=_number(found, "command_timeout", float, default.command_timeout),
            connect_timeout=_number(found, "connect_timeout", float, default.connect_timeout),
        )
        if not 0 <= options.min_size <= options.max_size or options.max_size < 1:
            raise ValueError("store URL: need 0 <= pool_min_size <= pool_max_size and pool_max_size >= 1")
        if options.command_timeout <= 0 or options.connect_timeout <= 0:
            raise ValueError("store URL: command_timeout and connect_timeout must be positive")
        return urlunsplit(parts._replace(query=urlencode(rest))), options


def _number(found: dict[str, str], key: str, kind: Callable[[str], _N], default: _N) -> _N:
    if key not in found:
        return default
    try:
        return kind(found[key])
    except ValueError:
        raise ValueError(f"store URL: {key} must be a number") from None


class PostgresStore(PostgresPresentations, PostgresStatusLists, PostgresDeferred, PostgresOutbox):
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @classmethod
    async def open(cls, url: str) -> PostgresStore:
        """Create the pool and bring the schema up to date. Raises ``PostgresUnavailableError`` if the server
        cannot be reached within ``connect_timeout``."""
        dsn, options = PoolOptions.split_url(url)
        try:
            pool = await asyncpg.create_pool(
                dsn,
                min_size=options.min_size,
                max_size=options.max_size,
                command_timeout=options.command_timeout,
                timeout=options.connect_timeout,
                reset=_keep_session,
            )
        except _UNAVAILABLE as exc:
            raise PostgresUnavailableError(_describe(exc)) from exc
        store = cls(pool)
        try:
            applied = await store._run(_migrate, transaction=True, retry=True)
        except BaseException:
            await store.close()
            raise
        host = urlsplit(dsn).hostname or "localhost"
        log.info("postgres store ready host=%s pool=%d..%d migrations_applied=%s", host, options.min_size,
                 options.max_size, applied or "none")
        return store

    async def close(self) -> None:
        try:
            await asyncio.wait_for(self._pool.close(), timeout=10)
        except TimeoutError:
            self._pool.terminate()

    async def _run(self, op: _Operation[_T], *, transaction: bool, retry: bool) -> _T:
        """Run ``op`` on a pooled connection, in a transaction if asked. A lost connection is retried once when
        ``retry`` is set and the transaction (if any) had not started to commit; otherwise the error becomes
        ``PostgresUnavailableError``."""
        for attempt in (1, 2):
            committing = lost = False
            try:
                async with self._pool.acquire() as conn:
                    try:
                        if not transaction:
                            result: _T = await op(conn)
                            return result
                        tx = conn.transaction()
                        await tx.start()
                        try:
                            result = await op(conn)
                        except BaseException:
                            if not _is_closed(conn):
                                await tx.rollback()
                            raise
                        committing = True
                        await tx.commit()
                        return result
                    except Exception:
                        lost = _is_closed(conn)
                        raise
            except Exception as exc:
                if isinstance(exc, asyncpg.CharacterNotInRepertoireError):  # NUL in a text parameter (SQLSTATE 22021)
                    raise StoreValueError("a value holds a character PostgreSQL text cannot (NUL)") from None
                if not (lost or isinstance(exc, _UNAVAILABLE)):
                    raise
                if lost and retry and not committing and attempt == 1:
                    log.warning("postgres connection lost (%s); retrying once", type(exc).__name__)
                    continue
                raise PostgresUnavailableError(_describe(exc)) from exc
        raise AssertionError("unreachable")

    # -- offers -----------------------------------------------------------------------------------------

    async def create_offer(self, offer: OfferRecord) -> None:
        try:
            await self._run(lambda conn: _insert_offer(conn, offer), transaction=False, retry=False)
        except asyncpg.UniqueViolationError:
            raise ValueError("duplicate offer") from None

    async def get_offer(self, offer_id: str) -> OfferRecord | None:
        return await self._run(lambda conn: _offer_where(conn, "id", offer_id), transaction=False, retry=True)

    async def get_offer_by_reference(self, reference: str) -> OfferRecord | None:
        return await self._run(
            lambda conn: _offer_where(conn, "reference", reference), transaction=False, retry=True
        )

    async def redeem_pre_authorized_code(
        self,
        code_hash: str,
        *,
        tx_code_hash: str | None,
        now: datetime,
        max_tx_code_attempts: int,
        access_token: AccessTokenRecord,
    ) -> RedeemResult:
        async def op(conn: Any) -> RedeemResult:
            # The row lock serialises concurrent redemptions of one code: the second waits, then reads the
            # committed state (already redeemed, or one more attempt counted).
            offer = await _offer_where(conn, "pre_authorized_code_hash", code_hash, for_update=True)
            decision = decide_redeem(offer, tx_code_hash=tx_code_hash, now=now, max_attempts=max_tx_code_attempts)
            if offer is None or decision.new_state is None:
                return decision.result
            keep_code = decision.new_state is OfferState.OFFERED
            update = (
                "UPDATE offers SET state = $1, tx_code_attempts = $2, "
                "pre_authorized_code = CASE WHEN $3 THEN pre_authorized_code END WHERE id = $4"
            )
            if decision.result.outcome is RedeemOutcome.REDEEMED:  # the update and the token in one round trip
                await conn.execute(
                    f"WITH updated AS ({update}) INSERT INTO access_tokens "  # noqa: S608
                    "(token_hash, offer_id, credential_configuration_ids, expires_at) VALUES ($5, $4, $6, $7)",
                    decision.new_state.value, decision.attempts, keep_code, offer.id,
                    access_token.token_hash, list(offer.credential_configuration_ids), access_token.expires_at,
                )
            else:
                await conn.execute(update, decision.new_state.value, decision.attempts, keep_code, offer.id)
            updated = replace(
                offer,
                state=decision.new_state,
                tx_code_attempts=decision.attempts,
                pre_authorized_code=offer.pre_authorized_code if keep_code else None,
            )
            return RedeemResult(decision.result.outcome, updated, decision.result.attempts_left)

        return await self._run(op, transaction=True, retry=True)

    # -- tokens and nonces ------------------------------------------------------------------------------

    async def get_token_offer(self, token_hash: str, *, now: datetime) -> TokenOffer | None:
        row = await self._run(
            lambda conn: conn.fetchrow(
                f"SELECT {_OFFER_COLUMNS}, t.credential_configuration_ids AS token_configuration_ids, "  # noqa: S608
                "t.expires_at AS token_expires_at FROM access_tokens t JOIN offers o ON o.id = t.offer_id "
                "WHERE t.token_hash = $1 AND t.expires_at > $2",
                token_hash, now,
            ),
            transaction=False,
            retry=True,
        )
        if row is None:
            return None
        offer = _offer_from_row(row)
        token = AccessTokenRecord(
            token_hash, offer.id, tuple(row["token_configuration_ids"]), row["token_expires_at"]
        )
        return TokenOffer(token, offer)

    async def consume_nonce(self, nonce: str, *, expires_at: datetime, now: datetime) -> bool:
        if expires_at <= now:
            return False
        # One statement: of concurrent inserts of one key, exactly one inserts (the others wait on its
        # uncommitted key, then do nothing and return no row).
        inserted = await self._run(
            lambda conn: conn.fetchval(
                "INSERT INTO nonces (nonce, expires_at) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING true",
                nonce, expires_at,
            ),
            transaction=False,
            retry=False,  # the INSERT may have committed; a retry would answer False for a good nonce
        )
        return inserted is True

    # -- issuance ---------------------------------------------------------------------------------------

    async def record_issuance(
        self, token_hash: str, credential_configuration_id: str, credentials: list[IssuedCredentialRecord]
    ) -> bool:
        # One statement, atomic on its own. Not retried: had it committed before the connection was lost, a retry
        # would find the claim taken and answer False for credentials that were recorded.
        return await self._run(
            lambda conn: record_issuance_postgres(conn, token_hash, credential_configuration_id, credentials),
            transaction=False,
            retry=False,
        )

    async def get_credential(self, credential_id: str) -> IssuedCredentialRecord | None:
        row = await self._run(
            lambda conn: conn.fetchrow(
                f"SELECT {CREDENTIAL_COLUMNS} FROM credentials WHERE id = $1", credential_id  # noqa: S608
            ),
            transaction=False,
            retry=True,
        )
        return credential_from_row(row, lambda d: d) if row is not None else None

    async def purge_expired(self, *, now: datetime, offers_expired_before: datetime | None = None) -> int:
        cutoff = now if offers_expired_before is None else offers_expired_before

        async def op(conn: Any) -> int:
            deleted = 0
            for sql, arg in (
                ("DELETE FROM nonces WHERE expires_at <= $1", now),
                ("DELETE FROM access_tokens WHERE expires_at <= $1", now),
                ("DELETE FROM deferred_transactions WHERE expires_at <= $1", now),
                ("DELETE FROM offers WHERE state IN ('offered', 'locked') AND expires_at <= $1", cutoff),
                ("DELETE FROM presentations WHERE status = 'pending' AND expires_at <= $1", cutoff),
            ):
                deleted += int((await conn.execute(sql, arg)).rsplit(" ", 1)[1])
            claims = await conn.execute(
                "DELETE FROM issuance_claims c WHERE NOT EXISTS "
                "(SELECT 1 FROM access_tokens t WHERE t.token_hash = c.token_hash)"
            )
            # Offers that can issue nothing more keep no personal data (no live token, no waiting transaction).
            await conn.execute(
                "UPDATE offers o SET credential_subject = '{}' WHERE o.state NOT IN ('offered', 'locked') "
                "AND o.credential_subject::text <> '{}' "
                "AND NOT EXISTS (SELECT 1 FROM access_tokens t WHERE t.offer_id = o.id) "
                "AND NOT EXISTS (SELECT 1 FROM deferred_transactions d WHERE d.offer_id = o.id)"
            )
            return deleted + int(claims.rsplit(" ", 1)[1])

        return await self._run(op, transaction=True, retry=True)  # deleting expired rows twice is harmless


async def _migrate(conn: Any) -> list[int]:
    """Apply the missing migrations; runs in a transaction. Returns the versions applied."""
    await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK_KEY)
    await conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        "version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
    )
    done = {r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations")}
    applied: list[int] = []
    for version, sql in migrations("postgres"):
        if version not in done:
            await conn.execute(sql)  # no arguments: the simple query protocol runs every statement in the file
            await conn.execute("INSERT INTO schema_migrations (version) VALUES ($1)", version)
            applied.append(version)
    return applied


async def _insert_offer(conn: Any, offer: OfferRecord) -> None:
    await conn.execute(
        "INSERT INTO offers (id, credential_configuration_ids, credential_subject, pre_authorized_code_hash, "
        "pre_authorized_code, reference, tx_code, tx_code_hash, created_at, expires_at, by_reference, state, "
        "tx_code_attempts, approval_required, approved_at, notification_event) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
        offer.id,
        list(offer.credential_configuration_ids),
        json.dumps(offer.credential_subject),
        offer.pre_authorized_code_hash,
        offer.pre_authorized_code,
        offer.reference,
        json.dumps(_tx_code_json(offer.tx_code)) if offer.tx_code else None,
        offer.tx_code_hash,
        offer.created_at,
        offer.expires_at,
        offer.by_reference,
        offer.state.value,
        offer.tx_code_attempts,
        offer.approval_required,
        offer.approved_at,
        offer.notification_event,
    )


async def _offer_where(conn: Any, column: str, value: str, *, for_update: bool = False) -> OfferRecord | None:
    assert column in ("id", "reference", "pre_authorized_code_hash")
    lock = " FOR UPDATE OF o" if for_update else ""
    row = await conn.fetchrow(f"SELECT {_OFFER_COLUMNS} FROM offers o WHERE o.{column} = $1{lock}", value)  # noqa: S608
    return None if row is None else _offer_from_row(row)


def _tx_code_json(spec: TxCodeSpec) -> dict[str, Any]:
    return {"input_mode": spec.input_mode, "length": spec.length, "description": spec.description}


def _offer_from_row(row: Any) -> OfferRecord:
    tx = json.loads(row["tx_code"]) if row["tx_code"] is not None else None
    return OfferRecord(
        id=row["id"],
        credential_configuration_ids=tuple(row["credential_configuration_ids"]),
        credential_subject=json.loads(row["credential_subject"]),
        pre_authorized_code_hash=row["pre_authorized_code_hash"],
        pre_authorized_code=row["pre_authorized_code"],
        reference=row["reference"],
        tx_code=TxCodeSpec(**tx) if tx else None,
        tx_code_hash=row["tx_code_hash"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        by_reference=row["by_reference"],
        state=OfferState(row["state"]),
        tx_code_attempts=row["tx_code_attempts"],
        credential_ids=tuple(row["credential_ids"]),
        approval_required=row["approval_required"],
        approved_at=row["approved_at"],
        notification_event=row["notification_event"],
    )


async def _keep_session(conn: Any) -> None:
    """Pool release without asyncpg's default reset (advisory unlock, CLOSE ALL, UNLISTEN, RESET ALL: a round trip
    and four statements per acquire). The store leaves no session state behind: its advisory locks are
    transaction-scoped and it sets, listens and declares nothing; asyncpg still rolls back an open transaction."""


def _is_closed(conn: Any) -> bool:
    try:
        return bool(conn.is_closed())
    except asyncpg.InterfaceError:  # the pool detaches a connection from its proxy as soon as it closes
        return True


def _describe(exc: BaseException) -> str:
    detail = str(exc).strip()
    return f"PostgreSQL is unavailable ({type(exc).__name__}{': ' + detail if detail else ''})"
