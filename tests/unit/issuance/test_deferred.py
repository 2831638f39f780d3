"""Deferred Credential Request parsing and the 202 body (OpenID4VCI 1.0 §8.3, §9)."""

from __future__ import annotations

from typing import Any

import pytest

from oid4vc.errors import InvalidCredentialRequestError
from oid4vc.issuance.credential_request import InvalidEncryptionParametersError
from oid4vc.issuance.deferred import InvalidTransactionIdError, deferred_response, parse_deferred_credential_request


def test_transaction_id_and_unknown_members() -> None:
    assert parse_deferred_credential_request({"transaction_id": "t", "other": 1}) == "t"
    assert deferred_response("t", interval=5) == {"transaction_id": "t", "interval": 5}
    assert InvalidTransactionIdError().to_body() == {"error": "invalid_transaction_id"}


@pytest.mark.parametrize("body", [None, "t", {}, {"transaction_id": 1}, {"transaction_id": ""}])
def test_malformed(body: Any) -> None:
    with pytest.raises(InvalidCredentialRequestError):
        parse_deferred_credential_request(body)


def test_encryption_is_not_supported() -> None:
    with pytest.raises(InvalidEncryptionParametersError):
        parse_deferred_credential_request({"transaction_id": "t", "credential_response_encryption": {}})
