"""Credential status transitions (Bitstring Status List v1.0 §2.1 ``statusPurpose``; Token Status List -14 §7.1),
shared by every store adapter so each one only has to apply the decision atomically.

    valid --revoke--> revoked          (final: "revocation ... is not reversible")
    valid --suspend--> suspended --reinstate--> valid
    suspended --revoke--> revoked

Suspension needs a list that can publish it: a Token Status List (2-bit, 0x02 SUSPENDED). Our Bitstring lists
publish revocation only, because Open Badges 3.0 / CLR 2.0 allow a single ``credentialStatus`` object.
"""

from __future__ import annotations

from dataclasses import dataclass

from oid4vc.store.base import (
    CredentialState,
    IssuedCredentialRecord,
    StateChangeOutcome,
    StatusAction,
    StatusKind,
)

__all__ = ["Transition", "decide_transition", "status_value"]

_ALLOWED: dict[StatusAction, tuple[frozenset[CredentialState], CredentialState]] = {
    StatusAction.REVOKE: (frozenset({CredentialState.VALID, CredentialState.SUSPENDED}), CredentialState.REVOKED),
    StatusAction.SUSPEND: (frozenset({CredentialState.VALID}), CredentialState.SUSPENDED),
    StatusAction.REINSTATE: (frozenset({CredentialState.SUSPENDED}), CredentialState.VALID),
}


@dataclass(frozen=True, slots=True)
class Transition:
    outcome: StateChangeOutcome
    new_state: CredentialState | None = None  # set only for CHANGED


def decide_transition(credential: IssuedCredentialRecord | None, action: StatusAction) -> Transition:
    if credential is None:
        return Transition(StateChangeOutcome.UNKNOWN)
    if credential.status is None:
        return Transition(StateChangeOutcome.NO_STATUS)
    if action is StatusAction.SUSPEND and credential.status.kind is not StatusKind.TOKEN:
        return Transition(StateChangeOutcome.NOT_SUSPENDABLE)
    allowed_from, to = _ALLOWED[action]
    if credential.state not in allowed_from:
        return Transition(StateChangeOutcome.NOT_ALLOWED)
    return Transition(StateChangeOutcome.CHANGED, to)


def status_value(kind: StatusKind, state: CredentialState) -> int:
    """The value published for ``state``: a Bitstring revocation bit, or a Token Status List Status Type."""
    if kind is StatusKind.BITSTRING:
        return 1 if state is CredentialState.REVOKED else 0
    return {CredentialState.VALID: 0x00, CredentialState.REVOKED: 0x01, CredentialState.SUSPENDED: 0x02}[state]
