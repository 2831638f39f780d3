"""Presets: common LER questions expanded into a DCQL query (OpenID4VP 1.0 §6) plus a verifier policy.

"An Open Badge whose achievement name / type / alignment matches X, issued by one of these issuers, not older than
N days" becomes one Credential Query per accepted format (grouped in a ``credential_sets`` option list, so any one
format satisfies the request), with claims whose ``values`` carry the match, and a policy the Verifier applies after
verification (issuer allow-list, maximum age of ``validFrom``), because DCQL ``trusted_authorities`` has no DID type.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from oid4vc.jose import JsonObject

__all__ = ["OB_TYPE_IRI", "OpenBadgePreset", "expand_preset"]

OB_TYPE_IRI = "https://purl.imsglobal.org/spec/vc/ob/vocab.html#OpenBadgeCredential"
VC_TYPE_IRI = "https://www.w3.org/2018/credentials#VerifiableCredential"
Format = Literal["dc+sd-jwt", "jwt_vc_json", "ldp_vc"]
ALL_FORMATS: tuple[Format, ...] = ("dc+sd-jwt", "jwt_vc_json", "ldp_vc")
_ACHIEVEMENT = ["credentialSubject", "achievement"]


class OpenBadgePreset(BaseModel):
    """``{"preset": "open_badge", ...}`` in ``POST /admin/presentations``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    preset: Literal["open_badge"] = "open_badge"
    achievement_name: str | None = None
    achievement_type: str | None = None  # OB achievementType, e.g. "Certificate"
    alignment_target_name: str | None = None
    issuers: list[str] | None = Field(default=None, min_length=1)
    max_age_days: int | None = Field(default=None, ge=1)
    formats: list[Format] = Field(default_factory=lambda: list(ALL_FORMATS), min_length=1)
    vct: str | None = None  # dc+sd-jwt vct; default <public_url>/vct/OpenBadgeCredential


def _claims(preset: OpenBadgePreset) -> list[JsonObject]:
    claims: list[JsonObject] = [{"id": "name", "path": [*_ACHIEVEMENT, "name"]}]
    if preset.achievement_name is not None:
        claims[0]["values"] = [preset.achievement_name]
    if preset.achievement_type is not None:
        claims.append({"id": "type", "path": [*_ACHIEVEMENT, "achievementType"], "values": [preset.achievement_type]})
    if preset.alignment_target_name is not None:
        claims.append(
            {
                "id": "alignment",
                "path": [*_ACHIEVEMENT, "alignment", None, "targetName"],
                "values": [preset.alignment_target_name],
            }
        )
    claims.append({"id": "issuer", "path": ["issuer"]})
    return claims


def expand_preset(preset: OpenBadgePreset, *, public_url: str) -> tuple[JsonObject, JsonObject]:
    """(dcql_query, policy). The policy has ``trusted_issuers`` and ``max_age_days`` when given."""
    credentials: list[JsonObject] = []
    for fmt in preset.formats:
        query_id = "open_badge_" + fmt.replace("+", "_").replace("-", "_")
        meta: JsonObject = (
            {"vct_values": [preset.vct or f"{public_url}/vct/OpenBadgeCredential"]}
            if fmt == "dc+sd-jwt"
            else {"type_values": [[VC_TYPE_IRI, OB_TYPE_IRI]]}
        )
        credentials.append({"id": query_id, "format": fmt, "meta": meta, "claims": _claims(preset)})
    query: JsonObject = {"credentials": credentials}
    if len(credentials) > 1:
        query["credential_sets"] = [{"options": [[c["id"]] for c in credentials], "required": True}]
    policy: JsonObject = {}
    if preset.issuers:
        policy["trusted_issuers"] = list(preset.issuers)
    if preset.max_age_days:
        policy["max_age_days"] = preset.max_age_days
    return query, policy
