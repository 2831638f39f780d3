"""Building the unsigned credential for one holder from an offer's ``credential_subject`` (Open Badges 3.0 §8;
CLR 2.0 comes with the LER formats work). The issuer Profile comes from settings, ``issuer.id`` from the key's DID.
"""

from __future__ import annotations

from datetime import datetime

from oid4vc.config import IssuerSettings
from oid4vc.formats.base import Vcdm
from oid4vc.jose import JsonObject
from oid4vc.ler.build import build_achievement_credential
from oid4vc.ler.errors import LerValidationError
from oid4vc.ler.schema import validate_credential

__all__ = ["issuer_profile", "prepare_credential"]


def issuer_profile(issuer: IssuerSettings, *, issuer_id: str) -> JsonObject:
    """An Open Badges 3.0 Profile (``id`` = the issuer DID, ``type`` includes ``Profile``)."""
    profile: JsonObject = {"id": issuer_id, "type": ["Profile"], "name": issuer.name}
    if issuer.url:
        profile["url"] = issuer.url
    if issuer.description:
        profile["description"] = issuer.description
    if issuer.email:
        profile["email"] = issuer.email
    if issuer.image:
        profile["image"] = {"id": issuer.image, "type": "Image"}
    return profile


def prepare_credential(
    credential_type: str,
    subject: JsonObject,
    *,
    credential_id: str,
    issuer: JsonObject,
    holder_id: str,
    valid_from: datetime,
    valid_until: datetime | None,
    vcdm: Vcdm,
    extra_contexts: tuple[str, ...] = (),
) -> JsonObject:
    """The unsigned credential, validated against the 1EdTech JSON Schema. Raises LerValidationError."""
    if credential_type != "OpenBadgeCredential":
        raise LerValidationError.at(("credential_type",), f"{credential_type} is not issued by this build")
    credential = build_achievement_credential(
        subject, credential_id=credential_id, issuer=issuer, holder_id=holder_id, valid_from=valid_from,
        valid_until=valid_until, vcdm=vcdm, extra_contexts=extra_contexts,
    )
    validate_credential(credential)
    return credential
