"""Learning and Employment Records: Open Badges 3.0 and CLR 2.0 (1EdTech OB 3.0 and CLR 2.0 data models, #data-model).

A pure layer (no I/O of its own besides reading bundled package data once): issuer input models
(``models``, ``inputs``), unsigned credential builders (``build``), 1EdTech JSON Schema validation
(``schema``), offer-time checks (``offer``), OpenID4VCI display metadata (``display``) and summaries for people
(``summary``). Every problem with issuer data is a ``LerValidationError`` whose message names the field path.
"""

from __future__ import annotations

from oid4vc.ler.build import (
    CLR_CONTEXT,
    OB_CONTEXT,
    OB_EXTENSIONS_CONTEXT,
    VC_V1_CONTEXT,
    VC_V2_CONTEXT,
    Vcdm,
    build_achievement_credential,
    build_clr_credential,
    datetime_z,
)
from oid4vc.ler.display import achievement_claims, clr_claims, credential_display
from oid4vc.ler.errors import FieldError, LerValidationError
from oid4vc.ler.inputs import (
    AchievementSubjectInput,
    Association,
    ClrSubjectInput,
    parse_achievement_subject,
    parse_clr_subject,
)
from oid4vc.ler.models import (
    Achievement,
    Alignment,
    Criteria,
    Evidence,
    IdentifierEntry,
    IdentityObject,
    Image,
    Profile,
    Result,
    ResultDescription,
    RubricCriterionLevel,
    identity_object,
    parse_profile,
)
from oid4vc.ler.offer import CheckedAchievementOffer, CheckedClrOffer, check_achievement_offer, check_clr_offer
from oid4vc.ler.schema import validate_credential
from oid4vc.ler.summary import AchievementInfo, AchievementSummary, AlignmentSummary, ResultSummary, summarize

__all__ = [
    "CLR_CONTEXT",
    "OB_CONTEXT",
    "OB_EXTENSIONS_CONTEXT",
    "VC_V1_CONTEXT",
    "VC_V2_CONTEXT",
    "Achievement",
    "AchievementInfo",
    "AchievementSubjectInput",
    "AchievementSummary",
    "Alignment",
    "AlignmentSummary",
    "Association",
    "CheckedAchievementOffer",
    "CheckedClrOffer",
    "ClrSubjectInput",
    "Criteria",
    "Evidence",
    "FieldError",
    "IdentifierEntry",
    "IdentityObject",
    "Image",
    "LerValidationError",
    "Profile",
    "Result",
    "ResultDescription",
    "ResultSummary",
    "RubricCriterionLevel",
    "Vcdm",
    "achievement_claims",
    "build_achievement_credential",
    "build_clr_credential",
    "check_achievement_offer",
    "check_clr_offer",
    "clr_claims",
    "credential_display",
    "datetime_z",
    "identity_object",
    "parse_achievement_subject",
    "parse_clr_subject",
    "parse_profile",
    "summarize",
    "validate_credential",
]
