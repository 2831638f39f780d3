"""What an operator sends as ``credential_subject`` in ``POST /admin/offers`` (OB 3.0
#achievementsubject; CLR 2.0 #clrsubject and #association).

**AchievementSubjectInput** (one OpenBadgeCredential). Every key that is an AchievementSubject term
(``achievement``, ``result``, ``identifier``, ``activityStartDate``, ``activityEndDate``, ``creditsEarned``,
``term``, ``role``, ``licenseNumber``, ``narrative``, ``image``, ``source`` and any extension term) goes into
``credentialSubject`` as given. Four keys are *envelope* options and go on the credential instead:

- ``name`` / ``description``: the credential's ``name`` (default: the achievement name) and ``description``;
  AchievementSubject has neither term, so there is no clash;
- ``evidence``: the credential's ``evidence[]`` (OB 3.0 puts Evidence on the credential, not the subject);
- ``valid_until``: ``validUntil`` as a DateTimeZ string (snake case: it is our option, not a spec term).

``id`` is used as ``credentialSubject.id`` only when the wallet gives no holder binding; the holder's DID
always wins. Either a holder id, ``id`` or ``identifier[]`` must exist (OB 3.0 #achievementsubject).

**ClrSubjectInput** (one ClrCredential): ``credential_subjects`` is a non-empty list of
AchievementSubjectInput, one nested OpenBadgeCredential each; ``name``, ``description``, ``valid_until`` and
``partial`` are envelope options; ``achievement[]``, ``association[]``, ``identifier[]`` and extension terms
go into the ClrSubject.

Parsing also checks what the schema cannot: each ``result[].resultDescription`` / ``achievedLevel`` names an
id defined in the achievement, and ``activityEndDate`` is not before ``activityStartDate``.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field

from oid4vc.jose import JsonObject
from oid4vc.ler.errors import FieldError, LerValidationError, PathItem
from oid4vc.ler.models import (
    Achievement,
    AsList,
    DateTimeZ,
    Evidence,
    IdentityObject,
    Image,
    LerModel,
    Number,
    Profile,
    Result,
    Text,
    TypedLerModel,
    TypeSet,
    Uri,
    parse_datetime_z,
    parse_model,
)

__all__ = [
    "AchievementSubjectInput",
    "Association",
    "AssociationType",
    "ClrSubjectInput",
    "parse_achievement_subject",
    "parse_clr_subject",
]


class AchievementSubjectInput(TypedLerModel):
    """``credential_subject`` for one OpenBadgeCredential (see the module docstring for the envelope keys)."""

    ENVELOPE_KEYS: ClassVar[frozenset[str]] = frozenset({"name", "description", "evidence", "valid_until"})
    REQUIRED_TYPE = "AchievementSubject"
    id: Uri | None = None
    type: TypeSet
    achievement: Achievement
    identifier: Annotated[list[IdentityObject], AsList] | None = None
    result: Annotated[list[Result], AsList] | None = None
    activityStartDate: DateTimeZ | None = None
    activityEndDate: DateTimeZ | None = None
    creditsEarned: Number | None = None
    term: str | None = None
    role: str | None = None
    licenseNumber: str | None = None
    narrative: str | None = None
    image: Image | None = None
    source: Profile | None = None
    # Envelope options (not AchievementSubject terms).
    name: Text | None = None
    description: str | None = None
    evidence: Annotated[list[Evidence], AsList] | None = None
    valid_until: DateTimeZ | None = None

    def subject_terms(self) -> JsonObject:
        """The AchievementSubject terms (without ``id``, which the builder sets)."""
        return {k: v for k, v in self.to_json().items() if k not in self.ENVELOPE_KEYS and k != "id"}


AssociationType = Literal[
    "exactMatchOf", "isChildOf", "isParentOf", "isPartOf", "isPeerOf", "isRelatedTo", "precedes", "replacedBy"
]


class Association(LerModel):
    """CLR 2.0 #association: a relation between two achievements (by id)."""

    type: Literal["Association"] = "Association"
    associationType: AssociationType
    sourceId: Uri
    targetId: Uri


class ClrSubjectInput(TypedLerModel):
    """``credential_subject`` for one ClrCredential: the badges to nest, plus ClrSubject terms."""

    ENVELOPE_KEYS: ClassVar[frozenset[str]] = frozenset(
        {"credential_subjects", "name", "description", "valid_until", "partial"}
    )
    REQUIRED_TYPE = "ClrSubject"
    id: Uri | None = None
    type: TypeSet
    credential_subjects: Annotated[list[AchievementSubjectInput], Field(min_length=1)]
    achievement: Annotated[list[Achievement], AsList] | None = None
    association: Annotated[list[Association], AsList] | None = None
    identifier: Annotated[list[IdentityObject], AsList] | None = None
    # Envelope options (not ClrSubject terms).
    name: Text | None = None
    description: str | None = None
    valid_until: DateTimeZ | None = None
    partial: bool | None = None

    def subject_terms(self) -> JsonObject:
        """The ClrSubject terms except ``id`` and ``verifiableCredential`` (the builder sets both)."""
        return {k: v for k, v in self.to_json().items() if k not in self.ENVELOPE_KEYS and k != "id"}


def _subject_links(subject: AchievementSubjectInput, path: tuple[PathItem, ...]) -> list[FieldError]:
    """Cross-field rules the schema cannot express: result links and activity dates."""
    errors: list[FieldError] = []
    descriptions = {rd.id: rd for rd in subject.achievement.resultDescription or ()}
    levels = {lvl.id for rd in descriptions.values() for lvl in rd.rubricCriterionLevel or ()}
    for i, result in enumerate(subject.result or ()):
        if result.resultDescription is not None and result.resultDescription not in descriptions:
            errors.append(
                FieldError(
                    (*path, "result", i, "resultDescription"), "does not match any achievement.resultDescription id"
                )
            )
        if result.achievedLevel is not None and result.achievedLevel not in levels:
            errors.append(
                FieldError(
                    (*path, "result", i, "achievedLevel"),
                    "does not match any rubricCriterionLevel id of the achievement",
                )
            )
    if (
        subject.activityStartDate
        and subject.activityEndDate
        and (parse_datetime_z(subject.activityEndDate) < parse_datetime_z(subject.activityStartDate))
    ):
        errors.append(FieldError((*path, "activityEndDate"), "is before activityStartDate"))
    return errors


def parse_achievement_subject(
    data: object, *, path: tuple[PathItem, ...] = ("credential_subject",)
) -> AchievementSubjectInput:
    """Parse an operator's ``credential_subject`` for an OpenBadgeCredential. Raises LerValidationError."""
    subject = parse_model(AchievementSubjectInput, data, path)
    if errors := _subject_links(subject, path):
        raise LerValidationError(errors)
    return subject


def parse_clr_subject(data: object, *, path: tuple[PathItem, ...] = ("credential_subject",)) -> ClrSubjectInput:
    """Parse an operator's ``credential_subject`` for a ClrCredential. Raises LerValidationError."""
    clr = parse_model(ClrSubjectInput, data, path)
    errors = [
        e
        for i, subject in enumerate(clr.credential_subjects)
        for e in _subject_links(subject, (*path, "credential_subjects", i))
    ]
    if errors:
        raise LerValidationError(errors)
    return clr
