"""Issued-credential lifecycle use-cases: revoke, suspend and reinstate (published through the status lists of
``services.status``), the audit trail, and wallet notifications (OpenID4VCI 1.0 §11).

Revocation is final; suspension exists only for credentials whose status list can publish it (Token Status List,
dc+sd-jwt), see ``store.transitions``. Each change records who (the operator's ``actor``), when and why. A
notification updates the credentials of one Credential Response and the offer they came from; the issuer never
depends on notifications arriving.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from oid4vc.clock import Clock
from oid4vc.errors import ConflictError, NotFoundError
from oid4vc.formats.base import CredentialFormat
from oid4vc.issuance.notification import InvalidNotificationIdError, parse_notification_request
from oid4vc.jose import JsonObject
from oid4vc.services.events import Event, EventBus
from oid4vc.services.status import StatusService
from oid4vc.store.base import (
    AccessTokenRecord,
    CredentialStatusEvent,
    IssuedCredentialRecord,
    StateChangeOutcome,
    StatusAction,
    Store,
)

__all__ = ["LifecycleService"]

log = logging.getLogger(__name__)

_REFUSALS = {
    StateChangeOutcome.NO_STATUS: "the credential was issued without a status list entry",
    StateChangeOutcome.NOT_SUSPENDABLE: "this credential's status list publishes revocation only (Bitstring "
    "Status List; Open Badges allow one credentialStatus), so it cannot be suspended",
    StateChangeOutcome.NOT_ALLOWED: "not allowed from the credential's current state",
}
_EVENT = {StatusAction.REVOKE: "revoked", StatusAction.SUSPEND: "suspended", StatusAction.REINSTATE: "reinstated"}


@dataclass(slots=True)
class LifecycleService:
    store: Store
    status: StatusService
    formats: Mapping[str, CredentialFormat]
    clock: Clock
    events: EventBus

    async def _emit(self, type_: str, subject_id: str | None, **data: Any) -> None:
        await self.events.publish(Event(type_, self.clock.now(), data, subject_id))

    async def credential(self, credential_id: str) -> tuple[IssuedCredentialRecord, list[CredentialStatusEvent]]:
        record = await self.store.get_credential(credential_id)
        if record is None:
            raise NotFoundError("no such credential")
        return record, await self.store.credential_history(credential_id)

    async def credentials_of_offer(self, offer_id: str) -> list[IssuedCredentialRecord]:
        if await self.store.get_offer(offer_id) is None:
            raise NotFoundError("no such offer")
        return await self.store.list_credentials(offer_id)

    def status_entry(self, record: IssuedCredentialRecord) -> JsonObject | None:
        """The status entry as it appears in the credential (``credentialStatus`` or the ``status`` claim)."""
        fmt = self.formats.get(record.format)
        if record.status is None or fmt is None:
            return None
        return self.status.entry(record.status, fmt.status_form)

    async def change_state(
        self, credential_id: str, action: StatusAction, *, actor: str, reason: str | None
    ) -> IssuedCredentialRecord:
        """Apply ``action``; the next fetch of the status list publishes it. 404 unknown, 409 not allowed."""
        change = await self.store.change_credential_state(
            credential_id, action, actor=actor, reason=reason, now=self.clock.now()
        )
        if change.outcome is StateChangeOutcome.UNKNOWN or change.credential is None:
            raise NotFoundError("no such credential")
        if change.outcome is not StateChangeOutcome.CHANGED:
            current = change.credential.state.value
            raise ConflictError(f"cannot {action.value}: {_REFUSALS[change.outcome]} ({current})")
        record = change.credential
        log.info("credential %s credential=%s offer=%s actor=%s", _EVENT[action], record.id, record.offer_id, actor)
        await self._emit(
            f"credential.{_EVENT[action]}",
            record.offer_id,
            credential_id=record.id,
            actor=actor,
            reason=reason,
            status_list=record.status.list_id if record.status else None,
        )
        return record

    async def notify(self, token: AccessTokenRecord, body: Any) -> None:
        """§11: record a wallet's event for the credentials of one ``notification_id`` issued to this token's offer;
        repeats succeed. Raises invalid_notification_request / invalid_notification_id (400)."""
        notification = parse_notification_request(body)
        ids = await self.store.record_notification(
            notification.notification_id, offer_id=token.offer_id, event=notification.event, now=self.clock.now()
        )
        if not ids:
            raise InvalidNotificationIdError("the notification_id is unknown for this access token")
        log.info("notification offer=%s event=%s credentials=%d", token.offer_id, notification.event, len(ids))
        await self._emit(
            "notification.received",
            token.offer_id,
            event=notification.event,
            credential_ids=ids,
            event_description=notification.event_description,
        )
