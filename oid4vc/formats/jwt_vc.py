"""``jwt_vc_json``: a W3C VC secured as a JWT (OpenID4VCI 1.0 Appendix A.1.1).

Two payload shapes, chosen per credential configuration (``jwt_profile``):

- ``ob3`` -- Open Badges 3.0 §8.2 "JSON Web Token Proof Format": the credential itself is the JWT claims set, with
  ``iss`` = ``issuer.id``, ``jti`` = ``id``, ``sub`` = ``credentialSubject.id``, ``nbf`` = ``validFrom`` and
  ``exp`` = ``validUntil`` mirrored; header ``typ`` is ``JWT``; ``alg`` ES256 (1EdTech's validator accepts RS256 or
  ES256 only, never EdDSA).
- ``vcdm11`` -- VC Data Model 1.1 §6.3.1 JWT encoding, what OpenID4VCI 1.0 A.1.1 references: the VCDM 1.1
  credential sits in a ``vc`` claim, with ``iss``/``sub``/``jti``/``nbf``/``exp`` derived from it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from oid4vc.config import CredentialConfigurationSettings
from oid4vc.formats.base import HolderBinding, IssuerKey, SignedCredential, StatusForm, Vcdm
from oid4vc.jose import JsonObject

__all__ = ["JwtVcJson", "parse_datetime"]


def parse_datetime(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _epoch(credential: JsonObject, *names: str) -> int | None:
    for name in names:
        value = credential.get(name)
        if isinstance(value, str):
            return int(parse_datetime(value).timestamp())
    return None


def _issuer_id(credential: JsonObject) -> str:
    issuer = credential["issuer"]
    return str(issuer["id"] if isinstance(issuer, dict) else issuer)


class JwtVcJson:
    format: str = "jwt_vc_json"
    key_type: Literal["EC", "OKP"] = "EC"
    status_form: StatusForm = "jwt"

    def vcdm(self, config: CredentialConfigurationSettings) -> Vcdm:
        return "1.1" if config.jwt_profile == "vcdm11" else "2.0"

    def extra_contexts(self, config: CredentialConfigurationSettings) -> tuple[str, ...]:
        return ()

    def signing_algs(self, config: CredentialConfigurationSettings) -> list[str]:
        return ["ES256"]

    async def preflight(self, credential: JsonObject, *, config: CredentialConfigurationSettings) -> None:
        return None

    def configuration_metadata(self, config: CredentialConfigurationSettings, *, public_url: str) -> JsonObject:
        return {"credential_definition": {"type": ["VerifiableCredential", config.credential_type]}}

    def claims(self, credential: JsonObject) -> JsonObject:
        """The JWT claims set for ``credential`` (see module docstring)."""
        registered: JsonObject = {
            "iss": _issuer_id(credential),
            "jti": credential["id"],
            "sub": credential["credentialSubject"]["id"],
        }
        nbf = _epoch(credential, "validFrom", "issuanceDate")
        exp = _epoch(credential, "validUntil", "expirationDate")
        if nbf is not None:
            registered["nbf"] = nbf
        if exp is not None:
            registered["exp"] = exp
        if "https://www.w3.org/2018/credentials/v1" in credential.get("@context", []):
            return registered | {"vc": credential}
        return credential | registered

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
        header = {"typ": "JWT", "kid": key.verification_method}
        return key.signer.sign(header, self.claims(credential))
