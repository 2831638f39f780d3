"""Credential status transitions: the decision every adapter applies, and the published values."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from oid4vc.store.base import (
    CredentialState,
    IssuedCredentialRecord,
    StateChangeOutcome,
    StatusAction,
    StatusEntryRef,
    StatusKind,
)
from oid4vc.store.transitions import decide_transition, status_value

V, S, R = CredentialState.VALID, CredentialState.SUSPENDED, CredentialState.REVOKED
REVOKE, SUSPEND, REINSTATE = StatusAction.REVOKE, StatusAction.SUSPEND, StatusAction.REINSTATE
CHANGED, NOT_ALLOWED = StateChangeOutcome.CHANGED, StateChangeOutcome.NOT_ALLOWED


def record(state: CredentialState, kind: StatusKind | None = StatusKind.TOKEN) -> IssuedCredentialRecord:
    status = StatusEntryRef("L", 7, kind) if kind else None
    return IssuedCredentialRecord("c", "o", "cfg", "dc+sd-jwt", "j", datetime(2026, 1, 1, tzinfo=UTC), status=status,
                                  state=state)


@pytest.mark.parametrize(("state", "action", "outcome", "to"), [
    (V, REVOKE, CHANGED, R), (S, REVOKE, CHANGED, R), (R, REVOKE, NOT_ALLOWED, None),
    (V, SUSPEND, CHANGED, S), (S, SUSPEND, NOT_ALLOWED, None), (R, SUSPEND, NOT_ALLOWED, None),
    (S, REINSTATE, CHANGED, V), (V, REINSTATE, NOT_ALLOWED, None), (R, REINSTATE, NOT_ALLOWED, None),
])
def test_token_list_transitions(state: CredentialState, action: StatusAction, outcome: StateChangeOutcome,
                                to: CredentialState | None) -> None:
    decision = decide_transition(record(state), action)
    assert (decision.outcome, decision.new_state) == (outcome, to)


def test_bitstring_lists_cannot_suspend_and_records_without_status_cannot_change() -> None:
    assert decide_transition(record(V, StatusKind.BITSTRING), SUSPEND).outcome is StateChangeOutcome.NOT_SUSPENDABLE
    assert decide_transition(record(V, StatusKind.BITSTRING), REVOKE).new_state is R
    assert decide_transition(record(V, None), REVOKE).outcome is StateChangeOutcome.NO_STATUS
    assert decide_transition(None, REVOKE).outcome is StateChangeOutcome.UNKNOWN


def test_published_values() -> None:
    assert [status_value(StatusKind.BITSTRING, s) for s in (V, S, R)] == [0, 0, 1]
    assert [status_value(StatusKind.TOKEN, s) for s in (V, S, R)] == [0, 2, 1]  # VALID, SUSPENDED, INVALID
