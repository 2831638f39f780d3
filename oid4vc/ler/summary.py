"""Summaries of OB 3.0 / CLR 2.0 credentials for people (OB 3.0 #achievementcredential,
#achievement, #alignment, #result; CLR 2.0 #clrcredential, #clrsubject).

``summarize`` reads what a verifier shows about a presented credential: who issued it to whom, for which
achievement(s), with which results and alignments, and when it is valid. It never raises on odd shapes: a
received credential has passed signature checks but not necessarily the schema, so missing or malformed members
become ``None`` or empty tuples. Text given as a JSON-LD language map yields its first value. Dates are kept as
the credential states them (DateTimeZ strings); VCDM 1.1 ``issuanceDate``/``expirationDate`` are read as
``valid_from``/``valid_until``.

For a ClrCredential, ``achievements`` lists the ClrSubject's own ``achievement[]`` and ``credentials`` holds a
summary of each nested credential (a nested compact JWS is decoded for display only; its signature is the
verifier's business).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from oid4vc.jose import JsonObject, parse_compact_jws

__all__ = ["AchievementInfo", "AchievementSummary", "AlignmentSummary", "ResultSummary", "summarize"]

_MAX_NESTING = 4


@dataclass(frozen=True, slots=True)
class AlignmentSummary:
    target_name: str | None
    target_url: str | None
    target_code: str | None


@dataclass(frozen=True, slots=True)
class ResultSummary:
    """A Result with its links resolved to names where the achievement defines them."""

    value: str | None
    status: str | None
    result_description: str | None  # the ResultDescription's name (else its id)
    achieved_level: str | None  # the RubricCriterionLevel's name (else its id)
    alignments: tuple[AlignmentSummary, ...]


@dataclass(frozen=True, slots=True)
class AchievementInfo:
    id: str | None
    name: str | None
    description: str | None
    types: tuple[str, ...]
    achievement_type: str | None  # OB ``achievementType`` (Badge, Certificate, Degree, ext:...)
    alignments: tuple[AlignmentSummary, ...]


@dataclass(frozen=True, slots=True)
class AchievementSummary:
    credential_type: str | None  # OpenBadgeCredential, AchievementCredential, ClrCredential, ...
    credential_id: str | None
    name: str | None
    issuer_id: str | None
    issuer_name: str | None
    holder_id: str | None
    achievements: tuple[AchievementInfo, ...]
    results: tuple[ResultSummary, ...]
    valid_from: str | None
    valid_until: str | None
    awarded_date: str | None
    credentials: tuple[AchievementSummary, ...] = ()  # nested credentials of a ClrCredential


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return next((v for v in value.values() if isinstance(v, str)), None)
    return None


def _many(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


def _objects(value: Any) -> list[JsonObject]:
    return [v for v in _many(value) if isinstance(v, dict)]


def _types(value: Any) -> tuple[str, ...]:
    return tuple(t for t in _many(value) if isinstance(t, str))


def _alignments(value: Any) -> tuple[AlignmentSummary, ...]:
    return tuple(
        AlignmentSummary(_text(a.get("targetName")), _text(a.get("targetUrl")), _text(a.get("targetCode")))
        for a in _objects(value)
    )


def _achievement(data: JsonObject) -> AchievementInfo:
    return AchievementInfo(
        id=_text(data.get("id")),
        name=_text(data.get("name")),
        description=_text(data.get("description")),
        types=_types(data.get("type")),
        achievement_type=_text(data.get("achievementType")),
        alignments=_alignments(data.get("alignment")),
    )


def _results(subject: JsonObject, achievement: JsonObject) -> tuple[ResultSummary, ...]:
    descriptions = {rd.get("id"): rd for rd in _objects(achievement.get("resultDescription"))}
    levels = {lvl.get("id"): lvl for rd in descriptions.values() for lvl in _objects(rd.get("rubricCriterionLevel"))}
    out = []
    for result in _objects(subject.get("result")):
        rd_id, level_id = result.get("resultDescription"), result.get("achievedLevel")
        rd, level = descriptions.get(rd_id), levels.get(level_id)
        out.append(
            ResultSummary(
                value=_text(result.get("value")),
                status=_text(result.get("status")),
                result_description=_text(rd.get("name")) if rd else _text(rd_id),
                achieved_level=_text(level.get("name")) if level else _text(level_id),
                alignments=_alignments(result.get("alignment")),
            )
        )
    return tuple(out)


def _credential_type(types: tuple[str, ...]) -> str | None:
    return next((t for t in types if t != "VerifiableCredential"), None)


def _decode(value: Any) -> JsonObject | None:
    """A nested credential as an object: as given, or the payload of a compact JWS (VC-JWT, or its ``vc``)."""
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        try:
            payload = parse_compact_jws(value).payload
        except ValueError:
            return None
        vc = payload.get("vc")
        return vc if isinstance(vc, dict) else payload
    return None


def _summarize(credential: JsonObject, depth: int) -> AchievementSummary:
    types = _types(credential.get("type"))
    issuer = credential.get("issuer")
    subjects = _objects(credential.get("credentialSubject"))
    subject = subjects[0] if subjects else {}
    achievements = _objects(subject.get("achievement"))
    nested: tuple[AchievementSummary, ...] = ()
    if "ClrCredential" in types and depth < _MAX_NESTING:
        decoded = (_decode(vc) for vc in _many(subject.get("verifiableCredential")))
        nested = tuple(_summarize(vc, depth + 1) for vc in decoded if vc is not None)
    return AchievementSummary(
        credential_type=_credential_type(types),
        credential_id=_text(credential.get("id")),
        name=_text(credential.get("name")),
        issuer_id=_text(issuer.get("id")) if isinstance(issuer, dict) else _text(issuer),
        issuer_name=_text(issuer.get("name")) if isinstance(issuer, dict) else None,
        holder_id=_text(subject.get("id")),
        achievements=tuple(_achievement(a) for a in achievements),
        results=_results(subject, achievements[0] if achievements else {}),
        valid_from=_text(credential.get("validFrom", credential.get("issuanceDate"))),
        valid_until=_text(credential.get("validUntil", credential.get("expirationDate"))),
        awarded_date=_text(credential.get("awardedDate")),
        credentials=nested,
    )


def summarize(credential: JsonObject) -> AchievementSummary:
    """A summary of an OpenBadgeCredential / AchievementCredential / ClrCredential (or any VC, sparsely)."""
    return _summarize(credential if isinstance(credential, dict) else {}, 0)
