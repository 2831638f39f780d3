"""Unsigned OpenBadgeCredential and ClrCredential documents (OB 3.0 #achievementcredential,
CLR 2.0 #clrcredential, VCDM 2.0 §4; VCDM 1.1 §4 for the legacy shape).

The builders are pure: ids, the holder id and all times come from the caller. The result is the credential a
format (``ldp_vc``, ``jwt_vc_json``, ...) then secures; it is not validated here, call
``oid4vc.ler.schema.validate_credential`` (offers do that through ``oid4vc.ler.offer``).

Shape choices (following the 1EdTech validator and the OB 3.0 conformance guide):

- ``@context`` order is fixed: VC v2, [CLR 2.0.1,] OB 3.0.3, then optional contexts. ``vcdm="1.1"`` swaps
  VC v2 for ``https://www.w3.org/2018/credentials/v1`` and ``validFrom``/``validUntil`` for
  ``issuanceDate``/``expirationDate``, for older wallets and Ed25519Signature2020 (the suite context is the
  signer's to add, e.g. through ``extra_contexts``).
- Every ``type`` is an array; dates are DateTimeZ ``YYYY-MM-DDTHH:MM:SSZ`` in UTC; ``name`` is always emitted
  (required for ClrCredential, used by wallets for all); ``awardedDate`` defaults to ``validFrom``.
- ``credentialSchema`` (``1EdTechJsonSchemaValidator2019``) is **opt-in**: that type is defined only in the OB
  ``extensions.json`` context, and VC v2 has no ``@vocab``, so emitting it also appends that context. The
  credential validates against the same schema either way.
- A ``credentialStatus`` given by the caller is copied as is; with VCDM 1.1 a ``BitstringStatusListEntry``
  also appends the status list context (VC v1 does not define it; VC v2 does).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Literal

from oid4vc.jose import JsonObject
from oid4vc.ler.errors import LerValidationError, PathItem
from oid4vc.ler.inputs import (
    AchievementSubjectInput,
    ClrSubjectInput,
    parse_achievement_subject,
    parse_clr_subject,
)
from oid4vc.ler.models import Profile, is_absolute_uri, parse_datetime_z, parse_profile

__all__ = [
    "CLR_CONTEXT",
    "CLR_SCHEMA_ID",
    "DEFAULT_CLR_NAME",
    "OB_CONTEXT",
    "OB_EXTENSIONS_CONTEXT",
    "OB_SCHEMA_ID",
    "SCHEMA_VALIDATOR_TYPE",
    "STATUS_V1_CONTEXT",
    "VC_V1_CONTEXT",
    "VC_V2_CONTEXT",
    "Vcdm",
    "build_achievement_credential",
    "build_clr_credential",
    "datetime_z",
]

VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
VC_V1_CONTEXT = "https://www.w3.org/2018/credentials/v1"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CLR_CONTEXT = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
OB_EXTENSIONS_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
STATUS_V1_CONTEXT = "https://www.w3.org/ns/credentials/status/v1"
OB_SCHEMA_ID = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
CLR_SCHEMA_ID = "https://purl.imsglobal.org/spec/clr/v2p0/schema/json/clr_v2p0_clrcredential_schema.json"
SCHEMA_VALIDATOR_TYPE = "1EdTechJsonSchemaValidator2019"
DEFAULT_CLR_NAME = "Comprehensive Learner Record"

Vcdm = Literal["2.0", "1.1"]

_SUBJECT: tuple[PathItem, ...] = ("credential_subject",)


def datetime_z(at: datetime) -> str:
    """OB DateTimeZ in UTC with second precision, e.g. ``2024-01-31T12:00:00Z``."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("datetime must be timezone-aware")
    u = at.astimezone(UTC)
    return f"{u.year:04d}-{u.month:02d}-{u.day:02d}T{u.hour:02d}:{u.minute:02d}:{u.second:02d}Z"


def _uri_or_error(value: str, path: tuple[PathItem, ...]) -> str:
    if not is_absolute_uri(value):
        raise LerValidationError.at(path, "must be an absolute URI")
    return value


def _issuer_json(issuer: JsonObject | Profile) -> JsonObject:
    return (issuer if isinstance(issuer, Profile) else parse_profile(issuer)).to_json()


def _contexts(base: Sequence[str], extra: Sequence[str]) -> list[str]:
    out: list[str] = []
    for url in (*base, *extra):
        if url not in out:
            out.append(url)
    return out


def _status_types(status: JsonObject | list[JsonObject] | None) -> set[str]:
    entries = status if isinstance(status, list) else [status] if status else []
    types: set[str] = set()
    for entry in entries:
        t = entry.get("type")
        types.update(t if isinstance(t, list) else [t] if isinstance(t, str) else [])
    return types


def _envelope(
    *,
    vcdm: Vcdm,
    middle_contexts: Sequence[str],
    credential_type: str,
    credential_id: str,
    issuer: JsonObject | Profile,
    valid_from: datetime,
    valid_until: datetime | None,
    credential_schema: str | None,
    credential_status: JsonObject | list[JsonObject] | None,
    extra_contexts: Sequence[str],
) -> tuple[JsonObject, JsonObject]:
    """The envelope before the body (``@context`` .. ``issuer``, dates) and after it (schema, status)."""
    base = [VC_V2_CONTEXT if vcdm == "2.0" else VC_V1_CONTEXT, *middle_contexts]
    if credential_schema:
        base.append(OB_EXTENSIONS_CONTEXT)
    if vcdm == "1.1" and "BitstringStatusListEntry" in _status_types(credential_status):
        base.append(STATUS_V1_CONTEXT)
    head: JsonObject = {
        "@context": _contexts(base, extra_contexts),
        "id": _uri_or_error(credential_id, ("id",)),
        "type": ["VerifiableCredential", credential_type],
        "issuer": _issuer_json(issuer),
    }
    from_key, until_key = ("validFrom", "validUntil") if vcdm == "2.0" else ("issuanceDate", "expirationDate")
    head[from_key] = datetime_z(valid_from)
    if valid_until is not None:
        if valid_until <= valid_from:
            raise LerValidationError.at((*_SUBJECT, "valid_until"), "must be after validFrom")
        head[until_key] = datetime_z(valid_until)
    tail: JsonObject = {}
    if credential_schema:
        tail["credentialSchema"] = [{"id": credential_schema, "type": SCHEMA_VALIDATOR_TYPE}]
    if credential_status is not None:
        tail["credentialStatus"] = credential_status
    return head, tail


