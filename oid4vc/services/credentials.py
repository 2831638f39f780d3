"""Building the unsigned credential for one holder from an offer's ``credential_subject``: an Open Badges 3.0
``OpenBadgeCredential`` or a CLR 2.0 ``ClrCredential`` whose nested AchievementCredentials are each signed on their
own (CLR 2.0 §ClrSubject ``verifiableCredential``). The issuer Profile comes from settings, ``issuer.id`` from the
signing key's DID.

Offers are checked once, at creation (``check_offer``: input-path errors, the 1EdTech JSON Schema on a preview);
issuance then builds from the same, already-valid input without re-running the schema.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from oid4vc.config import IssuerSettings
from oid4vc.formats.base import Vcdm
from oid4vc.jose import JsonObject
from oid4vc.ler import (
    Profile,
    build_achievement_credential,
    build_clr_credential,
    check_achievement_offer,
    check_clr_offer,
    parse_clr_subject,
    parse_profile,
)

__all__ = ["NestedSigner", "build_credential", "check_offer", "issuer_profile"]

# Signs one nested AchievementCredential of a CLR: (unsigned credential) -> secured credential
NestedSigner = Callable[[JsonObject], Awaitable[JsonObject]]


def issuer_profile(issuer: IssuerSettings, *, issuer_id: str) -> Profile:
    """An Open Badges 3.0 Profile (``id`` = the issuer DID, ``type`` includes ``Profile``), parsed once: the
    service keeps it per issuer id instead of rebuilding and re-validating it for every credential."""
    profile: JsonObject = {"id": issuer_id, "type": ["Profile"], "name": issuer.name}
    if issuer.url:
        profile["url"] = issuer.url
    if issuer.description:
        profile["description"] = issuer.description
    if issuer.email:
        profile["email"] = issuer.email
    if issuer.image:
        profile["image"] = {"id": issuer.image, "type": "Image"}
    return parse_profile(profile)


def check_offer(
    credential_type: str,
    subject: object,
    *,
    issuer: JsonObject | Profile,
    now: datetime,
    vcdm: Vcdm,
    extra_contexts: tuple[str, ...] = (),
) -> JsonObject:
    """Validate ``subject`` for ``credential_type``; returns a preview credential (placeholder ids) for further
    checks such as JSON-LD safe mode. Raises LerValidationError naming the input field."""
    if credential_type == "ClrCredential":
        preview = check_clr_offer(subject, issuer=issuer, now=now, vcdm=vcdm).preview
    else:
        preview = check_achievement_offer(subject, issuer=issuer, now=now, vcdm=vcdm).preview
    return preview | {"@context": [*preview["@context"], *extra_contexts]}


async def build_credential(
    credential_type: str,
    subject: JsonObject,
    *,
    credential_id: Callable[[], str],
    issuer: JsonObject | Profile,
    holder_id: str,
    valid_from: datetime,
    valid_until: datetime | None,
    vcdm: Vcdm,
    extra_contexts: tuple[str, ...] = (),
    nested_issuer: JsonObject | Profile | None = None,
    sign_nested: NestedSigner | None = None,
    credential_status: JsonObject | None = None,
    nested_credential_status: JsonObject | None = None,
) -> JsonObject:
    """The unsigned credential for one holder. For a CLR, every nested badge is built for the same holder and
    secured by ``sign_nested`` (issued by ``nested_issuer``) before the CLR itself is assembled.

    ``credential_status`` becomes ``credentialStatus``; a CLR's nested badges get ``nested_credential_status`` (the
    same status list entry in the form their own securing mechanism reads), so revoking a CLR revokes its badges."""
    if credential_type != "ClrCredential":
        return build_achievement_credential(
            subject,
            credential_id=credential_id(),
            issuer=issuer,
            holder_id=holder_id,
            valid_from=valid_from,
            valid_until=valid_until,
            vcdm=vcdm,
            extra_contexts=extra_contexts,
            credential_status=credential_status,
        )
    if sign_nested is None or nested_issuer is None:
        raise ValueError("a ClrCredential needs a signer for its nested credentials")
    clr = parse_clr_subject(subject)
    nested: list[JsonObject] = []
    for badge in clr.credential_subjects:
        unsigned = build_achievement_credential(
            badge,
            credential_id=credential_id(),
            issuer=nested_issuer,
            holder_id=holder_id,
            valid_from=valid_from,
            valid_until=valid_until,
            credential_status=nested_credential_status,
        )
        nested.append(await sign_nested(unsigned))
    return build_clr_credential(
        clr,
        credential_id=credential_id(),
        issuer=issuer,
        holder_id=holder_id,
        valid_from=valid_from,
        valid_until=valid_until,
        signed_achievement_credentials=nested,
        vcdm=vcdm,
        extra_contexts=extra_contexts,
        credential_status=credential_status,
    )
