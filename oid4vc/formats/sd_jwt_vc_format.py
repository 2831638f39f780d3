"""``dc+sd-jwt``: an SD-JWT VC (OpenID4VCI 1.0 Appendix A.3; draft-ietf-oauth-sd-jwt-vc-13; RFC 9901) carrying
Open Badges 3.0 claims (``open_badge_claims``: 1EdTech defines no SD-JWT profile, so this is our own ``vct``,
offered beside ldp_vc / VC-JWT, never instead of them).

- ``vct`` (A.3 metadata, SD-JWT VC §3.2.2.2) defaults to ``<public_url>/vct/<credential_type>``; Type Metadata is
  served at that https URL (SD-JWT VC §6);
- the issuer key is discoverable: ``iss`` is the issuer DID and the JOSE ``kid`` a DID URL;
- holder binding is ``cnf.jwk`` = the key of the proof (SD-JWT VC §3.2.2.2, HAIP §6.1);
- ``status`` (Token Status List -14 §6.2), when given, is a plain (never disclosable) claim;
- the claims a configuration lists in ``selectively_disclosable`` become disclosures (with decoy digests, RFC 9901
  §4.2.5); each credential gets fresh salts, so batch copies are unlinkable.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Literal

from oid4vc.config import CredentialConfigurationSettings
from oid4vc.formats.base import HolderBinding, IssuerKey, SignedCredential, StatusForm, Vcdm
from oid4vc.formats.sd_jwt import PathComponent, random_salt
from oid4vc.formats.sd_jwt_vc import OPEN_BADGE_SD_PATHS, issue_sd_jwt_vc, open_badge_claims
from oid4vc.jose import JsonObject

__all__ = ["DcSdJwt", "default_vct", "sd_paths"]


def default_vct(config: CredentialConfigurationSettings, *, public_url: str) -> str:
    return config.vct or f"{public_url}/vct/{config.credential_type}"


def sd_paths(config: CredentialConfigurationSettings) -> tuple[tuple[PathComponent, ...], ...]:
    if config.selectively_disclosable:
        return tuple(tuple(p) for p in config.selectively_disclosable)
    return tuple(tuple(p) for p in OPEN_BADGE_SD_PATHS)


def _decoys() -> int:
    return 1 + secrets.randbelow(3)


class DcSdJwt:
    format: str = "dc+sd-jwt"
    key_type: Literal["EC", "OKP"] = "EC"
    status_form: StatusForm = "token"

    def __init__(self, *, public_url: str) -> None:
        self._public_url = public_url

    def vcdm(self, config: CredentialConfigurationSettings) -> Vcdm:
        return "2.0"

    def extra_contexts(self, config: CredentialConfigurationSettings) -> tuple[str, ...]:
        return ()

    def signing_algs(self, config: CredentialConfigurationSettings) -> list[str]:
        return ["ES256"]

    async def preflight(self, credential: JsonObject, *, config: CredentialConfigurationSettings) -> None:
        return None

    def configuration_metadata(self, config: CredentialConfigurationSettings, *, public_url: str) -> JsonObject:
        return {"vct": default_vct(config, public_url=public_url)}

    async def sign(
        self,
        credential: JsonObject,
        *,
        config: CredentialConfigurationSettings,
        key: IssuerKey,
        holder: HolderBinding,
        now: datetime,
        status: JsonObject | None = None,
    ) -> SignedCredential:
        return issue_sd_jwt_vc(
            open_badge_claims(credential),
            signer=key.signer,
            vct=default_vct(config, public_url=self._public_url),
            now=now,
            salt=random_salt,
            issuer=key.issuer_id,
            holder_jwk=holder.jwk,
            sd_paths=sd_paths(config),
            kid=key.verification_method,
            decoy_count=_decoys,
            status=status,
        )
