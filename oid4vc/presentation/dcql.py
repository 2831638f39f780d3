"""Digital Credentials Query Language (OpenID4VP 1.0 §6): the query models and their validation.

Enforced at parse time, each refusal with a named ``reason`` (``InvalidDcqlQueryError``):

- ``credentials`` is a non-empty array; ``credential_sets``, ``claims``, ``claim_sets``, ``options`` and every
  option, ``values``, ``trusted_authorities`` and their ``values`` are non-empty when present
  (§6, §6.1, §6.1.1, §6.2, §6.3) -> ``empty_array``;
- Credential Query and Claims Query ``id``: non-empty, only ``[A-Za-z0-9_-]`` (§6.1, §6.3) -> ``invalid_id``;
  unique within the request / within ``claims`` -> ``duplicate_credential_id`` / ``duplicate_claim_id``;
- ``meta`` is REQUIRED (§6.1); per format (App. B): ``vct_values`` non-empty strings for ``dc+sd-jwt``
  (B.3.5), ``type_values`` non-empty arrays of non-empty string arrays for ``jwt_vc_json`` / ``ldp_vc`` (B.1.1),
  ``doctype_value`` string for ``mso_mdoc`` (B.2.3) -> ``invalid_meta``;
- ``path`` is a valid claims path pointer (§7), exactly two strings for ``mso_mdoc`` (§7.2)
  -> ``invalid_claims_path``; the same claim is not pointed to twice (§6.1) -> ``duplicate_claim_path``;
- ``values`` holds strings, integers or booleans only (§6.3) -> ``malformed``;
- ``claim_sets`` MUST NOT be present without ``claims`` (§6.4.1) -> ``claim_sets_without_claims``; with
  ``claim_sets`` every claim has an ``id`` (§6.3) -> ``missing_claim_id`` and every referenced id exists
  -> ``unknown_claim_id``; every id in ``options`` names a Credential Query (§6.2) -> ``unknown_credential_id``.

Unknown properties are kept and ignored (§6: implementations MUST ignore them). Evaluating a response against
a query is ``oid4vc.presentation.dcql_match``.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any, Literal, get_args

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError

from oid4vc.jose import JsonObject
from oid4vc.model import Message, describe_validation_error
from oid4vc.presentation.claims_path import ClaimsPathError, ClaimsPathPointer, claims_path_pointer
from oid4vc.presentation.errors import InvalidDcqlQueryError

__all__ = [
    "FORMAT_DC_SD_JWT",
    "FORMAT_JWT_VC_JSON",
    "FORMAT_LDP_VC",
    "FORMAT_MSO_MDOC",
    "ClaimsQuery",
    "CredentialQuery",
    "CredentialSetQuery",
    "DcqlQuery",
    "DcqlReason",
    "TrustedAuthoritiesQuery",
    "parse_dcql_query",
]

FORMAT_DC_SD_JWT = "dc+sd-jwt"
FORMAT_JWT_VC_JSON = "jwt_vc_json"
FORMAT_LDP_VC = "ldp_vc"
FORMAT_MSO_MDOC = "mso_mdoc"
_W3C_FORMATS = frozenset({FORMAT_JWT_VC_JSON, FORMAT_LDP_VC})

DcqlReason = Literal[
    "malformed",
    "empty_array",
    "invalid_id",
    "duplicate_credential_id",
    "duplicate_claim_id",
    "missing_claim_id",
    "unknown_claim_id",
    "unknown_credential_id",
    "claim_sets_without_claims",
    "invalid_claims_path",
    "duplicate_claim_path",
    "invalid_meta",
    "unsupported_format",
]
_REASONS = frozenset(get_args(DcqlReason))
_ID = re.compile(r"^[A-Za-z0-9_-]+$")


def _fail(reason: DcqlReason, message: str) -> PydanticCustomError:
    return PydanticCustomError(reason, message)


def _non_empty(value: list[Any] | None, what: str) -> None:
    if value is not None and not value:
        raise _fail("empty_array", f"{what} must be a non-empty array")


def _check_id(value: str | None, what: str) -> None:
    if value is not None and not _ID.match(value):
        raise _fail("invalid_id", f"{what} id must be non-empty and use only A-Z a-z 0-9 _ -")


def _string_list(value: object) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) and v for v in value)


class TrustedAuthoritiesQuery(Message):
    """§6.1.1: ``type`` (``aki``, ``etsi_tl``, ``openid_federation``, ...) and non-empty ``values``."""

    type: str
    values: list[str]

    @model_validator(mode="after")
    def _rules(self) -> TrustedAuthoritiesQuery:
        _non_empty(self.values, "trusted_authorities values")
        return self


class ClaimsQuery(Message):
    """§6.3."""

    id: str | None = None
    path: list[str | int | None]
    values: list[str | bool | int] | None = None
    intent_to_retain: bool | None = None  # mso_mdoc only (App. B.2.4)

    @model_validator(mode="after")
    def _rules(self) -> ClaimsQuery:
        _check_id(self.id, "claim")
        _non_empty(self.values, "claims values")
        try:
            claims_path_pointer(self.path)
        except ClaimsPathError as exc:
            raise _fail("invalid_claims_path", str(exc)) from None
        return self

    @property
    def pointer(self) -> ClaimsPathPointer:
        return tuple(self.path)


class CredentialQuery(Message):
    """§6.1."""

    id: str
    format: str
    multiple: bool = False
    meta: JsonObject
    trusted_authorities: list[TrustedAuthoritiesQuery] | None = None
    require_cryptographic_holder_binding: bool = True
    claims: list[ClaimsQuery] | None = None
    claim_sets: list[list[str]] | None = None

    @model_validator(mode="after")
    def _rules(self) -> CredentialQuery:
        _check_id(self.id, "credential query")
        _non_empty(self.trusted_authorities, "trusted_authorities")
        _non_empty(self.claims, "claims")
        _non_empty(self.claim_sets, "claim_sets")
        for claim_set in self.claim_sets or []:
            _non_empty(claim_set, "each claim_sets entry")
        self._check_meta()
        self._check_claims()
        return self

    def _check_meta(self) -> None:
        meta = self.meta
        if self.format == FORMAT_DC_SD_JWT and not _string_list(meta.get("vct_values")):
            raise _fail("invalid_meta", "meta.vct_values must be a non-empty array of strings for dc+sd-jwt")
        if self.format in _W3C_FORMATS:
            type_values = meta.get("type_values")
            if not isinstance(type_values, list) or not type_values or not all(map(_string_list, type_values)):
                raise _fail("invalid_meta", "meta.type_values must be a non-empty array of non-empty string arrays")
        if self.format == FORMAT_MSO_MDOC and not isinstance(meta.get("doctype_value"), str):
            raise _fail("invalid_meta", "meta.doctype_value must be a string for mso_mdoc")

    def _check_claims(self) -> None:
        claims = self.claims or []
        if self.claim_sets is not None and self.claims is None:
            raise _fail("claim_sets_without_claims", "claim_sets must not be present without claims")
        ids = [c.id for c in claims if c.id is not None]
        if len(ids) != len(set(ids)):
            raise _fail("duplicate_claim_id", "claim ids must be unique within claims")
        paths = [c.pointer for c in claims]
        if len(paths) != len(set(paths)):
            raise _fail("duplicate_claim_path", "claims must not point to the same claim more than once")
        if self.format == FORMAT_MSO_MDOC and any(len(p) != 2 or not all(isinstance(x, str) for x in p) for p in paths):
            raise _fail("invalid_claims_path", "an mso_mdoc claims path is [namespace, data element identifier]")
        if self.claim_sets is not None:
            if len(ids) != len(claims):
                raise _fail("missing_claim_id", "every claim needs an id when claim_sets is present")
            if any(claim_id not in ids for claim_set in self.claim_sets for claim_id in claim_set):
                raise _fail("unknown_claim_id", "claim_sets references a claim id that is not in claims")

    @property
    def vct_values(self) -> tuple[str, ...]:
        return tuple(self.meta.get("vct_values", ())) if self.format == FORMAT_DC_SD_JWT else ()

    @property
    def type_values(self) -> tuple[tuple[str, ...], ...]:
        if self.format not in _W3C_FORMATS:
            return ()
        return tuple(tuple(alternative) for alternative in self.meta.get("type_values", ()))

    @property
    def doctype_value(self) -> str | None:
        return self.meta.get("doctype_value") if self.format == FORMAT_MSO_MDOC else None

    def claim(self, claim_id: str) -> ClaimsQuery:
        return next(c for c in self.claims or [] if c.id == claim_id)


class CredentialSetQuery(Message):
    """§6.2."""

    options: list[list[str]]
    required: bool = True

    @model_validator(mode="after")
    def _rules(self) -> CredentialSetQuery:
        _non_empty(self.options, "options")
        for option in self.options:
            _non_empty(option, "each options entry")
        return self


class DcqlQuery(Message):
    """§6: the top-level query."""

    credentials: list[CredentialQuery]
    credential_sets: list[CredentialSetQuery] | None = Field(default=None)

    @field_validator("credentials")
    @classmethod
    def _credentials_non_empty(cls, value: list[CredentialQuery]) -> list[CredentialQuery]:
        _non_empty(value, "credentials")
        return value

    @model_validator(mode="after")
    def _rules(self) -> DcqlQuery:
        _non_empty(self.credential_sets, "credential_sets")
        ids = [c.id for c in self.credentials]
        if len(ids) != len(set(ids)):
            raise _fail("duplicate_credential_id", "credential query ids must be unique")
        for credential_set in self.credential_sets or []:
            if any(i not in ids for option in credential_set.options for i in option):
                raise _fail("unknown_credential_id", "credential_sets options reference an unknown credential query id")
        return self

    def credential(self, credential_query_id: str) -> CredentialQuery | None:
        return next((c for c in self.credentials if c.id == credential_query_id), None)

    @property
    def requires_state(self) -> bool:
        """§5.3: ``state`` is REQUIRED when any Credential Query accepts a Presentation without Holder Binding."""
        return any(not c.require_cryptographic_holder_binding for c in self.credentials)

    @property
    def formats(self) -> frozenset[str]:
        return frozenset(c.format for c in self.credentials)

    def to_json(self) -> JsonObject:
        """The query as sent in ``dcql_query``: what was given (defaults are not added), unknown members kept."""
        return self.model_dump(mode="json", exclude_unset=True)


def parse_dcql_query(data: object, *, supported_formats: Collection[str] | None = None) -> DcqlQuery:
    """Validate a ``dcql_query`` JSON object. Raises InvalidDcqlQueryError (``invalid_request``) with a reason."""
    if not isinstance(data, dict):
        raise InvalidDcqlQueryError("malformed", "dcql_query must be a JSON object")
    try:
        query = DcqlQuery.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]["type"]
        reason = first if first in _REASONS else "malformed"
        raise InvalidDcqlQueryError(reason, f"dcql_query: {describe_validation_error(exc)}") from None
    if supported_formats is not None:
        unsupported = sorted(query.formats - set(supported_formats))
        if unsupported:
            raise InvalidDcqlQueryError("unsupported_format", f"dcql_query: format {unsupported[0]} is not supported")
    return query
