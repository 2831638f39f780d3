"""Credential format port and registry (OpenID4VCI 1.0 Appendix A: one profile per ``format`` identifier).

A format signs an already-built, unsigned credential for one holder and describes its own members of
``credential_configurations_supported``. Adding a format is one module plus one registry line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from oid4vc.config import CredentialConfigurationSettings
from oid4vc.crypto.base import JwtSigner, RawSigner
from oid4vc.jose import JsonObject, Jwk

__all__ = [
    "CredentialFormat",
    "HolderBinding",
    "IssuerKey",
    "PreflightError",
    "SignedCredential",
    "StatusForm",
    "Vcdm",
]

Vcdm = Literal["2.0", "1.1"]
# How a format's credentials point at their status list: a Bitstring Status List credential secured with Data
# Integrity ("di") or as a VC-JWT ("jwt") in ``credentialStatus``, or a Token Status List in ``status`` ("token").
StatusForm = Literal["di", "jwt", "token"]
SignedCredential = str | JsonObject


class _Signer(JwtSigner, RawSigner, Protocol):
    pass


@dataclass(frozen=True, slots=True)
class IssuerKey:
    """The key that signs, with the identifiers it is published under."""

    signer: _Signer
    issuer_id: str  # the issuer DID, Profile.id / `iss`
    verification_method: str  # DID URL, JOSE `kid` / Data Integrity `verificationMethod`


@dataclass(frozen=True, slots=True)
class HolderBinding:
    jwk: Jwk
    did: str


class PreflightError(ValueError):
    """The credential cannot be secured in this format; the message is public and names the problem."""


class CredentialFormat(Protocol):
    format: str
    key_type: Literal["EC", "OKP"]  # which issuer key signs this format
    status_form: StatusForm

    def vcdm(self, config: CredentialConfigurationSettings) -> Vcdm: ...

    def extra_contexts(self, config: CredentialConfigurationSettings) -> tuple[str, ...]:
        """JSON-LD contexts the secured form needs beyond the credential type's own."""
        ...

    def signing_algs(self, config: CredentialConfigurationSettings) -> list[str]: ...

    async def preflight(self, credential: JsonObject, *, config: CredentialConfigurationSettings) -> None:
        """Raise PreflightError if ``credential`` (a preview at offer time) could not be signed later."""
        ...

    def configuration_metadata(self, config: CredentialConfigurationSettings, *, public_url: str) -> JsonObject:
        """The format-specific members (``credential_definition``, ``vct``, ...)."""
        ...

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
        """``status`` is a Token Status List ``status`` claim, for formats that carry status outside the credential
        document (dc+sd-jwt); W3C formats find ``credentialStatus`` in ``credential`` and ignore it."""
        ...
