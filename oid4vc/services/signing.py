"""Standalone signing (``oid4vc sign``): secure a complete credential document outside a wallet flow, for issuers who
e-mail or publish a badge. The issuer Profile id is set to the signing key's DID; Open Badges / CLR documents are
checked against the 1EdTech JSON Schema first, and ldp_vc documents in JSON-LD safe mode."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from oid4vc.config import CredentialConfigurationSettings, Settings
from oid4vc.crypto.keystore import KeyRing
from oid4vc.dids.identity import key_identity
from oid4vc.formats.base import CredentialFormat, HolderBinding, IssuerKey, SignedCredential
from oid4vc.jose import JsonObject
from oid4vc.ler import validate_credential

__all__ = ["pick_format", "sign_document"]

_LER = {"OpenBadgeCredential", "AchievementCredential", "ClrCredential", "EndorsementCredential"}


async def sign_document(
    document: JsonObject,
    *,
    fmt: CredentialFormat,
    config: CredentialConfigurationSettings,
    settings: Settings,
    keys: KeyRing,
    now: datetime,
) -> SignedCredential:
    """Raises LerValidationError (schema), PreflightError (JSON-LD) or ValueError (no holder for SD-JWT VC)."""
    signer = keys.active(fmt.key_type)
    ident = key_identity(settings.issuer.did_method, signer.public_jwk, kid=signer.kid, public_url=settings.public_url)
    issuer = document.get("issuer")
    profile = dict(issuer) if isinstance(issuer, dict) else {"type": ["Profile"], "name": settings.issuer.name}
    credential = dict(document) | {"issuer": profile | {"id": ident.did}}
    types = credential.get("type", [])
    if set([types] if isinstance(types, str) else types) & _LER:
        validate_credential(credential)
    await fmt.preflight(credential, config=config)
    subject = credential.get("credentialSubject")
    holder_did = subject.get("id") if isinstance(subject, dict) else None
    if fmt.format == "dc+sd-jwt":
        raise ValueError("dc+sd-jwt needs a holder key (cnf); issue it over OpenID4VCI instead")
    holder = HolderBinding(jwk={}, did=str(holder_did or ""))
    key = IssuerKey(signer=signer, issuer_id=ident.did, verification_method=ident.verification_method)
    return await fmt.sign(credential, config=config, key=key, holder=holder, now=now)


def pick_format(formats: Mapping[str, CredentialFormat], name: str) -> CredentialFormat:
    if name not in formats:
        raise ValueError(f"unknown format {name}; choose one of {', '.join(sorted(formats))}")
    return formats[name]
