"""Wallet display metadata for OB 3.0 / CLR 2.0 credential configurations (OpenID4VCI 1.0 §12.2.4
``credential_metadata``: ``display`` and ``claims``; App. B.2 claims description; App. C claims path pointers).

``credential_display`` turns an Achievement into ``credential_metadata.display`` entries: ``name`` and
``description`` from the achievement, ``logo`` from its image when that is an ``https:`` or ``data:`` URI (a
wallet fetches it, so nothing else), ``locale`` from ``inLanguage`` unless one is given. Text that arrives as a
language map (``{"en": ..., "fr": ...}``, allowed by the 1EdTech schema for received credentials) gives one
entry per language; App. B wants at most one entry per locale.

``achievement_claims`` / ``clr_claims`` describe the main claims of an OpenBadgeCredential / ClrCredential in
display order. Paths start at the credential (the W3C VC formats of App. A.1 address claims inside the
credential object); ``null`` selects every element of an array (App. C.1). Labels are English.
"""

from __future__ import annotations

from typing import Any

from oid4vc.jose import JsonObject
from oid4vc.ler.build import Vcdm
from oid4vc.ler.models import Achievement

__all__ = ["achievement_claims", "clr_claims", "credential_display"]

_LOGO_SCHEMES = ("https://", "data:")
ClaimPath = list[str | int | None]


def _localized(value: Any) -> dict[str | None, str]:
    """``{locale or None: text}`` from a plain string or a JSON-LD language map."""
    if isinstance(value, str):
        return {None: value} if value else {}
    if isinstance(value, dict):
        return {str(k): v for k, v in value.items() if isinstance(v, str) and v}
    return {}


def _logo(image: Any, alt_text: str) -> JsonObject | None:
    uri = image.get("id") if isinstance(image, dict) else image
    if not isinstance(uri, str) or not uri.startswith(_LOGO_SCHEMES):
        return None
    caption = _localized(image.get("caption")) if isinstance(image, dict) else {}
    return {"uri": uri, "alt_text": next(iter(caption.values()), alt_text)}


def credential_display(
    achievement: Achievement | JsonObject,
    *,
    locale: str | None = None,
    background_color: str | None = None,
    text_color: str | None = None,
) -> list[JsonObject]:
    """``credential_metadata.display`` entries for a credential configuration that issues ``achievement``."""
    data = achievement.to_json() if isinstance(achievement, Achievement) else achievement
    names = _localized(data.get("name"))
    descriptions = _localized(data.get("description"))
    language = data.get("inLanguage")
    default_locale = locale or (language if isinstance(language, str) else None)
    entries: list[JsonObject] = []
    for key, name in names.items():
        entry: JsonObject = {"name": name}
        entry_locale = key or default_locale
        if entry_locale:
            entry["locale"] = entry_locale
        logo = _logo(data.get("image"), name)
        if logo is not None:
            entry["logo"] = logo
        # same language, else the untagged text; a plain name may take the first language-tagged description
        description = descriptions.get(key) or descriptions.get(None)
        if description is None and key is None:
            description = next(iter(descriptions.values()), None)
        if description:
            entry["description"] = description
        if background_color:
            entry["background_color"] = background_color
        if text_color:
            entry["text_color"] = text_color
        entries.append(entry)
    return entries


def _claims(labels: list[tuple[ClaimPath, str, bool]], locale: str | None) -> list[JsonObject]:
    out: list[JsonObject] = []
    for path, label, mandatory in labels:
        display: JsonObject = {"name": label}
        if locale:
            display["locale"] = locale
        claim: JsonObject = {"path": path, "display": [display]}
        if mandatory:
            claim["mandatory"] = True
        out.append(claim)
    return out


def _validity(vcdm: Vcdm) -> list[tuple[ClaimPath, str, bool]]:
    start, end = ("validFrom", "validUntil") if vcdm == "2.0" else ("issuanceDate", "expirationDate")
    return [([start], "Valid from", True), ([end], "Valid until", False)]


def achievement_claims(*, locale: str | None = "en", vcdm: Vcdm = "2.0") -> list[JsonObject]:
    """Claims descriptions for an OpenBadgeCredential built by ``oid4vc.ler.build`` (``mandatory`` marks what
    every one of them carries)."""
    achievement: ClaimPath = ["credentialSubject", "achievement"]
    labels: list[tuple[ClaimPath, str, bool]] = [
        (["name"], "Credential", True),
        ([*achievement, "name"], "Achievement", True),
        ([*achievement, "description"], "Description", True),
        ([*achievement, "achievementType"], "Achievement type", False),
        ([*achievement, "criteria", "narrative"], "Criteria", False),
        ([*achievement, "alignment", None, "targetName"], "Aligned to", False),
        (["credentialSubject", "result", None, "value"], "Result", False),
        (["credentialSubject", "creditsEarned"], "Credits earned", False),
        (["issuer", "name"], "Issued by", False),
        (["awardedDate"], "Awarded on", True),
        *_validity(vcdm),
    ]
    return _claims(labels, locale)


def clr_claims(*, locale: str | None = "en", vcdm: Vcdm = "2.0") -> list[JsonObject]:
    """Claims descriptions for a ClrCredential built by ``oid4vc.ler.build``."""
    nested: ClaimPath = ["credentialSubject", "verifiableCredential", None, "credentialSubject", "achievement"]
    labels: list[tuple[ClaimPath, str, bool]] = [
        (["name"], "Learner record", True),
        (["description"], "Description", False),
        ([*nested, "name"], "Achievements", True),
        (["issuer", "name"], "Issued by", False),
        (["awardedDate"], "Awarded on", True),
        *_validity(vcdm),
    ]
    return _claims(labels, locale)
