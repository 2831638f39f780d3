"""Credential Offer (OpenID4VCI 1.0 §4.1): the admin input that creates one, the offer object, and its URIs.

- ``credential_configuration_ids`` is a non-empty array of unique ids (§4.1.1);
- the pre-authorized code is short-lived and single-use (§4.1.1; single use is the store's job);
- ``tx_code`` is sent as an object whenever a Transaction Code is required; ``description`` <= 300 chars (§4.1.1);
- by reference, ``credential_offer_uri`` is unique per offer and unguessable (§4.1.3) and the two parameters
  never appear together (§4.1).
"""

from __future__ import annotations

import json
from typing import Literal
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, model_validator

from oid4vc.jose import JsonObject
from oid4vc.store.base import OfferRecord, TxCodeSpec
from oid4vc.webhooks.targets import WebhookInput

__all__ = ["OFFER_SCHEME", "OfferApproval", "OfferCreate", "TxCodeInput", "credential_offer", "offer_uri"]

OFFER_SCHEME = "openid-credential-offer://"
PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"


class TxCodeInput(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    length: int = Field(default=6, ge=4, le=12)
    input_mode: Literal["numeric", "text"] = "numeric"
    description: str | None = Field(default=None, max_length=300)


class OfferCreate(BaseModel):
    """Body of ``POST /admin/offers``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    credential_configuration_id: str | None = None
    credential_configuration_ids: list[str] | None = None
    credential_subject: JsonObject
    tx_code: bool | TxCodeInput = False
    by_reference: bool = True
    expires_in: int | None = Field(default=None, ge=30)
    approval_required: bool = False  # deferred issuance (§9): credentials wait for POST /admin/offers/{id}/approve
    webhook: WebhookInput | None = None  # a receiver for this offer's events (docs/events.md)

    @model_validator(mode="after")
    def _one_way_to_name_configs(self) -> OfferCreate:
        if (self.credential_configuration_id is None) == (self.credential_configuration_ids is None):
            raise ValueError("give exactly one of credential_configuration_id and credential_configuration_ids")
        ids = self.configuration_ids
        if not ids or len(set(ids)) != len(ids):
            raise ValueError("credential_configuration_ids must be non-empty and unique")
        return self

    @property
    def configuration_ids(self) -> tuple[str, ...]:
        if self.credential_configuration_id is not None:
            return (self.credential_configuration_id,)
        return tuple(self.credential_configuration_ids or ())

    @property
    def tx_code_spec(self) -> TxCodeSpec | None:
        if self.tx_code is False:
            return None
        spec = TxCodeInput() if self.tx_code is True else self.tx_code
        return TxCodeSpec(input_mode=spec.input_mode, length=spec.length, description=spec.description)


class OfferApproval(BaseModel):
    """Body of ``POST /admin/offers/{id}/approve`` (may be empty): the final ``credential_subject``, if it changed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    credential_subject: JsonObject | None = None


def credential_offer(offer: OfferRecord, *, credential_issuer: str, pre_authorized_code: str) -> JsonObject:
    grant: JsonObject = {"pre-authorized_code": pre_authorized_code}
    if offer.tx_code is not None:
        grant["tx_code"] = offer.tx_code.to_offer()
    return {
        "credential_issuer": credential_issuer,
        "credential_configuration_ids": list(offer.credential_configuration_ids),
        "grants": {PRE_AUTHORIZED_GRANT: grant},
    }


def offer_uri(*, offer: JsonObject | None = None, credential_offer_uri: str | None = None) -> str:
    """``openid-credential-offer://?credential_offer=...`` or ``...?credential_offer_uri=...`` (never both)."""
    if (offer is None) == (credential_offer_uri is None):
        raise ValueError("exactly one of offer and credential_offer_uri")
    if credential_offer_uri is not None:
        return f"{OFFER_SCHEME}?credential_offer_uri={quote(credential_offer_uri, safe='')}"
    return f"{OFFER_SCHEME}?credential_offer={quote(json.dumps(offer, separators=(',', ':')), safe='')}"