def _until(explicit: datetime | None, from_input: str | None) -> datetime | None:
    return explicit if explicit is not None else parse_datetime_z(from_input) if from_input else None


def _subject_id(holder_id: str | None, input_id: str | None, path: tuple[PathItem, ...]) -> str | None:
    if holder_id is not None:
        return _uri_or_error(holder_id, path)
    return input_id


def build_achievement_credential(
    subject: AchievementSubjectInput | JsonObject,
    *,
    credential_id: str,
    issuer: JsonObject | Profile,
    holder_id: str | None,
    valid_from: datetime,
    valid_until: datetime | None = None,
    awarded_date: datetime | None = None,
    vcdm: Vcdm = "2.0",
    credential_schema: bool = False,
    credential_status: JsonObject | list[JsonObject] | None = None,
    extra_contexts: Sequence[str] = (),
) -> JsonObject:
    """An unsigned OpenBadgeCredential for ``subject``.

    ``holder_id`` (the DID of the holder's key) becomes ``credentialSubject.id``; without it the input ``id``
    or ``identifier[]`` must identify the learner. ``valid_until`` defaults to the input's ``valid_until``.
    Raises LerValidationError for bad input, ValueError for a naive datetime.
    """
    subj = subject if isinstance(subject, AchievementSubjectInput) else parse_achievement_subject(subject)
    subject_id = _subject_id(holder_id, subj.id, ("credentialSubject", "id"))
    if subject_id is None and not subj.identifier:
        raise LerValidationError.at(_SUBJECT, "needs a holder id (holder binding), an id or identifier[]")
    head, tail = _envelope(
        vcdm=vcdm,
        middle_contexts=[OB_CONTEXT],
        credential_type="OpenBadgeCredential",
        credential_id=credential_id,
        issuer=issuer,
        valid_from=valid_from,
        valid_until=_until(valid_until, subj.valid_until),
        credential_schema=OB_SCHEMA_ID if credential_schema else None,
        credential_status=credential_status,
        extra_contexts=extra_contexts,
    )
    achievement = subj.achievement
    body: JsonObject = {"name": subj.name or achievement.name}
    if subj.description:
        body["description"] = subj.description
    if achievement.image is not None:
        body["image"] = achievement.image.to_json()
    credential_subject: JsonObject = {"id": subject_id} if subject_id else {}
    credential_subject |= subj.subject_terms()
    body["credentialSubject"] = credential_subject
    body["awardedDate"] = datetime_z(awarded_date or valid_from)
    if subj.evidence:
        body["evidence"] = [e.to_json() for e in subj.evidence]
    return head | body | tail


def build_clr_credential(
    subject: ClrSubjectInput | JsonObject,
    *,
    credential_id: str,
    issuer: JsonObject | Profile,
    holder_id: str | None,
    valid_from: datetime,
    valid_until: datetime | None = None,
    signed_achievement_credentials: Sequence[JsonObject],
    awarded_date: datetime | None = None,
    vcdm: Vcdm = "2.0",
    credential_schema: bool = False,
    credential_status: JsonObject | list[JsonObject] | None = None,
    extra_contexts: Sequence[str] = (),
) -> JsonObject:
    """An unsigned ClrCredential whose ClrSubject nests ``signed_achievement_credentials`` (each secured on
    its own, normally built from ``subject.credential_subjects`` in order). ``name`` defaults to
    ``DEFAULT_CLR_NAME``. Raises LerValidationError for bad input, ValueError for a naive datetime."""
    clr = subject if isinstance(subject, ClrSubjectInput) else parse_clr_subject(subject)
    if not signed_achievement_credentials:
        raise LerValidationError.at(("credentialSubject", "verifiableCredential"), "needs at least one credential")
    subject_id = _subject_id(holder_id, clr.id, ("credentialSubject", "id"))
    head, tail = _envelope(
        vcdm=vcdm,
        middle_contexts=[CLR_CONTEXT, OB_CONTEXT],
        credential_type="ClrCredential",
        credential_id=credential_id,
        issuer=issuer,
        valid_from=valid_from,
        valid_until=_until(valid_until, clr.valid_until),
        credential_schema=CLR_SCHEMA_ID if credential_schema else None,
        credential_status=credential_status,
        extra_contexts=extra_contexts,
    )
    body: JsonObject = {"name": clr.name or DEFAULT_CLR_NAME}
    if clr.description:
        body["description"] = clr.description
    if clr.partial is not None:
        body["partial"] = clr.partial
    terms = clr.subject_terms()
    credential_subject: JsonObject = {"id": subject_id} if subject_id else {}
    credential_subject["type"] = terms.pop("type")
    credential_subject["verifiableCredential"] = list(signed_achievement_credentials)
    credential_subject |= terms
    body["credentialSubject"] = credential_subject
    body["awardedDate"] = datetime_z(awarded_date or valid_from)
    return head | body | tail
