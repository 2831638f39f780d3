"""Offer-time checks of LER input (OB 3.0 / CLR 2.0 #data-model, 1EdTech JSON Schema validation).

A bad ``credential_subject`` must be refused when the operator creates the offer (a 400 from the admin API),
never discovered when the wallet comes to fetch the credential. So ``check_achievement_offer`` and
``check_clr_offer`` parse the input, build the credential as issuance will (with placeholder credential and
holder ids) and validate it against the 1EdTech schema. Schema errors are reported against the input where
the field came from (``credential_subject.achievement.inLanguage``, ``credential_subject.evidence[0].type``);
fields the operator did not supply keep their credential path under ``credential.`` (``issuer.*`` stays
``issuer.*``: the issuer profile comes from configuration).

The returned ``preview`` is that placeholder credential: the caller can run format checks on it too (e.g. the
JSON-LD undefined-term check of ``ldp_vc`` signing) so those also fail at offer time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from oid4vc.jose import JsonObject
from oid4vc.ler.build import Vcdm, build_achievement_credential, build_clr_credential
from oid4vc.ler.errors import LerValidationError, PathItem
from oid4vc.ler.inputs import (
    AchievementSubjectInput,
    ClrSubjectInput,
    parse_achievement_subject,
    parse_clr_subject,
)
from oid4vc.ler.models import Profile, parse_datetime_z, parse_profile
from oid4vc.ler.schema import validate_credential

__all__ = [
    "PLACEHOLDER_CREDENTIAL_ID",
    "PLACEHOLDER_HOLDER_ID",
    "CheckedAchievementOffer",
    "CheckedClrOffer",
    "check_achievement_offer",
    "check_clr_offer",
]

PLACEHOLDER_CREDENTIAL_ID = "urn:uuid:00000000-0000-4000-8000-000000000000"
PLACEHOLDER_HOLDER_ID = "did:example:holder"

_SUBJECT: tuple[PathItem, ...] = ("credential_subject",)
# Credential members built from input fields (the rest come from us or from the issuer configuration).
_FROM_INPUT: dict[PathItem, tuple[PathItem, ...]] = {
    "name": ("name",),
    "description": ("description",),
    "evidence": ("evidence",),
    "validUntil": ("valid_until",),
    "expirationDate": ("valid_until",),
    "image": ("achievement", "image"),
}


@dataclass(frozen=True, slots=True)
class CheckedAchievementOffer:
    subject: AchievementSubjectInput
    preview: JsonObject


@dataclass(frozen=True, slots=True)
class CheckedClrOffer:
    subject: ClrSubjectInput
    preview: JsonObject


def _input_path(path: tuple[PathItem, ...], subject_root: tuple[PathItem, ...]) -> tuple[PathItem, ...]:
    """Map a path in one OpenBadgeCredential to the input field it was built from."""
    if path[:1] == ("credentialSubject",):
        return (*subject_root, *path[1:])
    if path and path[0] in _FROM_INPUT:
        return (*subject_root, *_FROM_INPUT[path[0]], *path[1:])
    if path[:1] == ("issuer",):
        return path
    return ("credential", *path)


def _clr_input_path(path: tuple[PathItem, ...]) -> tuple[PathItem, ...]:
    nested = ("credentialSubject", "verifiableCredential")
    if path[:2] == nested and len(path) > 2 and isinstance(path[2], int):
        return _input_path(path[3:], (*_SUBJECT, "credential_subjects", path[2]))
    return _input_path(path, _SUBJECT)


def _check_until(valid_until: str | None, now: datetime, path: tuple[PathItem, ...]) -> None:
    if valid_until is not None and parse_datetime_z(valid_until) <= now:
        raise LerValidationError.at((*path, "valid_until"), "is not in the future")


def _issuer(issuer: JsonObject | Profile) -> Profile:
    return issuer if isinstance(issuer, Profile) else parse_profile(issuer)


def check_achievement_offer(
    credential_subject: object,
    *,
    issuer: JsonObject | Profile,
    now: datetime,
    holder_binding: bool = True,
    vcdm: Vcdm = "2.0",
    credential_schema: bool = False,
) -> CheckedAchievementOffer:
    """Validate an OpenBadgeCredential offer's ``credential_subject``. Raises LerValidationError.

    ``holder_binding=False`` means the credential will carry no holder DID, so the input needs ``id`` or
    ``identifier[]``.
    """
    subject = parse_achievement_subject(credential_subject, path=_SUBJECT)
    _check_until(subject.valid_until, now, _SUBJECT)
    preview = build_achievement_credential(
        subject,
        credential_id=PLACEHOLDER_CREDENTIAL_ID,
        issuer=_issuer(issuer),
        holder_id=PLACEHOLDER_HOLDER_ID if holder_binding else None,
        valid_from=now,
        vcdm=vcdm,
        credential_schema=credential_schema,
    )
    try:
        validate_credential(preview)
    except LerValidationError as exc:
        raise exc.remapped(lambda path: _input_path(path, _SUBJECT)) from None
    return CheckedAchievementOffer(subject, preview)


def check_clr_offer(
    credential_subject: object,
    *,
    issuer: JsonObject | Profile,
    now: datetime,
    holder_binding: bool = True,
    vcdm: Vcdm = "2.0",
    credential_schema: bool = False,
) -> CheckedClrOffer:
    """Validate a ClrCredential offer's ``credential_subject`` (and every badge it nests). Raises
    LerValidationError."""
    clr = parse_clr_subject(credential_subject, path=_SUBJECT)
    _check_until(clr.valid_until, now, _SUBJECT)
    profile = _issuer(issuer)
    holder_id = PLACEHOLDER_HOLDER_ID if holder_binding else None
    nested: list[JsonObject] = []
    for i, subject in enumerate(clr.credential_subjects):
        _check_until(subject.valid_until, now, (*_SUBJECT, "credential_subjects", i))
        try:
            badge = build_achievement_credential(
                subject,
                credential_id=PLACEHOLDER_CREDENTIAL_ID,
                issuer=profile,
                holder_id=holder_id,
                valid_from=now,
                vcdm=vcdm,
                credential_schema=credential_schema,
            )
        except LerValidationError as exc:
            raise exc.rebased(_SUBJECT, (*_SUBJECT, "credential_subjects", i)) from None
        nested.append(badge)
    preview = build_clr_credential(
        clr,
        credential_id=PLACEHOLDER_CREDENTIAL_ID,
        issuer=profile,
        holder_id=holder_id,
        valid_from=now,
        signed_achievement_credentials=nested,
        vcdm=vcdm,
        credential_schema=credential_schema,
    )
    try:
        validate_credential(preview)
    except LerValidationError as exc:
        raise exc.remapped(_clr_input_path) from None
    return CheckedClrOffer(clr, preview)
